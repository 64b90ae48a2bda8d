//! Disk encryption verified from the provider (TOM-1.2-disk-encryption):
//! on a data-holding host at Open Telekom Cloud, every EVS volume attached
//! to the host's server must be encrypted by EVS with a KMS key. A LUKS
//! layer in the guest (the `disks` control) does not make the provider's
//! volume encrypted: snapshots, backups and images of the volume are taken
//! below the guest.
//!
//! Provider-scoped and report-only. Probes: the host's server
//! ([`crate::controls::cloud::server::probe`]) and every volume of the
//! project (`GET /v2/{project_id}/cloudvolumes/detail`, all pages); the
//! encryption is read from each volume's metadata (`__system__encrypted`,
//! `__system__cmkid`), since the list call documents its `encrypted`
//! field as not supported. Then, for the KMS-encrypted volumes attached
//! to the server, the state of each distinct key (`POST
//! /v1.0/{project_id}/kms/describe-key`, a documented read): it must be
//! enabled. Findings: [`verify`] (`evs-volumes`, `evs-volume`) and
//! [`keys`] (`evs-key`).

pub mod keys;
pub mod verify;

#[cfg(test)]
mod tests;

use crate::backend::http::cloud::CloudKey;
use crate::contract::api::Service;
use crate::contract::{Control, Facts, HostCtx, Plan, Probe, RenderError, Scope};
use crate::controls::cloud::server;

/// The probe id of the volume listing.
pub const PROBE: &str = "evs-volumes";
/// The listing's path (the backend fills in the project id).
pub const LIST: &str = "/v2/{project_id}/cloudvolumes/detail";

/// The EVS encryption control.
pub struct Evs;

impl Control for Evs {
    fn id(&self) -> &'static str {
        "evs"
    }

    fn scope(&self) -> Scope {
        Scope::Provider
    }

    fn measures(&self) -> &'static [&'static crate::tom::Tom] {
        &[crate::tom::DISK_ENCRYPTION]
    }

    /// A host at Telekom with an OTC account that holds data (the data
    /// role or declared data disks).
    fn applies(&self, ctx: &HostCtx<'_>) -> bool {
        matches!(server::account(ctx), Some(CloudKey::Otc(_)))
            && crate::controls::haproxy::section::policy::holds_data(ctx.host).is_some()
    }

    fn probes(&self, ctx: &HostCtx<'_>) -> Result<Vec<Probe>, RenderError> {
        let mut probes: Vec<Probe> = server::probe(ctx).into_iter().collect();
        probes.push(Probe::api_list(
            Some(Service::OtcEvs),
            PROBE,
            LIST,
            "volumes",
        ));
        Ok(probes)
    }

    /// The describe of each distinct KMS key of the server's encrypted
    /// volumes.
    fn probes_after(&self, ctx: &HostCtx<'_>, facts: &Facts) -> Result<Vec<Probe>, RenderError> {
        Ok(keys::probes(&encrypted(ctx, facts)))
    }

    fn plan(&self, ctx: &HostCtx<'_>, facts: &Facts) -> Result<Plan, RenderError> {
        let mut plan = Plan::new(self.id());
        let volumes = encrypted(ctx, facts);
        let found = server::read(ctx, facts);
        let wanted = ctx
            .host
            .settings::<crate::backend::http::cloud::CloudSettings>()
            .server(ctx.host);
        plan.findings.extend(verify::findings(
            &wanted.to_string(),
            found,
            facts.api(PROBE),
        ));
        plan.findings
            .extend(keys::findings(&volumes, |id| facts.api(id)));
        Ok(plan)
    }
}

/// The KMS-encrypted volumes attached to the host's server (none when
/// the server or the listing is not usable).
fn encrypted(ctx: &HostCtx<'_>, facts: &Facts) -> Vec<crate::backend::http::otc::Volume> {
    match server::read(ctx, facts) {
        Ok(s) => keys::encrypted_attached(&s, facts.api(PROBE)),
        Err(_) => Vec::new(),
    }
}
