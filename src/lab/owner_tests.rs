//! Tests of lab ownership and the sweep (directories only, no namespaces).

use super::*;
use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

fn registry() -> (tempfile::TempDir, Registry) {
    let t = tempfile::tempdir().expect("tempdir");
    let r = Registry::at(&t.path().join("root"), &t.path().join("new"));
    (t, r)
}

fn no_netns() -> Netns<'static> {
    Netns {
        list: &|| panic!("a recorded lab must not list namespaces"),
        destroy: &|_| {},
    }
}

fn dead_pid() -> u32 {
    let mut c = std::process::Command::new("true").spawn().expect("true");
    let pid = c.id();
    let _ = c.wait();
    pid
}

#[test]
fn a_concurrent_sweep_never_removes_a_live_lab() {
    let (_t, r) = registry();
    let r = Arc::new(r);
    let done = Arc::new(AtomicBool::new(false));
    let ids = Arc::new(Mutex::new(HashSet::new()));
    let failures = Arc::new(Mutex::new(Vec::new()));
    let sweepers: Vec<_> = (0..2)
        .map(|_| {
            let (r, done) = (r.clone(), done.clone());
            std::thread::spawn(move || {
                let mut n = 0;
                while !done.load(Ordering::SeqCst) {
                    n += r.sweep(&no_netns());
                }
                n
            })
        })
        .collect();
    let claimers: Vec<_> = (0..8)
        .map(|t| {
            let (r, ids, failures) = (r.clone(), ids.clone(), failures.clone());
            std::thread::spawn(move || {
                for i in 0..40 {
                    let c = r.claim().expect("claim");
                    assert!(ids.lock().expect("ids").insert(c.id.clone()), "{}", c.id);
                    // What the lab does next: files into its directory.
                    for f in ["id_ed25519", "known_hosts"] {
                        if let Err(e) = std::fs::write(c.dir.join(f), "x") {
                            failures
                                .lock()
                                .expect("f")
                                .push(format!("{}: {f}: {e}", c.id));
                        }
                        std::thread::yield_now();
                    }
                    if !c.dir.join("id_ed25519").exists() {
                        failures
                            .lock()
                            .expect("f")
                            .push(format!("{} vanished", c.id));
                    }
                    if (t + i) % 2 == 0 {
                        let _ = std::fs::remove_dir_all(&c.dir); // a clean down
                    } // else: dropped in place, as if its owner died
                }
            })
        })
        .collect();
    for c in claimers {
        c.join().expect("claimer");
    }
    done.store(true, Ordering::SeqCst);
    let swept: usize = sweepers
        .into_iter()
        .map(|s| s.join().expect("sweeper"))
        .sum();
    let failures = failures.lock().expect("f");
    assert!(failures.is_empty(), "live labs lost: {failures:?}");
    assert_eq!(ids.lock().expect("ids").len(), 8 * 40);
    // Every lab left behind by a "dead" owner is swept, and nothing else is left.
    let left = swept + r.sweep(&no_netns());
    assert_eq!(left, 8 * 40 / 2, "abandoned labs swept");
    assert_eq!(std::fs::read_dir(&r.root).expect("root").count(), 0);
}

#[test]
fn a_lab_whose_pid_was_reused_is_still_swept() {
    let (_t, r) = registry();
    let c = r.claim().expect("claim");
    let dir = c.dir.clone();
    drop(c); // owner gone; owner.pid names a live process (us)
    assert_eq!(r.sweep(&no_netns()), 1);
    assert!(!dir.exists());
}

#[test]
fn a_live_lab_is_kept_and_cannot_be_removed() {
    let (_t, r) = registry();
    let c = r.claim().expect("claim");
    assert_eq!(r.sweep(&no_netns()), 0);
    assert!(c.dir.is_dir());
    let e = r.remove(&c.id, &no_netns()).expect_err("in use");
    assert!(e.to_string().contains("in use"), "{e}");
    let (id, dir) = (c.id.clone(), c.dir.clone());
    drop(c);
    r.remove(&id, &no_netns()).expect("removed");
    assert!(!dir.exists());
    assert!(r.remove("../etc", &no_netns()).is_err());
}

