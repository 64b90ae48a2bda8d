//! Setting up an API client: the base URL must be https:// (http:// only
//! to a loopback IP), and the credential file must be a regular file of
//! the current user that nobody else can read; each refusal names the
//! path or variable and the fix, never the value.

use std::os::unix::fs::PermissionsExt;

use harden::backend::http::{ApiClient, ApiConfig, ConfigError, Credential};

use super::{token_file, TOKEN};

fn from_file(path: &std::path::Path) -> Result<ApiClient, ConfigError> {
    ApiClient::new(&ApiConfig::new(
        "hcloud",
        "https://api.hetzner.cloud/v1",
        Credential::FromFile(path.into()),
    ))
}

#[test]
fn base_url_must_be_https_or_loopback_http() {
    let (_dir, token) = token_file(TOKEN);
    let with = |url: &str| {
        ApiClient::new(&ApiConfig::new(
            "t",
            url,
            Credential::FromFile(token.clone()),
        ))
    };
    for ok in [
        "https://api.hetzner.cloud/v1",
        "http://127.0.0.1:9/v1",
        "http://[::1]:9",
    ] {
        assert!(with(ok).is_ok(), "{ok}");
    }
    for bad in [
        "http://api.hetzner.cloud/v1",
        "http://localhost:9",
        "http://192.0.2.1/",
        "ftp://127.0.0.1/",
        "https://u:p@api.example",
    ] {
        let e = with(bad).expect_err(bad);
        assert_eq!(e.code(), "api-base-url", "{bad}: {e}");
    }
    let e = with("http://api.example").expect_err("http");
    assert!(e.to_string().contains("must start with https://"), "{e}");
}

#[test]
fn credential_file_must_be_private_and_mine() {
    let (dir, path) = token_file(TOKEN);
    assert!(from_file(&path).is_ok(), "0600");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).expect("chmod");
    assert!(from_file(&path).is_ok(), "0400");
    for mode in [0o644, 0o640, 0o604, 0o700, 0o4600] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
        let e = from_file(&path).expect_err("group/other bits");
        assert_eq!(e.code(), "api-credential-file", "{mode:o}");
        let s = e.to_string();
        assert!(s.contains(&path.display().to_string()), "{s}");
        assert!(s.contains(&format!("chmod 600 {}", path.display())), "{s}");
        assert!(!s.contains("0123456789abcdef"), "{s}");
    }
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&path, &link).expect("symlink");
    let e = from_file(&link).expect_err("symlink");
    assert!(e.to_string().contains("symbolic link"), "{e}");
    let e = from_file(&dir.path().join("missing")).expect_err("missing");
    assert!(e.to_string().contains("cannot open"), "{e}");
    let e = from_file(dir.path()).expect_err("a directory");
    assert_eq!(e.code(), "api-credential-file", "{e}");

    let (_d2, empty) = token_file("  ");
    assert_eq!(
        from_file(&empty).expect_err("empty").code(),
        "api-credential"
    );
    let (_d3, inner) = token_file("abc\ndef");
    let e = from_file(&inner).expect_err("line break inside");
    assert_eq!(e.code(), "api-credential");
    assert!(!e.to_string().contains("abc"), "{e}");

    if rustix::process::geteuid().is_root() {
        // Someone else's file, even with the right mode.
        std::os::unix::fs::chown(&path, Some(65534), None).expect("chown");
        let e = from_file(&path).expect_err("not mine");
        assert!(e.to_string().contains("owned by uid 65534"), "{e}");
        assert!(e.to_string().contains("fix: chown 0"), "{e}");
    }
}

#[test]
fn credential_from_environment_must_be_set() {
    let cfg = |var: &str| {
        ApiConfig::new(
            "hcloud",
            "https://api.hetzner.cloud/v1",
            Credential::BearerFromEnv(var.into()),
        )
    };
    let e = ApiClient::new(&cfg("HARDEN_TEST_SURELY_UNSET_VAR")).expect_err("unset");
    assert_eq!(e.code(), "api-credential");
    assert!(
        e.to_string().contains("$HARDEN_TEST_SURELY_UNSET_VAR"),
        "{e}"
    );
    let e = ApiClient::new(&cfg("BAD-NAME")).expect_err("bad name");
    assert_eq!(e.code(), "api-setting");
}

#[test]
fn credential_fifo_refused_without_blocking() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("fifo");
    let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).expect("path");
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
    // Without O_NONBLOCK, opening a FIFO nobody writes to waits forever:
    // the check runs in a thread and the test waits a bounded time.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(from_file(&fifo).map(|_| ()).map_err(|e| e.to_string()));
    });
    let got = rx
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("opening a FIFO as the credential file blocked");
    let e = got.expect_err("fifo");
    assert!(e.contains("not a regular file"), "{e}");
}
