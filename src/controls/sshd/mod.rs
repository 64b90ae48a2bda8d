//! sshd control: a hardened sshd_config, checked through `sshd -T`.
//!
//! The whole `/etc/ssh/sshd_config` is rendered (no `Include`), with crypto
//! picked for the host's OpenSSH version (and, from 9.8, the controller
//! sources exempted from `PerSourcePenalties`). Drift reads the effective
//! configuration with `sshd -T -C` for every class of connection the
//! inventory knows ([`classes`]), not the file, so a setting changed by a
//! Match block or an included drop-in is seen; unmanaged drop-ins in
//! `/etc/ssh/sshd_config.d` are reported and moved aside by apply (kept
//! under /var/lib/harden/quarantine, never deleted). Apply validates with
//! `sshd -t` before the swap and reloads with systemd or, without it, with
//! SIGHUP to the pid in /run/sshd.pid.

pub mod classes;
pub mod crypto;
mod drift;
pub mod section;
pub mod settings;

use serde::Serialize;

use crate::contract::{Control, Facts, HostCtx, ManagedFile, Plan, Probe, Quarantine, RenderError};
use crate::controls::templates;
use crate::report::model::{Finding, Fix};
use crypto::{Supported, Version};
use section::{LegacyClient, SshdSettings};
use settings::{Flavour, Section};

/// Path of the main config.
pub const CONFIG: &str = "/etc/ssh/sshd_config";
/// Drop-in directory that harden keeps empty.
pub const DROPINS: &str = "/etc/ssh/sshd_config.d";
const HOSTKEY_PUB: &str = "/etc/ssh/ssh_host_ed25519_key.pub";

const VERSION: &str = "sshd.version";
const ALGOS: &str = "sshd.algorithms";
const EFFECTIVE: &str = "sshd.effective";

/// sshd's built-in defaults, or `ssh -Q` in the same format if sshd -T
/// cannot run without a config (see [`crypto::Supported`]).
const ALGOS_SCRIPT: &str = "sshd -T -f /dev/null 2>/dev/null || for q in kexalgorithms:kex ciphers:cipher macs:mac pubkeyacceptedalgorithms:key-sig; do printf '%s %s\\n' \"${q%%:*}\" \"$(ssh -Q ${q#*:} | paste -sd, -)\"; done";

/// The OpenSSH assumed when rendering offline (Debian 12).
pub const ASSUMED_VERSION: Version = Version::new(9, 2);

/// Reloads the running sshd, with or without systemd.
pub const RELOAD: &str = r#"if [ -d /run/systemd/system ] && systemctl is-active --quiet ssh.service 2>/dev/null; then systemctl reload ssh.service; elif [ -d /run/systemd/system ] && systemctl is-active --quiet sshd.service 2>/dev/null; then systemctl reload sshd.service; elif [ -s /run/sshd.pid ] && kill -0 "$(cat /run/sshd.pid)" 2>/dev/null; then kill -HUP "$(cat /run/sshd.pid)"; else echo "cannot find the running sshd (no active ssh/sshd unit, no live pid in /run/sshd.pid)" >&2; exit 1; fi"#;

/// The sshd control.
pub struct Sshd;

#[derive(Serialize)]
struct Ctx<'a> {
    host: &'a str,
    rationale: &'a str,
    sections: &'a [Section],
    legacy_clients: &'a [LegacyClient],
    extra: &'a [String],
}

/// Version, flavour and supported algorithms as found (or assumed).
fn platform(facts: &Facts) -> Result<(Version, Flavour, Supported), RenderError> {
    if facts.assumed {
        return Ok((
            ASSUMED_VERSION,
            Flavour { debian: true },
            Supported::default(),
        ));
    }
    let banner = facts
        .cmd(VERSION)
        .map(|c| format!("{}{}", c.stdout, c.stderr))
        .unwrap_or_default();
    let version = Version::parse(&banner).ok_or_else(|| {
        RenderError(format!(
            "cannot tell the OpenSSH version (ssh -V printed `{}`); is openssh installed?",
            banner.trim()
        ))
    })?;
    let supported = facts
        .cmd(ALGOS)
        .map(|c| Supported::parse(&c.stdout))
        .unwrap_or_default();
    Ok((
        version,
        Flavour {
            debian: banner.contains("Debian"),
        },
        supported,
    ))
}