#[test]
fn a_kept_lab_is_not_swept() {
    let (_t, r) = registry();
    let c = r.claim().expect("claim");
    std::fs::write(c.dir.join("keep"), "").expect("keep");
    let dir = c.dir.clone();
    drop(c);
    assert_eq!(r.sweep(&no_netns()), 0);
    assert!(dir.is_dir());
}

#[test]
fn only_the_recorded_namespaces_are_deleted() {
    let (_t, r) = registry();
    let c = r.claim().expect("claim");
    let id = c.id.clone();
    for n in [format!("{id}-sw"), format!("{id}-0"), "hl1x1-sw".into()] {
        record_ns(&c.dir, &n).expect("record");
    }
    drop(c);
    let gone = RefCell::new(Vec::new());
    let ns = Netns {
        list: &|| panic!("must not list"),
        destroy: &|n| gone.borrow_mut().push(n.to_string()),
    };
    assert_eq!(r.sweep(&ns), 1);
    assert_eq!(*gone.borrow(), [format!("{id}-sw"), format!("{id}-0")]);
}

#[test]
fn an_older_lab_is_swept_by_its_dead_owner_pid_only() {
    let (_t, r) = registry();
    std::fs::create_dir_all(&r.root).expect("root");
    let live = r.root.join("hl1x1");
    let dead = r.root.join("hl2x2");
    let young = r.root.join("hl3x3");
    for d in [&live, &dead, &young] {
        std::fs::create_dir(d).expect("dir");
    }
    std::fs::write(live.join("owner.pid"), std::process::id().to_string()).expect("pid");
    std::fs::write(dead.join("owner.pid"), dead_pid().to_string()).expect("pid");
    std::fs::create_dir(r.root.join("not-a-lab")).expect("dir");
    let gone = RefCell::new(Vec::new());
    let ns = Netns {
        list: &|| {
            vec![
                "hl2x2-sw".into(),
                "hl2x20-sw".into(),
                "hl2x2-0".into(),
                "hl1x1-c".into(),
            ]
        },
        destroy: &|n| gone.borrow_mut().push(n.to_string()),
    };
    assert_eq!(r.sweep(&ns), 1);
    assert_eq!(*gone.borrow(), ["hl2x2-sw", "hl2x2-0"]);
    assert!(live.is_dir() && young.is_dir() && !dead.exists());
    assert!(r.root.join("not-a-lab").is_dir());
}

#[test]
fn lab_ids_are_checked() {
    for ok in ["hl1x0", "hl4242x17"] {
        assert!(is_lab_id(ok), "{ok}");
    }
    for bad in [
        "", "hl", "hlx1", "hl1x", "hl1x1-sw", "xx1x1", "hl1y1", "hl1x1/..", "hl+1x1",
    ] {
        assert!(!is_lab_id(bad), "{bad}");
    }
}

#[test]
fn down_takes_only_the_exact_id_and_only_its_namespaces() {
    let (_t, r) = registry();
    let c = r.claim().expect("claim");
    let id = c.id.clone();
    std::fs::write(c.dir.join("keep"), "").expect("keep");
    for n in [format!("{id}-sw"), format!("{id}-c")] {
        record_ns(&c.dir, &n).expect("record");
    }
    let dir = c.dir.clone();
    drop(c);
    let gone = RefCell::new(Vec::new());
    let ns = Netns {
        list: &|| panic!("must not list"),
        destroy: &|n| gone.borrow_mut().push(n.to_string()),
    };
    let prefix = &id[..id.len() - 1];
    for wrong in ["hl", prefix, &format!("{id}0"), "hl1x999", "", "../x"] {
        let e = r.remove(wrong, &ns).expect_err(wrong);
        assert!(e.to_string().contains(&id), "names the labs there: {e}");
        assert!(
            dir.is_dir() && gone.borrow().is_empty(),
            "{wrong}: lab intact"
        );
    }
    r.remove(&id, &ns).expect("removed");
    assert_eq!(*gone.borrow(), [format!("{id}-sw"), format!("{id}-c")]);
    assert!(!dir.exists());
}
