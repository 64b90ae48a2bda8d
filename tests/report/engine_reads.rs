//! Offline, through the engine: every API read of a provider-scoped
//! control is recorded — a Hetzner-style paged list with its page count
//! and the path's query values hidden, and the same read by a second
//! control of the host as answered from the first (no request of its own).

use harden::backend::http::cloud::Cloud;
use harden::contract::{Control, Facts, HostCtx, Plan, Probe, RenderError, Scope};
use harden::engine::provider::check_apply_with;
use harden::report::model::Finding;
use harden::report::reads::ApiRead;

use crate::fake_api::client;
use crate::fake_api::server::{hcloud_page as page, FakeApi};

/// Reads every page of the host's firewalls; one in-sync finding.
struct Paged(&'static str);

static A: Paged = Paged("test-paged-a");
static B: Paged = Paged("test-paged-b");

impl Control for Paged {
    fn id(&self) -> &'static str {
        self.0
    }

    fn scope(&self) -> Scope {
        Scope::Provider
    }

    fn probes(&self, ctx: &HostCtx<'_>) -> Result<Vec<Probe>, RenderError> {
        let path = format!("/firewalls?name=fw-{}&label_selector=secret", ctx.host.name);
        Ok(vec![Probe::api_list(None, "fws", &path, "firewalls")])
    }

    fn plan(&self, _: &HostCtx<'_>, facts: &Facts) -> Result<Plan, RenderError> {
        let n = facts
            .api("fws")
            .and_then(|v| v.as_array())
            .map(Vec::len)
            .unwrap_or_default();
        let mut plan = Plan::new(self.id());
        plan.push(
            Finding::new(
                self.id(),
                "edge-rules",
                "fw-web",
                harden::tom::PROVIDER_FIREWALL.id,
            )
            .ok(n.to_string()),
        );
        Ok(plan)
    }
}

#[tokio::test]
async fn each_read_is_recorded_with_its_pages_and_a_shared_read_as_cached() {
    let fake = FakeApi::start(vec![
        page(&[1, 2], Some(2)),
        page(&[3], Some(3)),
        page(&[4], None),
    ])
    .await;
    // The provider-backend tests' one-host Hetzner estate.
    let inv = crate::provider_backend::controls::inventory();
    let ctx = HostCtx::new(&inv, &inv.hosts[0], None);
    let (api, _dir) = client(&fake, |_| {});
    let controls: [&'static dyn Control; 2] = [&A, &B];
    let out = check_apply_with(&controls, &ctx, &Cloud::Single(api), false).await;
    assert_eq!(out.len(), 2);
    assert!(out.iter().all(|o| o.error.is_none()));
    assert_eq!(out[0].findings[0].actual, "4", "all pages were read");
    let want = |control: &str, cached: bool, at: &str| ApiRead {
        host: "web".into(),
        control: control.into(),
        service: "hcloud".into(),
        method: "GET".into(),
        path: "/firewalls?name=*&label_selector=*".into(),
        pages: 3,
        at: at.into(),
        cached,
    };
    let at = out[0].reads[0].at.clone();
    assert!(harden::timefmt::parse_rfc3339(&at).is_some(), "{at}");
    assert_eq!(out[0].reads, [want("test-paged-a", false, &at)]);
    assert_eq!(out[1].reads, [want("test-paged-b", true, &at)]);
    assert_eq!(fake.requests().len(), 3, "the second control sent nothing");
}
