//! The hardened sshd settings: one list drives both the rendered file and
//! the effective-state check.
//!
//! Each [`Setting`] knows the keyword, the value written to sshd_config and
//! the value `sshd -T` prints for it, so drift compares what sshd will
//! actually do, including anything a `Match` block or an included file
//! changed. Sections keep the rendered file readable.

use serde::Serialize;

use super::crypto::Crypto;
use crate::inventory::Host;

/// One sshd_config directive.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Setting {
    /// Keyword as written (`PasswordAuthentication`).
    pub key: String,
    /// Value as written.
    pub value: String,
    /// Value as `sshd -T` prints it (keys are lowercased there); empty for
    /// keywords `sshd -T` does not print.
    pub effective: String,
    /// TOM measure the setting protects.
    pub tom: &'static str,
}

/// A commented group of settings.
#[derive(Clone, Debug, Serialize)]
pub struct Section {
    /// Heading comment.
    pub title: &'static str,
    /// Directives.
    pub settings: Vec<Setting>,
}

const LOGIN: &str = crate::tom::CRITICAL_LOGIN.id;
const TRANSPORT: &str = crate::tom::TRANSPORT_ENCRYPTION.id;
const LOGGING: &str = crate::tom::ACCESS_LOGGING.id;

fn s(key: &str, value: impl Into<String>, tom: &'static str) -> Setting {
    let value = value.into();
    Setting {
        key: key.into(),
        effective: value.clone(),
        value,
        tom,
    }
}

