//! The activation script against a real HAProxy 2.6 on loopback (no
//! systemd branch: paths in a private directory): it starts one, reloads
//! it, and reports a reload HAProxy refused while the old worker serves.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::*;

struct Lab {
    dir: PathBuf,
    paths: Paths,
}

impl Lab {
    fn new(tag: &str) -> Lab {
        let dir = std::env::temp_dir().join(format!("harden-gk-act-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        let s = |n: &str| dir.join(n).display().to_string();
        let paths = Paths {
            config: s("haproxy.cfg"),
            master: s("master.sock"),
            stats: s("run/admin.sock"),
            pidfile: s("haproxy.pid"),
            systemd: false,
        };
        Lab { dir, paths }
    }

    fn write(&self, fp: char, bind: &str) {
        let cfg = format!(
            "global\n    description harden:{}\n    stats socket {} mode 600 level admin\n    hard-stop-after 5s\n\
             defaults\n    mode tcp\n    timeout connect 1s\n    timeout client 5s\n    timeout server 5s\n\
             frontend fe\n    bind {bind}\n    default_backend be\nbackend be\n    server s1 127.0.0.1:9\n",
            fp.to_string().repeat(64),
            self.paths.stats
        );
        std::fs::write(&self.paths.config, cfg).expect("cfg");
    }

    /// Runs the script as apply does: holding the host lock on fd 9.
    fn activate(&self) -> (bool, String) {
        let lock = self.dir.join("harden.lock").display().to_string();
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "exec 9>>{lock}; flock -x 9 || exit 9\n( {} )",
                script(&self.paths)
            ))
            .stdin(std::process::Stdio::null())
            .output()
            .expect("sh");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn ask(&self, sock: &str, cmd: &str) -> String {
        let out = Command::new("perl")
            .args(["-MIO::Socket::UNIX", "-e", "alarm 2; my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or exit 3; print $s \"$ARGV[1]\\n\"; shutdown($s, 1); print while <$s>;", "--", sock, cmd])
            .output()
            .expect("perl");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn running_fp(&self) -> String {
        self.ask(&self.paths.stats, "show info")
            .lines()
            .find_map(|l| l.strip_prefix("description: harden:"))
            .unwrap_or("")
            .chars()
            .take(1)
            .collect()
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(Path::new(&self.paths.pidfile)) {
            if let Ok(pid) = pid.trim().parse::<i32>() {
                // The master we started, by its pid; it stops its workers.
                let _ = Command::new("kill").arg(pid.to_string()).status();
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn starts_reloads_and_reports_a_refused_reload() {
    let lab = Lab::new("cycle");
    lab.write('a', "127.0.0.1:18711");
    let (ok, err) = lab.activate();
    assert!(ok, "first start: {err}");
    // The started daemon must not hold harden's host lock (fd 9).
    let lock = lab.dir.join("harden.lock");
    let free = Command::new("flock")
        .args(["-n", "-x"])
        .arg(&lock)
        .arg("true")
        .status();
    assert!(
        free.is_ok_and(|s| s.success()),
        "haproxy inherited the host lock"
    );
    assert_eq!(lab.running_fp(), "a");
    let proc = lab.ask(&lab.paths.master, "show proc");
    assert!(proc.contains(" master "), "{proc}");
    let stats_mode = std::fs::metadata(&lab.paths.master).map(|m| {
        use std::os::unix::fs::PermissionsExt;
        m.permissions().mode() & 0o777
    });
    assert_eq!(stats_mode.ok(), Some(0o600), "master CLI root-only");

    lab.write('b', "127.0.0.1:18711");
    let (ok, err) = lab.activate();
    assert!(ok, "reload: {err}");
    assert_eq!(lab.running_fp(), "b", "the new worker runs the new file");

    // Valid for `haproxy -c` (it does not bind) but not startable here:
    // the reload is refused, the old worker keeps serving, activation fails.
    lab.write('c', "192.0.2.1:18712");
    let (ok, err) = lab.activate();
    assert!(!ok, "a refused reload must fail the activation");
    assert!(err.contains("refused"), "{err}");
    assert_eq!(lab.running_fp(), "b", "the old worker still serves");

    // What apply's rollback does next: the old file back, activate again.
    lab.write('b', "127.0.0.1:18711");
    let (ok, err) = lab.activate();
    assert!(ok, "re-activation of the restored file: {err}");
    assert_eq!(lab.running_fp(), "b");
}

#[test]
fn a_start_that_fails_is_reported_with_haproxys_words() {
    let lab = Lab::new("nostart");
    lab.write('a', "192.0.2.1:18713");
    let (ok, err) = lab.activate();
    assert!(!ok);
    assert!(err.contains("haproxy did not start"), "{err}");
}

#[test]
fn the_script_waits_boundedly_and_uses_systemd_where_it_runs() {
    let s = script(&Paths::default());
    assert!(s.contains("systemctl reload haproxy.service"));
    assert!(s.contains("-S \"$m,mode,600\""));
    assert!(s.contains("[ $i -lt 150 ]") && s.contains("+ 15 )"));
    assert!(s.contains(
        "cfg=/etc/haproxy/haproxy.cfg; m=/run/haproxy-master.sock; a=/run/haproxy/admin.sock"
    ));
    assert!(!script(&Lab::new("text").paths).contains("systemctl"));
    assert!(dropin("/run/haproxy-master.sock")
        .contains("EXTRAOPTS=-S /run/haproxy-master.sock,mode,600"));
}
