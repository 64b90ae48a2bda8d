//! IAM and ECS routes of the OTC fake: `POST /v3/auth/tokens` (password
//! method, project scope by name or id; 201 with `X-Subject-Token`, 401
//! for a wrong user, password, domain or project, 400 for a bad body),
//! and Nova's `GET /v2.1/{project}/servers/detail?name=` (the name is a
//! regular expression at Nova; the fake supports literal text with
//! `^`/`$` anchors and otherwise matches a substring) and
//! `GET /v2.1/{project}/servers/{id}`.

use serde_json::{json, Value};

use super::faults::unauthorized;
use super::openstack;
use super::state::OtcState;
use crate::lab::fake_http::{Reply, Request};

pub(super) fn tokens(st: &mut OtcState, req: &Request) -> Reply {
    let body = req.json();
    let auth = &body["auth"];
    let user = &auth["identity"]["password"]["user"];
    let methods = &auth["identity"]["methods"];
    let (Some(name), Some(password), Some(domain)) = (
        user["name"].as_str(),
        user["password"].as_str(),
        user["domain"]["name"].as_str(),
    ) else {
        return openstack(
            400,
            "error",
            "The request body is not a password authentication",
        );
    };
    if methods != &json!(["password"]) {
        return openstack(400, "error", "only the password method is supported");
    }
    if name != st.user.name || password != st.user.password || domain != st.user.domain {
        return unauthorized("wrong user, password or domain");
    }
    let scope = &auth["scope"]["project"];
    let scoped = match (scope["name"].as_str(), scope["id"].as_str()) {
        (Some(n), None) => n == st.project_name,
        (None, Some(i)) => i == st.project_id,
        _ => return openstack(400, "error", "give the project scope by name or by id"),
    };
    if !scoped {
        return unauthorized("no such project for this user");
    }
    let t = st.issue_token();
    let at = |secs: u64| crate::timefmt::rfc3339(secs).replace('Z', ".000000Z");
    Reply::json(
        201,
        json!({"token": {"expires_at": at(t.expires_at), "issued_at": at(crate::timefmt::now()),
            "methods": ["password"],
            "project": {"id": st.project_id, "name": st.project_name,
                "domain": {"name": st.user.domain, "id": "d1"}},
            "user": {"name": st.user.name, "id": "u1",
                "domain": {"name": st.user.domain, "id": "d1"}}}}),
    )
    .header("x-subject-token", &t.token)
}

/// Nova's name filter as the fake understands it.
fn name_matches(filter: &str, name: &str) -> bool {
    let (start, rest) = match filter.strip_prefix('^') {
        Some(r) => (true, r),
        None => (false, filter),
    };
    let (end, text) = match rest.strip_suffix('$') {
        Some(t) => (true, t),
        None => (false, rest),
    };
    match (start, end) {
        (true, true) => name == text,
        (true, false) => name.starts_with(text),
        (false, true) => name.ends_with(text),
        (false, false) => name.contains(text),
    }
}

pub(super) fn servers(st: &OtcState, req: &Request, project: &str) -> Reply {
    let filter = req.query("name");
    let list: Vec<Value> = st
        .servers
        .iter()
        .filter(|s| filter.as_deref().is_none_or(|f| name_matches(f, &s.name)))
        .map(|s| s.json(project))
        .collect();
    Reply::json(200, json!({ "servers": list }))
}

pub(super) fn server(st: &OtcState, project: &str, id: &str) -> Reply {
    match st.servers.iter().find(|s| s.id == id) {
        Some(s) => Reply::json(200, json!({"server": s.json(project)})),
        None => openstack(404, "itemNotFound", "Instance could not be found"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn nova_name_filter_anchors() {
        let m = super::name_matches;
        assert!(m("^db-1$", "db-1") && !m("^db-1$", "db-10") && !m("^db-1$", "xdb-1"));
        assert!(m("^db", "db-10") && !m("^db", "xdb"));
        assert!(m("-1$", "db-1") && !m("-1$", "db-10"));
        assert!(m("db", "xdby"));
    }
}
