#!/usr/bin/env bash
# Brings up three lab hosts (a Telekom data host, a Telekom app host running
# a TLS server, a Hetzner gatekeeper in front of it), runs `harden apply
# --yes`, then `harden drift`, logs a person in with an SSH certificate,
# connects from outside through the gatekeeper (and, refused, straight to
# the app), and tears the lab down. Pass --keep to keep the hosts.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
. ./scripts/cargo-env.sh
cargo build --release --locked --bins
exec ./target/release/harden-lab demo "$@"
