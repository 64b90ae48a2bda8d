//! The `cloud` section: the provider accounts harden reads and changes
//! through the providers' APIs, `[defaults.cloud.hetzner]` and
//! `[defaults.cloud.otc]`, merged key by key with `hosts[].cloud` (a host
//! may name another OTC project, so customer projects stay apart), and
//! the host's server at its provider (`server = "<name>"` or
//! `server_id = "<id>"`; default: the host's name). Loaded into
//! [`CloudSettings`].
//!
//! Credentials are never in the inventory: `token_env`/`password_env`
//! name an environment variable, `token_file`/`password_file` an absolute
//! path outside the inventory's directory (the file itself must be mode
//! 0600 or 0400 and owned by the user harden runs as; that is checked when
//! it is read).

use std::any::Any;

use serde::Deserialize;

use crate::backend::http::cloud::{
    credential_file_problem, otc_endpoint, CloudSettings, HetznerSettings, OtcSettings, ProjectRef,
    ServerRef,
};
use crate::backend::http::{base_url, Credential};
use crate::contract::section::{pick, Section, SectionCx, Side};
use crate::inventory::validate::CodeInfo;

/// Hetzner Cloud's API.
pub const HCLOUD_ENDPOINT: &str = "https://api.hetzner.cloud/v1";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCloud {
    hetzner: Option<RawHetzner>,
    otc: Option<RawOtc>,
    server: Option<String>,
    server_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHetzner {
    endpoint: Option<String>,
    token_env: Option<String>,
    token_file: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOtc {
    region: Option<String>,
    domain: Option<String>,
    project: Option<String>,
    project_id: Option<String>,
    user: Option<String>,
    password_env: Option<String>,
    password_file: Option<String>,
    iam: Option<String>,
    vpc: Option<String>,
    evs: Option<String>,
    ecs: Option<String>,
    kms: Option<String>,
}

/// The `cloud` section.
pub struct CloudSection;

pub(super) const CODES: &[CodeInfo] = &[
    CodeInfo {
        code: "inv-cloud-credential",
        severity: "error",
        tom: None,
        description: "a provider credential is missing, given twice, or not an environment variable name / an absolute file outside the inventory's directory",
    },
    CodeInfo {
        code: "inv-cloud-endpoint",
        severity: "error",
        tom: None,
        description: "a provider endpoint is not an https:// URL (plain http only to a loopback IP)",
    },
    CodeInfo {
        code: "inv-cloud-setting",
        severity: "error",
        tom: None,
        description: "an Open Telekom Cloud region, domain, project or user is missing or malformed",
    },
    CodeInfo {
        code: "inv-cloud-server",
        severity: "error",
        tom: None,
        description: "a host names its server both by `server` and `server_id`, or the value is malformed",
    },
];

impl Section for CloudSection {
    fn name(&self) -> &'static str {
        "cloud"
    }

    fn load(
        &self,
        cx: &mut SectionCx<'_>,
        defaults: Option<&toml::Value>,
        host: Option<&toml::Value>,
    ) -> Box<dyn Any + Send + Sync> {
        let d: Option<RawCloud> = cx.parse(Side::Defaults, defaults);
        let h: Option<RawCloud> = cx.parse(Side::Host, host);
        let (d, h) = (d.unwrap_or_default(), h.unwrap_or_default());
        let hetzner = if d.hetzner.is_some() || h.hetzner.is_some() {
            hetzner(cx, d.hetzner.as_ref(), h.hetzner.as_ref())
        } else {
            None
        };
        let otc = if d.otc.is_some() || h.otc.is_some() {
            otc(cx, d.otc.as_ref(), h.otc.as_ref())
        } else {
            None
        };
        let server = server(cx, &d, &h);
        Box::new(CloudSettings {
            hetzner,
            otc,
            server,
        })
    }

    fn codes(&self) -> &'static [CodeInfo] {
        CODES
    }
}

/// The table path of `sub` (`hetzner`, `otc`) on `side`.
fn sub_key(
    cx: &SectionCx<'_>,
    side: Side,
    sub: &str,
    key: &str,
) -> crate::inventory::source::KeyPath {
    cx.key(side, sub).key(key)
}

