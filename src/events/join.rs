//! Awaiting the same step on many hosts at once, without spawning.
//!
//! The per-host futures of a report (audit copies) borrow connections the
//! command still owns, so they cannot be `tokio::spawn`ed; [`join_all`]
//! polls them together on the caller's task instead. (The `futures` crate
//! has this; twenty lines do not justify a dependency.)

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

/// A boxed future, so futures of different hosts can be awaited together.
pub type Boxed<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Awaits all futures concurrently on the current task (they borrow the
/// caller's connections, so they cannot be spawned); results in order.
pub async fn join_all<T>(futs: Vec<Boxed<'_, T>>) -> Vec<T> {
    let mut futs = futs;
    let mut out: Vec<Option<T>> = futs.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (f, slot) in futs.iter_mut().zip(out.iter_mut()) {
            if slot.is_none() {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => *slot = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    out.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_all_keeps_order() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let futs: Vec<Boxed<'_, u32>> = (0..4u32)
            .map(|i| {
                Box::pin(async move {
                    tokio::time::sleep(std::time::Duration::from_millis(u64::from(40 - i * 10)))
                        .await;
                    i
                }) as Boxed<'_, u32>
            })
            .collect();
        assert_eq!(rt.block_on(join_all(futs)), vec![0, 1, 2, 3]);
    }
}
