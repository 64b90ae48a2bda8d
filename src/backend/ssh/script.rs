//! The remote shell script that applies one control's changes.
//!
//! Order, and why:
//! 1. take the host lock (`flock /run/lock/harden.lock`), so two harden runs
//!    never interleave on one host;
//! 2. stage every new file under /var/lib/harden/runs/<run>/<control>;
//! 3. back up every file about to be replaced into the run directory (the
//!    newest ten runs are kept) and, the first time harden replaces a file,
//!    keep that original for good under /var/lib/harden/originals: nothing
//!    on a host is lost;
//! 4. swap in files that have no validator (they are inert until a
//!    validated file refers to them), then run the validators on the staged
//!    copies; if one fails, restore and stop before anything is activated;
//! 5. swap the validated files (write beside, then `mv`: atomic rename);
//! 6. move quarantined files aside;
//! 7. if the control can cut harden off, arm a rollback that fires by
//!    itself after N seconds unless a fresh connection disarms it;
//! 8. activate (reload). If activation fails, restore and re-activate.
//!
//! Exit codes: 0 ok, 65 validation failed, 70 activation failed (restored),
//! 75 lock busy.

use crate::contract::{sh_quote, Change, ManagedFile, Plan, Quarantine};

/// Where harden keeps per-run state on a host.
pub const STATE_DIR: &str = "/var/lib/harden";

use crate::contract::plan_keys::ABSENT;

/// Exit code: a validator rejected a staged file.
pub const EXIT_INVALID: i32 = 65;
/// Exit code: activation failed and the old state was restored.
pub const EXIT_ACTIVATE: i32 = 70;
/// Exit code: another harden run holds the host lock.
pub const EXIT_LOCKED: i32 = 75;

/// What to apply for one control: its plan's selected changes.
pub struct Apply<'a> {
    /// Run id (unique per run; used in paths).
    pub run: &'a str,
    /// Control id.
    pub control: &'a str,
    /// Files to write.
    pub files: Vec<&'a ManagedFile>,
    /// Files to move aside.
    pub quarantine: Vec<&'a Quarantine>,
    /// Activation: the control's lines, then its selected commands.
    pub activate: Vec<&'a str>,
    /// Arm the rollback guard for this many seconds (None: no guard).
    pub guard_secs: Option<u64>,
}

impl<'a> Apply<'a> {
    /// The selected changes of `plan`, nothing else.
    pub fn of(plan: &'a Plan, run: &'a str, guard_secs: Option<u64>) -> Self {
        let mut a = Apply {
            run,
            control: plan.control,
            files: Vec::new(),
            quarantine: Vec::new(),
            activate: plan.activate.iter().map(String::as_str).collect(),
            guard_secs: if plan.guard { guard_secs } else { None },
        };
        for c in plan.selected_changes() {
            match c {
                Change::Write(f) => a.files.push(f),
                Change::MoveAside(q) => a.quarantine.push(q),
                Change::Run(cmd) => a.activate.push(cmd),
                // A host has no API: provider-scoped controls never reach
                // this backend (`engine::check::controls_for` is host scope).
                Change::Activate | Change::Api(_) => {}
            }
        }
        a
    }

    /// How many changes it carries out (activation counts as one).
    pub fn count(&self) -> usize {
        (self.files.len() + self.quarantine.len()).max(1)
    }
}

/// The host lock every harden script takes (apply, maintenance, audit copies).
pub const LOCK_FILE: &str = "/run/lock/harden.lock";

/// Script prelude: strict environment, then the host lock, held
/// `exclusive`ly for changes and shared for reads; exits [`EXIT_LOCKED`]
/// when another run holds it for 30 s.
pub fn lock(exclusive: bool) -> String {
    let mode = if exclusive { "-x" } else { "-s" };
    format!(
        r#"set -u
export LC_ALL=C PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
umask 077
mkdir -p /run/lock
exec 9>>{LOCK_FILE}
flock {mode} -w 30 9 || {{ echo "another harden run holds {LOCK_FILE}" >&2; exit {EXIT_LOCKED}; }}
"#
    )
}

/// The temporary name a file is written under before the atomic rename;
/// every failure path removes it.
pub fn tmp_path(path: &str) -> String {
    format!("{path}.harden-tmp")
}

/// The per-run, per-control state directory on the host.
pub fn stage_dir(run: &str, control: &str) -> String {
    format!("{STATE_DIR}/runs/{run}/{control}")
}

