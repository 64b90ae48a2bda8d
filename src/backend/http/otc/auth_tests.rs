//! Tests of the IAM answer parsing and the settings' checks.

use super::*;
use crate::backend::http::Credential;

#[test]
fn expires_at_shapes() {
    assert_eq!(parse_expires("1970-01-01T00:01:00Z"), Some(60));
    assert_eq!(parse_expires("1970-01-01T00:01:00.701000Z"), Some(60));
    assert_eq!(parse_expires("1970-01-01T00:01:00.123456789Z"), Some(60));
    for bad in [
        "",
        "1970-01-01T00:01:00",
        "1970-01-01T00:01:00.Z",
        "1970-01-01T00:01:00.1234567890Z",
        "1970-01-01T00:01:00+01:00",
        "1970-01-01 00:01:00Z",
        "1970-01-01T00:01:00.7x0Z",
        "tomorrow",
    ] {
        assert_eq!(parse_expires(bad), None, "{bad:?}");
    }
}

#[test]
fn token_body_checked() {
    let ok = json!({"token": {"expires_at": "2030-01-01T00:00:00.000000Z",
        "project": {"id": "0123456789abcdef0123456789abcdef", "name": "eu-de"}}});
    let (exp, id) = parse_token_body(&ok).unwrap();
    assert_eq!(exp, 1_893_456_000);
    assert_eq!(id, "0123456789abcdef0123456789abcdef");
    let no_project = json!({"token": {"expires_at": "2030-01-01T00:00:00Z", "domain": {}}});
    assert!(parse_token_body(&no_project)
        .unwrap_err()
        .to_string()
        .contains("is the scope a project"));
    let hostile = json!({"token": {"expires_at": "2030-01-01T00:00:00Z",
        "project": {"id": "../../x\n"}}});
    let e = parse_token_body(&hostile).unwrap_err();
    assert_eq!(e.code(), "otc-token");
    assert!(!e.to_string().contains('\n'), "{e}");
    assert!(parse_token_body(&json!([])).is_err());
}

#[test]
fn settings_checked() {
    let iam = ApiConfig::new(
        "otc-iam",
        "https://iam.eu-de.otc.t-systems.com",
        Credential::BearerFromEnv("PATH".into()),
    );
    let ok = AuthSettings::new(
        iam.clone(),
        "harden",
        "OTC-EU-DE-0001",
        Project::Name("eu-de".into()),
    );
    assert!(ok.validate().is_ok());
    let mut s = ok.clone();
    s.user = "a\u{202e}b".into();
    assert_eq!(s.validate().unwrap_err().code(), "otc-setting");
    let mut s = ok.clone();
    s.domain = " ".into();
    assert!(s.validate().is_err());
    let mut s = ok.clone();
    s.project = Project::Id("eu de/../x".into());
    assert!(s.validate().is_err());
    let mut s = ok;
    s.iam.credential = Credential::None;
    let e = OtcAuth::new(&s).unwrap_err();
    assert!(e.to_string().contains("needs the password"), "{e}");
}