impl Control for Sshd {
    fn id(&self) -> &'static str {
        "sshd"
    }

    fn measures(&self) -> &'static [&'static crate::tom::Tom] {
        &[
            crate::tom::PORTS,
            crate::tom::CRITICAL_LOGIN,
            crate::tom::CENTRAL_USERS,
            crate::tom::TRANSPORT_ENCRYPTION,
            crate::tom::ACCESS_LOGGING,
        ]
    }

    fn section(&self) -> Option<&'static dyn crate::contract::section::Section> {
        Some(&section::SshdSection)
    }

    fn templates(&self) -> &'static [(&'static str, &'static str)] {
        &[(
            "sshd/sshd_config",
            include_str!("../../../templates/sshd/sshd_config.tera"),
        )]
    }

    fn probes(&self, ctx: &HostCtx<'_>) -> Result<Vec<Probe>, RenderError> {
        Ok(vec![
            Probe::cmd(VERSION, "ssh -V"),
            Probe::cmd(ALGOS, ALGOS_SCRIPT),
            Probe::cmd(
                EFFECTIVE,
                classes::script(&classes::classes(ctx), ctx.host.address, ctx.host.conn.port),
            ),
            Probe::Dir(DROPINS.into()),
            Probe::File(HOSTKEY_PUB.into()),
        ])
    }

    fn plan(&self, ctx: &HostCtx<'_>, facts: &Facts) -> Result<Plan, RenderError> {
        let h = ctx.host;
        let (version, flavour, supported) = platform(facts)?;
        let crypto = crypto::choose(
            version,
            &supported,
            !h.settings::<SshdSettings>().legacy_kex_clients.is_empty(),
        );
        let sections = settings::sections(h, &crypto, flavour, ctx.ca.is_some());
        let managed = settings::managed_keywords(&sections);
        for line in &h.settings::<SshdSettings>().extra {
            let kw = line
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            if kw.is_empty() || managed.contains(&kw) || kw == "match" || kw == "include" {
                return Err(RenderError(format!(
                    "{}: sshd.extra line `{line}` sets `{kw}`, which harden manages (or is Match/Include); use the dedicated inventory key instead",
                    h.name
                )));
            }
        }
        let mut rationale = crypto.rationale.clone();
        if facts.assumed {
            rationale
                .push_str(" (rendered offline: version assumed, `harden plan` uses the host's)");
        }
        let text = templates::render(
            "sshd/sshd_config",
            &Ctx {
                host: &h.name,
                rationale: &rationale,
                sections: &sections,
                legacy_clients: &h.settings::<SshdSettings>().legacy_kex_clients,
                extra: &h.settings::<SshdSettings>().extra,
            },
        )?;
        let mut p = Plan::new("sshd");
        p.guard = true;
        p.activate.push(RELOAD.to_string());
        p.notes.push(crypto.rationale);
        p.file(
            ManagedFile::root(CONFIG, text + "\n", 0o600, crate::tom::CRITICAL_LOGIN.id)
                .validated_by("sshd -t -f {}"),
            &facts.file(CONFIG),
        );
        for f in facts.dir(DROPINS) {
            let finding = dropin_finding(f);
            p.move_aside(
                Quarantine {
                    path: f.path.clone(),
                    tom: crate::tom::CRITICAL_LOGIN.id,
                },
                Some(finding),
            );
        }
        if !facts.assumed && !facts.file(HOSTKEY_PUB).present {
            p.preflight.push(format!(
                "{HOSTKEY_PUB} is missing: generate it (ssh-keygen -t ed25519 -f /etc/ssh/ssh_host_ed25519_key -N '') and add it to known_hosts first"
            ));
        }
        // The effective configuration, per connection class, as `sshd -T`
        // reads it (not probed offline).
        if let Some(eff) = facts.cmd(EFFECTIVE) {
            p.extend(drift::effective(&classes::classes(ctx), eff, sections));
        }
        Ok(p)
    }
}

/// An unmanaged drop-in and what it would set.
fn dropin_finding(f: &crate::contract::FileFact) -> Finding {
    let active: Vec<String> = f
        .text()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    Finding::new("sshd", "sshd-dropin", f.path.clone(), crate::tom::CRITICAL_LOGIN.id)
        .drift("absent", if active.is_empty() { "present (comments only)".to_string() } else { active.join("; ") }, Fix::None)
        .with_message("unmanaged drop-in: it could weaken sshd if included; apply moves it to /var/lib/harden/quarantine")
}

#[cfg(test)]
mod tests;