fn restore_lines(p: &Apply<'_>) -> String {
    let mut s = String::new();
    for (i, f) in p.files.iter().enumerate() {
        let t = sh_quote(&f.path);
        s.push_str(&format!(
            "if [ -e \"$S/old/{i}\" ]; then cp -p \"$S/old/{i}\" {tmp} && mv -f {tmp} {t} || {{ rm -f {tmp}; printf 'cannot restore %s\\n' {t} >&2; }}; elif [ -e \"$S/old/{i}.absent\" ]; then rm -f {t}; fi\n",
            tmp = sh_quote(&tmp_path(&f.path))
        ));
    }
    for (i, q) in p.quarantine.iter().enumerate() {
        s.push_str(&format!(
            "if [ -e \"$S/q/{i}\" ]; then mv -f \"$S/q/{i}\" {}; fi\n",
            sh_quote(&q.path)
        ));
    }
    s
}

fn activate_lines(p: &Apply<'_>) -> String {
    let mut s = String::new();
    for a in &p.activate {
        s.push_str(&format!("( {a} ) || ok=1\n"));
    }
    s
}

/// Builds the apply script.
pub fn apply(p: &Apply<'_>) -> String {
    use base64ct::Encoding;
    let dir = stage_dir(p.run, p.control);
    let mut s = lock(true);
    s.push_str(&format!(
        r#"mkdir -p {STATE_DIR}
S={dir}
rm -rf "$S" && mkdir -p "$S/new" "$S/old" "$S/q" || exit 1
"#,
        dir = sh_quote(&dir)
    ));
    // 2. stage
    for (i, f) in p.files.iter().enumerate() {
        let b64 = base64ct::Base64::encode_string(&f.content);
        s.push_str(&format!(
            "printf '%s' '{b64}' | base64 -d > \"$S/new/{i}\" || exit 1\n"
        ));
        s.push_str(&format!(
            "chown {}:{} \"$S/new/{i}\" && chmod {:o} \"$S/new/{i}\" || exit 1\n",
            sh_quote(&f.owner),
            sh_quote(&f.group),
            f.mode
        ));
    }
    // 2b. files edited key by key: refuse if the host's copy changed
    // since the plan read it (a concurrent edit is never overwritten)
    for f in &p.files {
        if let Some(h) = &f.unchanged_since {
            let t = sh_quote(&f.path);
            let test = if h == ABSENT {
                format!("[ ! -e {t} ]")
            } else {
                format!(
                    "[ -f {t} ] && [ \"$(sha256sum < {t} | cut -d' ' -f1)\" = {} ]",
                    sh_quote(h)
                )
            };
            s.push_str(&format!(
                "if ! {{ {test}; }}; then printf '%s changed since harden read it; nothing written, run again\\n' {t} >&2; exit 1; fi\n"
            ));
        }
    }
    // 3. back up (and keep the very first original for good)
    for (i, f) in p.files.iter().enumerate() {
        let t = sh_quote(&f.path);
        let orig = sh_quote(&format!("{STATE_DIR}/originals{}", f.path));
        s.push_str(&format!(
            "if [ -e {t} ]; then cp -p {t} \"$S/old/{i}\" || {{ printf 'cannot back up %s\\n' {t} >&2; exit 1; }}; if [ ! -e {orig} ]; then mkdir -p \"$(dirname {orig})\" && cp -p {t} {otmp} && mv -f {otmp} {orig} || {{ rm -f {otmp}; printf 'cannot keep the original of %s\\n' {t} >&2; exit 1; }}; fi; else : > \"$S/old/{i}.absent\"; fi\n",
            otmp = sh_quote(&tmp_path(&format!("{STATE_DIR}/originals{}", f.path)))
        ));
    }
    s.push_str(&format!("restore() {{\n:\n{}}}\n", restore_lines(p)));
    let swap = |i: usize, f: &ManagedFile| {
        let t = sh_quote(&f.path);
        let tmp = sh_quote(&tmp_path(&f.path));
        format!(
            "(umask 022; mkdir -p \"$(dirname {t})\") && cp -p \"$S/new/{i}\" {tmp} && mv -f {tmp} {t} || {{ rm -f {tmp}; restore; printf 'cannot write %s (disk full or read-only?); previous files restored\\n' {t} >&2; exit 1; }}\n"
        )
    };
    // 4. inert files first, then validators
    for (i, f) in p
        .files
        .iter()
        .enumerate()
        .filter(|(_, f)| f.validate.is_none())
    {
        s.push_str(&swap(i, f));
    }
    for (i, f) in p.files.iter().enumerate() {
        if let Some(v) = &f.validate {
            let cmd = v.replace("{}", &format!("\"$S/new/{i}\""));
            s.push_str(&format!(
                "if ! out=$({cmd} 2>&1); then restore; printf 'validation of %s failed (%s):\\n%s\\n' {} {} \"$out\" >&2; exit {EXIT_INVALID}; fi\n",
                sh_quote(&f.path),
                sh_quote(v),
            ));
        }
    }
    // 5. validated files
    for (i, f) in p
        .files
        .iter()
        .enumerate()
        .filter(|(_, f)| f.validate.is_some())
    {
        s.push_str(&swap(i, f));
    }
    // 6. quarantine
    if !p.quarantine.is_empty() {
        let qdir = format!("{STATE_DIR}/quarantine/{}", p.run);
        s.push_str(&format!("mkdir -p {}\n", sh_quote(&qdir)));
        for (i, q) in p.quarantine.iter().enumerate() {
            let src = sh_quote(&q.path);
            let name = q.path.trim_start_matches('/').replace('/', "_");
            s.push_str(&format!(
                "if [ -e {src} ]; then cp -p {src} {qd}/{n} && mv -f {src} \"$S/q/{i}\" || {{ rm -f {qd}/{n}; restore; printf 'cannot move %s aside\\n' {src} >&2; exit 1; }}; fi\n",
                qd = sh_quote(&qdir),
                n = sh_quote(&name),
            ));
        }
    }
    // 7. guard
    if let Some(secs) = p.guard_secs {
        s.push_str(&format!(
            r#"cat > "$S/rollback.sh" <<'HARDEN_ROLLBACK_EOF'
S="$1"
sleep {secs}
exec 9>"$S/guard.lock"
flock 9
[ -e "$S/confirmed" ] && exit 0
. "$S/restore.sh"
restore
ok=0
{act}echo "rolled back at $(date -u +%FT%TZ)" > "$S/rolled-back"
HARDEN_ROLLBACK_EOF
{{ echo 'restore() {{'; echo ':'; cat <<'HARDEN_RESTORE_EOF'
{restore}HARDEN_RESTORE_EOF
echo '}}'; }} > "$S/restore.sh"
setsid sh "$S/rollback.sh" "$S" </dev/null >/dev/null 2>&1 9>&- &
echo $! > "$S/guard.pid"
"#,
            act = activate_lines(p),
            restore = restore_lines(p),
        ));
    }
    // 8. activate
    s.push_str("ok=0\n");
    s.push_str(&activate_lines(p));
    s.push_str(&format!(
        "if [ $ok -ne 0 ]; then restore; ok=0\n{}echo 'activation failed; previous files restored and re-activated' >&2; exit {EXIT_ACTIVATE}; fi\necho applied\n",
        activate_lines(p)
    ));
    s
}

