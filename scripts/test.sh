#!/usr/bin/env bash
# Runs every check harden has: formatting, clippy, unit and lab tests.
# The lab tests create network namespaces, so this needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
. ./scripts/cargo-env.sh
cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --locked --all-targets