fn hetzner(
    cx: &mut SectionCx<'_>,
    d: Option<&RawHetzner>,
    h: Option<&RawHetzner>,
) -> Option<HetznerSettings> {
    let endpoint = match pick(d, h, |r| r.endpoint.clone()) {
        Some((e, side)) => endpoint(cx, &sub_key(cx, side, "hetzner", "endpoint"), "hcloud", &e)?,
        None => HCLOUD_ENDPOINT.to_string(),
    };
    let token = credential(
        cx,
        "hetzner",
        ("token_env", pick(d, h, |r| r.token_env.clone())),
        ("token_file", pick(d, h, |r| r.token_file.clone())),
    )?;
    Some(HetznerSettings { endpoint, token })
}

fn otc(cx: &mut SectionCx<'_>, d: Option<&RawOtc>, h: Option<&RawOtc>) -> Option<OtcSettings> {
    let mut ok = true;
    let mut text = |cx: &mut SectionCx<'_>,
                    key: &str,
                    v: Option<(String, Side)>,
                    check: fn(&str) -> bool,
                    what: &str| {
        match v {
            Some((v, _)) if check(&v) => Some(v),
            Some((v, side)) => {
                cx.error(
                    &sub_key(cx, side, "otc", key),
                    "inv-cloud-setting",
                    format!(
                        "otc {key} {:?} is not {what}",
                        crate::controls::disks::section_values::shown(&v)
                    ),
                    format!("set {key} to {what}"),
                );
                ok = false;
                None
            }
            None => {
                cx.error(
                    &cx.key(Side::Defaults, "otc").key(key),
                    "inv-cloud-setting",
                    format!("the otc account has no {key}"),
                    format!("set {key} in [defaults.cloud.otc] ({what})"),
                );
                ok = false;
                None
            }
        }
    };
    let region = text(
        cx,
        "region",
        pick(d, h, |r| r.region.clone()),
        is_region,
        "a region like eu-de",
    );
    let domain = text(
        cx,
        "domain",
        pick(d, h, |r| r.domain.clone()),
        is_name,
        "the account's domain name (OTC-EU-DE-…)",
    );
    let user = text(
        cx,
        "user",
        pick(d, h, |r| r.user.clone()),
        is_name,
        "an IAM user name",
    );
    let project = match (
        pick(d, h, |r| r.project.clone()),
        pick(d, h, |r| r.project_id.clone()),
    ) {
        (Some(_), Some((_, side))) => {
            cx.error(
                &sub_key(cx, side, "otc", "project_id"),
                "inv-cloud-setting",
                "otc sets both project and project_id",
                "name the project once: project = \"eu-de_<name>\" or project_id = \"<32 hex digits>\"",
            );
            None
        }
        (Some(n), None) => text(
            cx,
            "project",
            Some(n),
            is_name,
            "a project name like eu-de_prod",
        )
        .map(ProjectRef::Name),
        (None, Some(i)) => text(
            cx,
            "project_id",
            Some(i),
            is_hex32,
            "a project id of 32 hex digits",
        )
        .map(ProjectRef::Id),
        (None, None) => text(
            cx,
            "project",
            None,
            is_name,
            "a project name like eu-de_prod",
        )
        .map(ProjectRef::Name),
    };
    let password = credential(
        cx,
        "otc",
        ("password_env", pick(d, h, |r| r.password_env.clone())),
        ("password_file", pick(d, h, |r| r.password_file.clone())),
    );
    let (region, domain, user, project, password) = (region?, domain?, user?, project?, password?);
    let url = |cx: &mut SectionCx<'_>, key: &str, v: Option<(String, Side)>| -> Option<String> {
        match v {
            Some((u, side)) => endpoint(
                cx,
                &sub_key(cx, side, "otc", key),
                &format!("otc-{key}"),
                &u,
            ),
            None => Some(otc_endpoint(key, &region)),
        }
    };
    let iam = url(cx, "iam", pick(d, h, |r| r.iam.clone()));
    let vpc = url(cx, "vpc", pick(d, h, |r| r.vpc.clone()));
    let evs = url(cx, "evs", pick(d, h, |r| r.evs.clone()));
    let ecs = url(cx, "ecs", pick(d, h, |r| r.ecs.clone()));
    let kms = url(cx, "kms", pick(d, h, |r| r.kms.clone()));
    if !ok {
        return None;
    }
    Some(OtcSettings {
        region,
        domain,
        project,
        user,
        password,
        iam: iam?,
        vpc: vpc?,
        evs: evs?,
        ecs: ecs?,
        kms: kms?,
    })
}

