//! A fake API served inside a lab namespace: a thread of the test joins
//! the namespace (setns(2) moves that thread only; the machine's own
//! namespace is never touched) and runs the fake's server there, so the
//! harden binary in the controller's namespace reaches it on 127.0.0.1.

use std::os::fd::AsRawFd;
use std::sync::mpsc;
use std::time::Duration;

use harden::lab::fake_http::{FakeServer, Handler};

use crate::fake_api::server::{FakeApi, Reply};

/// What runs in the namespace: the scripted fake or a handler.
pub enum Served {
    /// The scripted fake.
    Script(Vec<Reply>),
    /// A handler of the test's own.
    Handler(Handler),
}

enum Running {
    Api(FakeApi),
    Server(FakeServer),
}

/// A fake API, its server running in namespace `ns`.
pub struct NsFake {
    api: Option<Running>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl NsFake {
    /// Serves `script` in `ns`.
    pub fn start(ns: &str, script: Vec<Reply>) -> NsFake {
        Self::serve(ns, Served::Script(script))
    }

    /// Serves `what` in `ns`.
    pub fn serve(ns: &str, what: Served) -> NsFake {
        let path = format!("/run/netns/{ns}");
        let (tx, rx) = mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let f = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            // SAFETY: setns(2) on an open namespace file; it moves this
            // thread only.
            let rc = unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) };
            assert_eq!(rc, 0, "setns {path}");
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let api = match what {
                    Served::Script(s) => Running::Api(FakeApi::start(s).await),
                    Served::Handler(h) => {
                        Running::Server(FakeServer::start("127.0.0.1:0", h).await.expect("bind"))
                    }
                };
                let _ = tx.send(api);
                let _ = stopped.await;
            });
        });
        let api = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("the fake started");
        NsFake {
            api: Some(api),
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// The scripted fake (panics for a handler).
    pub fn api(&self) -> &FakeApi {
        match &self.api {
            Some(Running::Api(a)) => a,
            _ => panic!("not the scripted fake"),
        }
    }

    /// The base URL with `path` appended.
    pub fn url(&self, path: &str) -> String {
        match &self.api {
            Some(Running::Api(a)) => a.url(path),
            Some(Running::Server(s)) => s.url(path),
            None => panic!("stopped"),
        }
    }
}

impl Drop for NsFake {
    fn drop(&mut self) {
        self.api.take();
        self.stop.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
