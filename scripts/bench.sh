#!/usr/bin/env bash
# Benchmark: wall time and peak memory (max RSS of the harden process) of
# `harden drift` and of a no-op `harden apply` against 1, 10 and 30 lab
# hosts, first with plain host keys, then with the SSH CA configured
# (every run then unlocks the CA and signs itself a certificate). Each
# figure is the median of three runs after one warm-up apply.
# Lab hosts share this machine's CPUs with harden: every sshd and probe
# runs here too, so the figures are an upper bound for a real estate.
# Usage: sudo ./scripts/bench.sh [COUNTS...]   (default: 1 10 30)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh >/dev/null
. ./scripts/cargo-env.sh
cargo build --release --locked --bins 2>/dev/null
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(1 10 30)
lab=""
cleanup() { if [ -n "$lab" ]; then ./target/release/harden-lab down "$lab" >/dev/null; fi; }
trap cleanup EXIT
export HARDEN_CA_PASSPHRASE="bench passphrase"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

measure() { # ns inv args... -> "wall_s max_rss_kb" per run, three runs
  local ns=$1 inv=$2; shift 2
  for _ in 1 2 3; do
    /usr/bin/time -f '%e %M' -o /tmp/harden-bench.time \
      ip netns exec "$ns" ./target/release/harden -i "$inv" "$@" --no-progress >/dev/null 2>&1 || true
    cat /tmp/harden-bench.time
  done
}

row() { # label hosts ns inv
  local label=$1 n=$2 ns=$3 inv=$4
  ip netns exec "$ns" ./target/release/harden -i "$inv" apply --yes --jobs 32 --no-progress >/dev/null 2>&1
  local d a
  d=$(measure "$ns" "$inv" drift --jobs 32)
  a=$(measure "$ns" "$inv" apply --yes --jobs 32)
  printf '%-8s %-6s %-14s %-16s %-14s %-16s\n' "$label" "$n" \
    "$(awk '{print $1}' <<<"$d" | median)" "$(awk '{print $2}' <<<"$d" | median | awk '{printf "%.1f", $1/1024}')" \
    "$(awk '{print $1}' <<<"$a" | median)" "$(awk '{print $2}' <<<"$a" | median | awk '{printf "%.1f", $1/1024}')"
}

printf '%-8s %-6s %-14s %-16s %-14s %-16s\n' mode hosts drift_wall_s drift_peak_MiB apply_wall_s apply_peak_MiB
for n in "${counts[@]}"; do
  out=$(./target/release/harden-lab up --count "$n")
  lab=$(sed -n 's/^id=//p' <<<"$out")
  inv=$(sed -n 's/^inventory=//p' <<<"$out")
  ns=$(sed -n 's/^controller_ns=//p' <<<"$out")
  row plain "$n" "$ns" "$inv"
  ca_inv="${inv%.toml}-ca.toml"
  { cat "$inv"; printf '\n[ca]\ndir = "ca"\n'; } > "$ca_inv"
  ./target/release/harden -i "$ca_inv" ca init >/dev/null 2>&1
  row ca "$n" "$ns" "$ca_inv"
  ./target/release/harden-lab down "$lab" >/dev/null
  lab=""
done
