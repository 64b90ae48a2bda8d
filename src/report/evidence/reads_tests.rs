//! The provider API reads and host times of a saved drift run are
//! hostile input like the rest: each field is checked, an error names it.

use super::saved::Run;
use super::tests::run_json;

#[test]
fn hostile_api_reads_and_host_times_are_refused_naming_the_field() {
    let read = r#"{"host":"app","control":"cloud","service":"hcloud","method":"GET","path":"/servers?name=*","pages":1,"at":"2026-12-02T03:00:04Z"}"#;
    let time =
        r#"{"host":"app","started":"2026-12-02T03:00:01Z","finished":"2026-12-02T03:00:05Z"}"#;
    let good = run_json(false, true).replacen(
        r#""probes":["#,
        &format!(r#""api_reads":[{read}],"host_times":[{time}],"probes":["#),
        1,
    );
    let run = Run::parse(&good).expect("valid");
    assert_eq!((run.api_reads.len(), run.host_times.len()), (1, 1));
    // KMS's describe-key is a documented read, though a POST.
    let kms = r#""service":"otc-kms","method":"POST","path":"/v1.0/{project_id}/kms/describe-key""#;
    let describe = good.replace(
        r#""service":"hcloud","method":"GET","path":"/servers?name=*""#,
        kms,
    );
    assert_ne!(describe, good);
    let run = Run::parse(&describe).expect("a POST read");
    assert_eq!(run.api_reads[0].method, "POST");
    let cases = [
        (
            good.replace(r#""service":"hcloud""#, r#""service":"evil""#),
            "api_reads[0].service",
        ),
        (
            good.replace(r#""method":"GET""#, r#""method":"POST""#),
            "api_reads[0].method",
        ),
        (
            describe.replace("kms/describe-key", "kms/create-key"),
            "api_reads[0].method",
        ),
        (
            describe.replace(r#""service":"otc-kms""#, r#""service":"otc-evs""#),
            "api_reads[0].method",
        ),
        (
            good.replace(r#""path":"/servers?name=*""#, r#""path":"/x\u001b[2J""#),
            "api_reads[0].path",
        ),
        (
            good.replace(r#""path":"/servers?name=*""#, r#""path":"https://x/""#),
            "api_reads[0].path",
        ),
        (
            good.replace(r#""pages":1"#, r#""pages":0"#),
            "api_reads[0].pages",
        ),
        (
            good.replace(r#""at":"2026-12-02T03:00:04Z""#, r#""at":"<b>""#),
            "api_reads[0].at",
        ),
        (
            good.replacen(
                r#"{"host":"app","control":"cloud""#,
                r#"{"host":"ghost","control":"cloud""#,
                1,
            ),
            "api_reads[0].host",
        ),
        (
            good.replace(
                r#""started":"2026-12-02T03:00:01Z""#,
                r#""started":"yesterday""#,
            ),
            "host_times[0].started",
        ),
        (
            good.replace(r#"{"host":"app","started""#, r#"{"host":"ghost","started""#),
            "host_times[0].host",
        ),
        (
            good.replace(time, &format!("{time},{time}")),
            "host_times[1].host",
        ),
    ];
    for (text, field) in cases {
        assert_ne!(text, good, "{field}: the case changes the input");
        let e = Run::parse(&text).expect_err(field);
        assert!(e.contains(field), "{field}: {e}");
    }
}