/// Script for the confirming connection: disarms the rollback guard.
pub fn disarm(run: &str, control: &str) -> String {
    format!(
        r#"S={dir}
exec 9>"$S/guard.lock"
flock -w 10 9 || exit 3
if [ -e "$S/rolled-back" ]; then echo rolled-back; exit 4; fi
touch "$S/confirmed"
kill "$(cat "$S/guard.pid")" 2>/dev/null
echo confirmed
"#,
        dir = sh_quote(&stage_dir(run, control))
    )
}

/// Script that reports whether a guard rolled back.
pub fn guard_state(run: &str, control: &str) -> String {
    format!(
        "S={}; if [ -e \"$S/rolled-back\" ]; then cat \"$S/rolled-back\"; exit 4; elif [ -e \"$S/confirmed\" ]; then echo confirmed; else echo pending; exit 5; fi\n",
        sh_quote(&stage_dir(run, control))
    )
}

/// Removes old run directories, keeping the newest `keep`.
pub fn prune(keep: usize) -> String {
    format!(
        "cd {STATE_DIR}/runs 2>/dev/null && ls -1t | tail -n +{} | while read -r d; do rm -rf -- \"$d\"; done; true\n",
        keep + 1
    )
}

#[cfg(test)]
#[path = "script_tests.rs"]
mod tests;
