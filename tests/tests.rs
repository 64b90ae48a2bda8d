//! Integration tests: the real `harden` binary against lab hosts (network
//! namespaces with real sshd and nftables; see `harden::lab`), plus the
//! offline commands. One test binary, themed files.

mod formats;
mod util;

mod apply;
mod audit;
mod banner;
mod ca;
mod cli;
mod cli_ux;
mod demo;
mod disk_encrypt;
mod disk_encrypt_refuse;
mod disks;
mod edge;
mod evs;
mod fake_api;
mod fake_hcloud;
mod fake_otc;
mod faults;
mod firewall;
mod fuzz;
mod gatekeeper;
mod inventory;
mod maintenance;
mod maintenance_edge;
mod passwords;
mod plan;
mod provider_backend;
mod providers_lab;
mod readonly;
mod report;
mod report_browser;
mod sections;
mod sshd;
mod systemd;
mod tour;
mod warn;
