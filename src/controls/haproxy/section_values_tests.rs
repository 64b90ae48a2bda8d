//! The single-value parsers of the gatekeeper section: what each accepts
//! and a list of hostile or mistaken inputs each refuses.

use super as values;
use super::super::super::model::Listen;

#[test]
fn value_parsers() {
    assert_eq!(values::duration_ms("250ms", 100, 3_600_000), Ok(250));
    assert_eq!(values::duration_ms("30m", 1_000, 86_400_000), Ok(1_800_000));
    assert_eq!(values::duration_ms("1h", 100, 3_600_000), Ok(3_600_000));
    for bad in [
        "",
        "s",
        "5",
        "5 s",
        "-5s",
        "5S",
        "1.5s",
        "5sec",
        "99999999999h",
        "٣s",
    ] {
        assert!(values::duration_ms(bad, 100, 3_600_000).is_err(), "{bad}");
    }
    assert!(values::name("portal-2").is_ok());
    for bad in ["", "-a", "A", "a_b", "a.b", &"a".repeat(33)] {
        assert!(values::name(bad).is_err(), "{bad}");
    }
    assert!(values::dns_name("portal.example.com").is_ok());
    for bad in [
        "",
        "a..b",
        "-a.b",
        "a-.b",
        "a.b.",
        "1.2.3.4",
        "a b",
        "ä.example",
        &format!("{}.x", "a".repeat(64)),
    ] {
        assert!(values::dns_name(bad).is_err(), "{bad}");
    }
    assert!(values::path("/etc/haproxy/certs/a_b-1+x.pem").is_ok());
    for bad in [
        "", "/", "etc/x", "/etc//x", "/etc/./x", "/x/..", "/a\"b", "/a'b", "/a%b", "/a$b", "/a b",
        "/a#b", "/a\\b", "/a\nb", "/a;b",
    ] {
        assert!(values::path(bad).is_err(), "{bad:?}");
    }
    assert!(values::health_path("/healthz/ready.json").is_ok());
    for bad in ["healthz", "/a b", "/a?b", "/a%20", "/a\"", "/\r"] {
        assert!(values::health_path(bad).is_err(), "{bad:?}");
    }
    let l = |v: toml::Value| values::listen(&v);
    assert_eq!(
        l(443.into()),
        Ok(Listen {
            addr: None,
            port: 443
        })
    );
    assert_eq!(l("[::1]:8443".into()).map(|l| l.port), Ok(8443));
    for bad in [
        "443",
        "1.2.3.4",
        "1.2.3.4:0",
        "1.2.3.4:65536",
        "::1:443",
        "[::1]443",
        "[1.2.3.4]:1",
        "x:1",
    ] {
        assert!(l(bad.into()).is_err(), "{bad}");
    }
    assert!(l(toml::Value::Boolean(true)).is_err());
    assert_eq!(values::backend("otc-app-1:8443"), Ok(("otc-app-1", 8443)));
    for bad in ["otc-app-1", ":1", "a b:1", "a:+1", "a:", "a:0"] {
        assert!(values::backend(bad).is_err(), "{bad}");
    }
}
