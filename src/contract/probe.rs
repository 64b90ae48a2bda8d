//! What a control asks a host for: [`Probe`]s, and the one shell-quoting
//! rule every generated command line uses.
//!
//! Probes are data. The SSH backend turns a host's whole set into one
//! script run in one round trip (`backend/ssh/probe.rs`); typed fact kinds
//! ([`crate::contract::kinds`]) are command probes with a parser.

/// Something a control needs to read from a host.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Probe {
    /// A file: presence, mode, owner, group and content.
    File(String),
    /// Every entry of a directory (not recursive).
    Dir(String),
    /// A shell snippet; its stdout, stderr and exit code are kept under `id`.
    /// It runs in a subshell with stdin closed; `$T` is a private scratch
    /// directory, removed when the probe ends.
    Cmd {
        /// Key under which the result is stored.
        id: String,
        /// POSIX shell code, run with stdin closed.
        script: String,
    },
    /// A GET below a provider API's base URL (provider-scoped controls);
    /// the JSON answer is kept under `id`. With `list`, every page is read
    /// and the answer is the JSON array of all items. With `body`, a POST
    /// of that JSON text instead, allowed only for the reads an API
    /// documents as POSTs ([`crate::contract::api::is_post_read`]); its
    /// failure is kept as the answer `{"read_error": {"status", "code",
    /// "message"}}` for the control to judge.
    Api {
        /// Key under which the answer is stored.
        id: String,
        /// The provider API asked (`None`: the client's only one).
        service: Option<crate::contract::api::Service>,
        /// Path below the base URL (checked like an `ApiCall`'s; may hold
        /// [`crate::contract::api::PROJECT_ID`]).
        path: String,
        /// Read a paged list: the key of the items in each page's body.
        list: Option<String>,
        /// A POST read's JSON body (serialised; never recorded).
        body: Option<String>,
    },
    /// A TLS connection made from where harden runs, as a client on the
    /// internet would (see [`crate::contract::outside`]); the engine
    /// answers it, never the host.
    Tls(crate::contract::outside::TlsProbe),
}

impl Probe {
    /// The command probe of a typed fact kind.
    pub fn kind<K: crate::contract::kinds::Kind>(k: &K) -> Self {
        Probe::Cmd {
            id: k.id(),
            script: k.script(),
        }
    }

    /// A GET of one API answer (a single page).
    pub fn api(service: Option<crate::contract::api::Service>, id: &str, path: &str) -> Self {
        Probe::Api {
            id: id.to_string(),
            service,
            path: path.to_string(),
            list: None,
            body: None,
        }
    }

    /// A read the API documents as a POST of `body` (see
    /// [`crate::contract::api::POST_READS`]).
    pub fn api_post_read(
        service: Option<crate::contract::api::Service>,
        id: &str,
        path: &str,
        body: &serde_json::Value,
    ) -> Self {
        Probe::Api {
            id: id.to_string(),
            service,
            path: path.to_string(),
            list: None,
            body: Some(body.to_string()),
        }
    }

    /// Every item under `key` of every page of `GET path` (the provider's
    /// own paging: Hetzner's `page=`/`next_page`, OpenStack's `marker=`
    /// with `<key>_links`), as one JSON array.
    pub fn api_list(
        service: Option<crate::contract::api::Service>,
        id: &str,
        path: &str,
        key: &str,
    ) -> Self {
        Probe::Api {
            id: id.to_string(),
            service,
            path: path.to_string(),
            list: Some(key.to_string()),
            body: None,
        }
    }

    /// A command probe.
    pub fn cmd(id: &str, script: impl Into<String>) -> Self {
        Probe::Cmd {
            id: id.to_string(),
            script: script.into(),
        }
    }
}

/// Quotes a string for a POSIX shell.
pub fn sh_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+=:,@%".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}
