//! The one per-host task runner: every multi-host operation (plan, drift,
//! apply, maintenance windows) runs its hosts through [`each`].
//!
//! Each host gets its own task under a semaphore of `jobs` and its own
//! time limit, so one slow or failing host never stops the others; a
//! timeout or a panic becomes that host's [`Unfinished`] result. Results
//! come back in the order the work was given.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

/// Why a host's task produced no result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unfinished {
    /// It ran longer than its limit.
    Timeout(Duration),
    /// It panicked or was cancelled.
    Crashed(String),
}

impl std::fmt::Display for Unfinished {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unfinished::Timeout(d) => write!(f, "no result within {}s", d.as_secs()),
            Unfinished::Crashed(e) => write!(f, "internal error: {e}"),
        }
    }
}

/// Runs `work(item)` for every item, at most `jobs` at once, each bounded
/// by its `limit`; results in input order.
pub async fn each<I, T, F, Fut>(
    items: Vec<(I, Duration)>,
    jobs: usize,
    work: F,
) -> Vec<Result<T, Unfinished>>
where
    I: Send + 'static,
    T: Send + 'static,
    F: Fn(I) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
{
    let sem = Arc::new(Semaphore::new(jobs.max(1)));
    let mut tasks = Vec::new();
    for (item, limit) in items {
        let sem2 = sem.clone();
        let fut = work(item);
        tasks.push((
            limit,
            tokio::spawn(async move {
                let _permit = sem2.acquire_owned().await;
                tokio::time::timeout(limit, fut).await
            }),
        ));
    }
    let mut out = Vec::new();
    for (limit, t) in tasks {
        out.push(match t.await {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(_)) => Err(Unfinished::Timeout(limit)),
            Err(e) => Err(Unfinished::Crashed(e.to_string())),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn slow_and_panicking_hosts_do_not_stop_the_others() {
        let items = vec![
            (0u32, Duration::from_secs(5)),
            (1, Duration::from_millis(50)),
            (2, Duration::from_secs(5)),
        ];
        let out = each(items, 2, |i| async move {
            match i {
                1 => {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    i
                }
                2 => panic!("host 2 broke"),
                _ => i * 10,
            }
        })
        .await;
        assert_eq!(out[0], Ok(0));
        assert_eq!(out[1], Err(Unfinished::Timeout(Duration::from_millis(50))));
        assert!(
            matches!(&out[2], Err(Unfinished::Crashed(e)) if e.contains("panic")),
            "{:?}",
            out[2]
        );
    }
}
