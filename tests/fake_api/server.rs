//! The scripted fake API server: harden's fake HTTP core
//! (`harden::lab::fake_http`) answering each request with the next
//! scripted [`Reply`] and recording it. A request beyond the script is
//! answered 500 and counted as unexpected.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use harden::lab::fake_http::FakeServer;
pub use harden::lab::fake_http::{Reply, Request};

/// One page of a Hetzner-style firewall list: `items` as the firewalls,
/// `next` as `meta.pagination.next_page` (`None` on the last page).
pub fn hcloud_page(items: &[u32], next: Option<u32>) -> Reply {
    Reply::json(
        200,
        serde_json::json!({"firewalls": items, "meta": {"pagination": {"next_page": next}}}),
    )
}

#[derive(Default)]
struct State {
    script: VecDeque<Reply>,
    requests: Vec<Request>,
    unexpected: usize,
}

/// A running fake API.
pub struct FakeApi {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
    _server: FakeServer,
}

impl FakeApi {
    /// Starts serving `script`, one reply per request, in order.
    pub async fn start(script: Vec<Reply>) -> FakeApi {
        let state = Arc::new(Mutex::new(State {
            script: script.into(),
            ..State::default()
        }));
        let st = state.clone();
        let server = FakeServer::start(
            "127.0.0.1:0",
            Arc::new(move |req| {
                let mut st = st.lock().expect("lock");
                st.requests.push(req);
                match st.script.pop_front() {
                    Some(r) => r,
                    None => {
                        st.unexpected += 1;
                        Reply::error(500, "fake_unexpected", "request beyond the script")
                    }
                }
            }),
        )
        .await
        .expect("bind");
        FakeApi {
            addr: server.addr,
            state,
            _server: server,
        }
    }

    /// The base URL (`http://127.0.0.1:<port>`), with `path` appended.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The requests received so far.
    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().expect("lock").requests.clone()
    }

    /// Replies never used.
    pub fn unused(&self) -> usize {
        self.state.lock().expect("lock").script.len()
    }

    /// Requests that came after the script ran out.
    pub fn unexpected(&self) -> usize {
        self.state.lock().expect("lock").unexpected
    }
}
