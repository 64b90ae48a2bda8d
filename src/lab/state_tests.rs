//! The kept lab's record: round trip, hostile text refused, pids by start time.

use super::*;

fn dir() -> &'static Path {
    Path::new("/tmp/hlab/hl1x0")
}

#[test]
fn a_record_round_trips() {
    let s = State {
        controller_ns: "hl1x0-c".into(),
        inventory: Some(dir().join("inventory.toml")),
        env: vec![(
            "HARDEN_CA_PASSPHRASE".into(),
            "demo passphrase: lab only".into(),
        )],
        pids: vec![(1234, 5678)],
    };
    assert_eq!(State::decode(&s.encode(), dir()).expect("decode"), s);
}

#[test]
fn hostile_records_are_refused() {
    for text in [
        "",
        "controller_ns=../x\n",
        "controller_ns=hl1x0-c\ninventory=/etc/passwd\n",
        "controller_ns=hl1x0-c\ninventory=/tmp/hlab/hl1x0/../../etc/passwd\n",
        "controller_ns=hl1x0-c\nenv=lower=x\n",
        "controller_ns=hl1x0-c\nenv=LD_PRELOAD\n",
        "controller_ns=hl1x0-c\npid=1 5\n",
        "controller_ns=hl1x0-c\npid=12\n",
        "controller_ns=hl1x0-c\npid=12 x\n",
        "controller_ns=hl1x0-c\nshell=rm -rf /\n",
        "controller_ns=hl1x0-c\nenv=A=b\u{1b}[2J\n",
    ] {
        assert!(State::decode(text, dir()).is_err(), "{text:?}");
    }
}

#[test]
fn only_the_recorded_process_is_killed() {
    let mut c = std::process::Command::new("sleep")
        .arg("30")
        .spawn()
        .expect("sleep");
    let t = start_time(c.id()).expect("start time");
    let wrong = State {
        controller_ns: "x-c".into(),
        pids: vec![(c.id(), t + 1)],
        ..State::default()
    };
    assert_eq!(wrong.kill_recorded(), 0, "another start time: a reused pid");
    assert_eq!(c.try_wait().expect("wait"), None, "still running");
    let right = State {
        pids: vec![(c.id(), t)],
        ..wrong
    };
    assert_eq!(right.kill_recorded(), 1);
    assert!(!c.wait().expect("wait").success());
}
