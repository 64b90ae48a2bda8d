//! Fakes served inside a lab namespace: a thread joins the namespace
//! (setns(2) moves that thread only; the machine's own namespace is never
//! touched), runs a current-thread runtime there and keeps the fakes it
//! started until the [`InNs`] guard is dropped, so a harden run in that
//! namespace reaches them on its 127.0.0.1.

use std::any::Any;
use std::future::Future;
use std::os::fd::AsRawFd;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

/// The namespace thread; dropping it stops the fakes and joins it.
pub struct InNs {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for InNs {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// What a start function hands back: the fakes to keep alive (they stay on
/// the namespace's thread) and what the caller needs (URLs, state handles).
pub type Started<T> = Result<(Box<dyn Any>, T), String>;

/// Runs `start` on a new thread inside network namespace `ns`
/// (`/run/netns/<ns>`); waits at most 30 s for it to start.
pub fn serve_in<T, F, Fut>(ns: &str, start: F) -> Result<(InNs, T), String>
where
    T: Send + 'static,
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = Started<T>>,
{
    if ns.is_empty() || !ns.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(format!("bad namespace name {ns:?}"));
    }
    let path = format!("/run/netns/{ns}");
    let (tx, rx) = mpsc::channel::<Result<T, String>>();
    let (stop, stopped) = mpsc::channel::<()>();
    let thread = std::thread::spawn(move || {
        let joined = std::fs::File::open(&path)
            .map_err(|e| format!("{path}: {e}"))
            .and_then(|f| {
                // SAFETY: setns(2) on this thread only, with an open netns fd.
                let rc = unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) };
                if rc == 0 {
                    Ok(())
                } else {
                    Err(format!("setns {path}: {}", std::io::Error::last_os_error()))
                }
            });
        if let Err(e) = joined {
            let _ = tx.send(Err(e));
            return;
        }
        let rt = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                let _ = tx.send(Err(format!("runtime: {e}")));
                return;
            }
        };
        rt.block_on(async move {
            match start().await {
                Ok((keep, out)) => {
                    let _ = tx.send(Ok(out));
                    // Serve until the guard is dropped (or the caller is gone).
                    let _ = tokio::task::spawn_blocking(move || stopped.recv()).await;
                    drop(keep);
                }
                Err(e) => {
                    let _ = tx.send(Err(e));
                }
            }
        });
    });
    let out = rx
        .recv_timeout(Duration::from_secs(30))
        .map_err(|_| "the fake did not start within 30 s".to_string())??;
    Ok((
        InNs {
            stop: Some(stop),
            thread: Some(thread),
        },
        out,
    ))
}