fn yn(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// Facts about the host's sshd that change what may be written.
#[derive(Clone, Copy, Debug, Default)]
pub struct Flavour {
    /// Debian's patched sshd (knows `DebianBanner`).
    pub debian: bool,
}

/// Builds the sections for `host`; `ca` switches to certificate logins.
pub fn sections(host: &Host, crypto: &Crypto, flavour: Flavour, ca: bool) -> Vec<Section> {
    let c = host.settings::<super::section::SshdSettings>();
    let mut transport = vec![s("HostKey", "/etc/ssh/ssh_host_ed25519_key", TRANSPORT)];
    if ca {
        transport.push(s(
            "HostCertificate",
            crate::controls::ssh_ca::HOST_CERT,
            TRANSPORT,
        ));
    }
    transport.extend([
        s("KexAlgorithms", crypto.kex.join(","), TRANSPORT),
        s("Ciphers", crypto.ciphers.join(","), TRANSPORT),
        s("MACs", crypto.macs.join(","), TRANSPORT),
        s(
            "HostKeyAlgorithms",
            crypto.host_key_algorithms.join(","),
            TRANSPORT,
        ),
        s(
            "PubkeyAcceptedAlgorithms",
            crypto.pubkey_algorithms.join(","),
            LOGIN,
        ),
        s(
            "CASignatureAlgorithms",
            crypto.ca_algorithms.join(","),
            LOGIN,
        ),
    ]);
    if crypto.required_rsa_size {
        transport.push(s("RequiredRSASize", "3072", TRANSPORT));
    }
    let mut root = s("PermitRootLogin", "prohibit-password", LOGIN);
    root.effective = "without-password".into();
    let mut misc = vec![
        s("Compression", "no", TRANSPORT),
        s("UseDNS", "no", LOGGING),
        s("PrintMotd", "no", LOGIN),
        s("PrintLastLog", "yes", LOGGING),
        s("Banner", "none", LOGIN),
        s("PidFile", "/run/sshd.pid", LOGIN),
        s("Subsystem", "sftp internal-sftp", LOGIN),
    ];
    if flavour.debian {
        // Debian-only keyword; `sshd -T` does not print it.
        let mut banner = s("DebianBanner", "no", LOGIN);
        banner.effective = String::new();
        misc.push(banner);
    }
    vec![
        Section {
            title: "Network and algorithms (chosen for this host's OpenSSH version)",
            settings: {
                let mut v = vec![
                    s("Port", host.conn.port.to_string(), crate::tom::PORTS.id),
                    s("AddressFamily", "any", crate::tom::PORTS.id),
                ];
                v.extend(transport);
                v
            },
        },
        Section {
            title: "Authentication: public keys / certificates only, no passwords",
            settings: vec![
                s("PubkeyAuthentication", "yes", LOGIN),
                s("AuthenticationMethods", "publickey", LOGIN),
                s("PasswordAuthentication", "no", LOGIN),
                s("KbdInteractiveAuthentication", "no", LOGIN),
                s("PermitEmptyPasswords", "no", LOGIN),
                s("HostbasedAuthentication", "no", LOGIN),
                s("IgnoreRhosts", "yes", LOGIN),
                s("GSSAPIAuthentication", "no", LOGIN),
                s("KerberosAuthentication", "no", LOGIN),
                root,
                s("StrictModes", "yes", LOGIN),
                s("UsePAM", "yes", LOGIN),
            ]
            .into_iter()
            .chain(login_sources(ca))
            .collect(),
        },
        Section {
            title: "Limits: short login grace, bounded attempts",
            settings: vec![
                s("LoginGraceTime", c.login_grace_time.to_string(), LOGIN),
                s("MaxAuthTries", c.max_auth_tries.to_string(), LOGIN),
                s("MaxSessions", "10", LOGIN),
                s("MaxStartups", c.max_startups.clone(), LOGIN),
            ]
            .into_iter()
            .chain(penalty_exemptions(host, crypto))
            .chain([
                s(
                    "ClientAliveInterval",
                    c.client_alive_interval.to_string(),
                    LOGIN,
                ),
                s("ClientAliveCountMax", "3", LOGIN),
                s("TCPKeepAlive", "no", LOGIN),
            ])
            .collect(),
        },
        Section {
            title: "Forwarding: off unless declared in the inventory",
            settings: vec![
                s("AllowTcpForwarding", yn(c.allow_tcp_forwarding), LOGIN),
                s("AllowAgentForwarding", yn(c.allow_agent_forwarding), LOGIN),
                s("AllowStreamLocalForwarding", "no", LOGIN),
                s("X11Forwarding", yn(c.x11_forwarding), LOGIN),
                s("PermitTunnel", "no", LOGIN),
                s("GatewayPorts", "no", LOGIN),
                s("PermitUserEnvironment", "no", LOGIN),
                s("PermitUserRC", "no", LOGIN),
            ],
        },
        Section {
            title: "Logging: every login with key fingerprint or certificate id",
            settings: vec![
                s("LogLevel", "VERBOSE", LOGGING),
                s("SyslogFacility", "AUTH", LOGGING),
            ],
        },
        Section {
            title: "Miscellaneous",
            settings: misc,
        },
    ]
}

/// OpenSSH 9.8+ penalises sources for unauthenticated connections
/// (`PerSourcePenalties`, on by default); an outside audit run from the
/// controller would then lock harden out for minutes. The controller
/// sources are exempted, written as explicit CIDRs; everyone else keeps
/// the penalties.
fn penalty_exemptions(host: &Host, crypto: &Crypto) -> Option<Setting> {
    if !crypto.per_source_penalties || host.controller_sources.is_empty() {
        return None;
    }
    let list: Vec<String> = host
        .controller_sources
        .iter()
        .map(|c| format!("{}/{}", c.addr, c.prefix))
        .collect();
    // `sshd -T` prints the list exactly as written.
    Some(s("PerSourcePenaltyExemptList", list.join(","), LOGIN))
}

/// Where keys and certificates for logins come from. With the CA: only
/// certificates it signed, for principals harden lists, minus the
/// revocation list; no authorized_keys at all.
fn login_sources(ca: bool) -> Vec<Setting> {
    use crate::controls::ssh_ca;
    if ca {
        vec![
            s("TrustedUserCAKeys", ssh_ca::USER_CA, LOGIN),
            s(
                "AuthorizedPrincipalsFile",
                format!("{}/%u", ssh_ca::PRINCIPALS),
                crate::tom::CENTRAL_USERS.id,
            ),
            s("RevokedKeys", ssh_ca::KRL, crate::tom::CENTRAL_USERS.id),
            s("AuthorizedKeysFile", "none", LOGIN),
        ]
    } else {
        vec![s("AuthorizedKeysFile", ".ssh/authorized_keys", LOGIN)]
    }
}

/// Keywords harden sets; `extra` lines must not repeat them.
pub fn managed_keywords(sections: &[Section]) -> Vec<String> {
    sections
        .iter()
        .flat_map(|s| s.settings.iter().map(|x| x.key.to_ascii_lowercase()))
        .collect()
}
