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
# The Debian package, installed on this machine: the test profile's binary
# (already built above; a cold release build would add many minutes on CI's
# two cores), the man page and completions checked in the listing.
t0=$(date +%s)
deb=$(./scripts/package-deb.sh target/debug/harden target/deb)
dpkg -i "$deb" >/dev/null
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
/usr/bin/harden --version | grep -F "(commit $commit)"
(cd inventories && /usr/bin/harden -i example.toml check)
man -l /usr/share/man/man1/harden.1.gz 2>/dev/null | grep -q "EXIT STATUS" || zcat /usr/share/man/man1/harden.1.gz | grep -q "EXIT STATUS"
dpkg -r harden >/dev/null
echo "package: built, installed, checked and removed in $(( $(date +%s) - t0 ))s"
