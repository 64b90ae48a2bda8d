//! Running a window operation on many hosts at once.
//!
//! Each host gets its own task, connection and time limit (connect plus
//! four commands), so a slow or unreachable host delays nobody and a panic
//! becomes that host's error: the engine's one runner, `engine::fanout`. The connection is handed
//! back with the result: the command records its event over it (the audit
//! copy) before closing it.

use std::sync::Arc;
use std::time::Duration;

use super::remote::{self, HostHistory, OpenRequest, Opened};
use super::slots::Slot;
use super::Error;
use crate::engine::fanout;
use crate::events::hostcopy::HOST_LOG;
use crate::inventory::Inventory;
use crate::transport::{ClientConfig, Conn};

/// What to do on one host.
#[derive(Debug, Clone)]
pub enum Op {
    /// Open a window.
    Open(OpenRequest),
    /// Close window `id`, or every element when None.
    Close(Option<String>),
    /// Read the elements.
    Read,
    /// Read the history since this epoch second.
    History(u64),
}

/// What was done on one host.
#[derive(Debug)]
pub enum Done {
    /// Opened.
    Opened(Opened),
    /// These elements were removed.
    Closed(Vec<Slot>),
    /// The live elements.
    Slots(Vec<Slot>),
    /// The history.
    History(Box<HostHistory>),
}

/// One host's outcome.
pub struct HostResult {
    /// Index into `inv.hosts`.
    pub index: usize,
    /// The open connection, for the audit copy.
    pub conn: Option<Conn>,
    /// The outcome.
    pub result: Result<Done, Error>,
}

async fn one(inv: Arc<Inventory>, index: usize, op: Op, client: ClientConfig) -> HostResult {
    let host = &inv.hosts[index];
    let conn = match Conn::connect(host, &client, "maint").await {
        Ok(c) => c,
        Err(e) => {
            return HostResult {
                index,
                conn: None,
                result: Err(e.into()),
            }
        }
    };
    let name = host.name.as_str();
    let result = match op {
        Op::Open(req) => remote::open(&conn, name, &req).await.map(Done::Opened),
        Op::Close(id) => remote::close(&conn, name, id.as_deref())
            .await
            .map(Done::Closed),
        Op::Read => remote::read(&conn, name).await.map(Done::Slots),
        Op::History(since) => {
            remote::history(&conn, name, since, &host.controller_sources, HOST_LOG)
                .await
                .map(|h| Done::History(Box::new(h)))
        }
    };
    HostResult {
        index,
        conn: Some(conn),
        result,
    }
}

/// Runs `work` (host index, operation) with at most `jobs` hosts at once;
/// results in the order given.
pub async fn run(
    inv: Arc<Inventory>,
    work: Vec<(usize, Op)>,
    client: &ClientConfig,
    jobs: usize,
) -> Vec<HostResult> {
    let indices: Vec<usize> = work.iter().map(|(i, _)| *i).collect();
    let items: Vec<((usize, Op), Duration)> = work
        .into_iter()
        .map(|(index, op)| {
            let limit = inv.hosts[index].conn.connect_timeout
                + client.command_timeout * 4
                + Duration::from_secs(10);
            ((index, op), limit)
        })
        .collect();
    let results = fanout::each(items, jobs, |(index, op)| {
        one(inv.clone(), index, op, client.clone())
    })
    .await;
    results
        .into_iter()
        .zip(indices)
        .map(|(r, index)| {
            r.unwrap_or_else(|e| HostResult {
                index,
                conn: None,
                result: Err(Error::Unfinished {
                    host: inv.hosts[index].name.clone(),
                    message: e.to_string(),
                }),
            })
        })
        .collect()
}

/// Closes every connection in `results`.
pub async fn close_all(results: &mut [HostResult]) {
    for r in results {
        if let Some(c) = r.conn.take() {
            c.close().await;
        }
    }
}