fn endpoint(
    cx: &mut SectionCx<'_>,
    at: &crate::inventory::source::KeyPath,
    api: &str,
    raw: &str,
) -> Option<String> {
    match base_url(api, raw) {
        Ok(u) => Some(u.as_str().trim_end_matches('/').to_string()),
        Err(e) => {
            cx.error(
                at,
                "inv-cloud-endpoint",
                e.to_string(),
                "use the provider's https:// endpoint (plain http:// only to 127.0.0.1, for a local fake)",
            );
            None
        }
    }
}

/// Exactly one of an environment variable and a file.
fn credential(
    cx: &mut SectionCx<'_>,
    sub: &str,
    env: (&str, Option<(String, Side)>),
    file: (&str, Option<(String, Side)>),
) -> Option<Credential> {
    let (env_key, env) = env;
    let (file_key, file) = file;
    let fix = format!(
        "set {env_key} = \"NAME\" (an environment variable) or {file_key} = \"/etc/harden/{sub}.secret\" (a root-only file outside the repository); never the secret itself"
    );
    match (env, file) {
        (Some(_), Some((_, side))) => {
            cx.error(
                &sub_key(cx, side, sub, file_key),
                "inv-cloud-credential",
                format!("{sub} sets both {env_key} and {file_key}"),
                fix,
            );
            None
        }
        (None, None) => {
            cx.error(
                &cx.key(Side::Defaults, sub),
                "inv-cloud-credential",
                format!("the {sub} account has no credential"),
                fix,
            );
            None
        }
        (Some((v, side)), None) => {
            let ok = !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
                && !v.as_bytes()[0].is_ascii_digit();
            if ok {
                Some(Credential::BearerFromEnv(v))
            } else {
                cx.error(
                    &sub_key(cx, side, sub, env_key),
                    "inv-cloud-credential",
                    format!(
                        "{env_key} {:?} is not an environment variable name",
                        crate::controls::disks::section_values::shown(&v)
                    ),
                    format!("{fix} (A-Z, 0-9 and _, e.g. HCLOUD_TOKEN)"),
                );
                None
            }
        }
        (None, Some((v, side))) => {
            let at = sub_key(cx, side, sub, file_key);
            let problem = if crate::inventory::text::first_bad(&v).is_some() || v.len() > 4096 {
                Some("it holds a control character or is too long".to_string())
            } else {
                credential_file_problem(&v, &cx.inventory_dir())
            };
            match problem {
                None => Some(Credential::FromFile(v.into())),
                Some(why) => {
                    cx.error(
                        &at,
                        "inv-cloud-credential",
                        format!("{file_key}: {why}"),
                        fix,
                    );
                    None
                }
            }
        }
    }
}

fn server(cx: &mut SectionCx<'_>, d: &RawCloud, h: &RawCloud) -> Option<ServerRef> {
    if d.server.is_some() || d.server_id.is_some() {
        let key = if d.server.is_some() {
            "server"
        } else {
            "server_id"
        };
        cx.error(
            &cx.key(Side::Defaults, key),
            "inv-cloud-server",
            format!("{key} in [defaults.cloud] would give every host the same server"),
            format!("set {key} on each host (hosts[].cloud.{key}); by default a host's server has the host's name"),
        );
    }
    match (&h.server, &h.server_id) {
        (Some(_), Some(_)) => {
            cx.error(
                &cx.key(Side::Host, "server_id"),
                "inv-cloud-server",
                "the host names its server twice (server and server_id)",
                "keep one: server = \"<name at the provider>\" or server_id = \"<id>\"",
            );
            None
        }
        (Some(n), None) if is_name(n) => Some(ServerRef::Name(n.clone())),
        (None, Some(i)) if is_server_id(i) => Some(ServerRef::Id(i.clone())),
        (None, None) => None,
        (n, i) => {
            let (key, v) = match (n, i) {
                (Some(n), _) => ("server", n),
                (_, Some(i)) => ("server_id", i),
                _ => return None,
            };
            cx.error(
                &cx.key(Side::Host, key),
                "inv-cloud-server",
                format!("{key} {:?} is malformed", crate::controls::disks::section_values::shown(v)),
                "a server name is 1-64 of letters, digits, '.', '_' and '-'; an id is a number (Hetzner) or a UUID (OTC)",
            );
            None
        }
    }
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

fn is_region(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 32
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn is_hex32(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_server_id(s: &str) -> bool {
    let number = !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit());
    let uuid = s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| {
            if [8, 13, 18, 23].contains(&i) {
                b == b'-'
            } else {
                b.is_ascii_hexdigit()
            }
        });
    number || uuid
}
