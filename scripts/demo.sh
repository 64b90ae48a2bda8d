#!/usr/bin/env bash
# Brings up three lab hosts (a Telekom data host, a Telekom app host, a
# Hetzner gatekeeper), runs `harden apply --yes`, then `harden drift`, and
# tears the lab down. Pass --keep to keep the hosts for exploring.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
. ./scripts/cargo-env.sh
cargo build --release --locked --bins
exec ./target/release/harden-lab demo "$@"
