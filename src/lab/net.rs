//! Network plumbing of a lab: namespaces, a bridge, veth pairs, addresses.
//!
//! The bridge lives in its own namespace, never in the machine's root
//! namespace, and no namespace gets a default route: packets can only go
//! between lab nodes. Routes that are added are on-link routes between the
//! lab's two subnets (controller/hosts and the management network).

use std::process::Command;

use super::LabError;

/// Runs a command, turning a non-zero exit into an error with its stderr.
pub fn run(cmd: &mut Command) -> Result<String, LabError> {
    let out = cmd
        .output()
        .map_err(|e| LabError(format!("cannot run {cmd:?}: {e}")))?;
    if !out.status.success() {
        return Err(LabError(format!(
            "{cmd:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `ip` with arguments.
pub fn ip(args: &[&str]) -> Result<String, LabError> {
    run(Command::new("ip").args(args))
}

/// Creates a namespace with loopback up.
pub fn add_ns(ns: &str) -> Result<(), LabError> {
    ip(&["netns", "add", ns])?;
    ip(&["-n", ns, "link", "set", "lo", "up"])?;
    Ok(())
}

/// Creates the switch namespace with its bridge.
pub fn add_switch(ns: &str) -> Result<(), LabError> {
    add_ns(ns)?;
    ip(&["-n", ns, "link", "add", "br0", "type", "bridge"])?;
    ip(&["-n", ns, "link", "set", "br0", "up"])?;
    Ok(())
}

/// Connects `node` to the switch with a veth pair (`eth0` in the node) and
/// gives it the addresses (CIDR notation).
pub fn attach(switch: &str, port: usize, node: &str, addrs: &[String]) -> Result<(), LabError> {
    let veth = format!("v{port}");
    ip(&[
        "-n", switch, "link", "add", &veth, "type", "veth", "peer", "name", "eth0", "netns", node,
    ])?;
    ip(&["-n", switch, "link", "set", &veth, "master", "br0", "up"])?;
    for a in addrs {
        if a.contains(':') {
            ip(&["-n", node, "addr", "add", a, "dev", "eth0", "nodad"])?;
        } else {
            ip(&["-n", node, "addr", "add", a, "dev", "eth0"])?;
        }
    }
    ip(&["-n", node, "link", "set", "eth0", "up"])?;
    Ok(())
}

/// Adds an on-link route (no gateway) in `node`.
pub fn onlink_route(node: &str, prefix: &str) -> Result<(), LabError> {
    ip(&["-n", node, "route", "add", prefix, "dev", "eth0"])?;
    Ok(())
}

/// Process ids living in a namespace.
pub fn pids(ns: &str) -> Vec<u32> {
    ip(&["netns", "pids", ns])
        .map(|o| o.lines().filter_map(|l| l.trim().parse().ok()).collect())
        .unwrap_or_default()
}

/// Names of all network namespaces.
pub fn list_ns() -> Vec<String> {
    ip(&["netns", "list"])
        .map(|o| {
            o.lines()
                .filter_map(|l| l.split_whitespace().next().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Kills every process in `ns` by pid, waits (bounded) for them to go,
/// then deletes the namespace.
pub fn destroy_ns(ns: &str) {
    for _ in 0..50 {
        let p = pids(ns);
        if p.is_empty() {
            break;
        }
        for pid in p {
            super::kill_pid(pid);
        }
        std::thread::sleep(std::time::Duration::from_millis(40));
    }
    let _ = ip(&["netns", "del", ns]);
}
