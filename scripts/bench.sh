#!/usr/bin/env bash
# Benchmark: wall time and peak memory (max RSS of the harden process) of
# `harden drift` and of a no-op `harden apply` against 1, 10 and 30 lab
# hosts. Each figure is the median of three runs after one warm-up apply.
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

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

measure() { # ns inv args... -> "wall_s max_rss_kb" per run, three runs
  local ns=$1 inv=$2; shift 2
  for _ in 1 2 3; do
    /usr/bin/time -f '%e %M' -o /tmp/harden-bench.time \
      ip netns exec "$ns" ./target/release/harden -i "$inv" "$@" --no-progress >/dev/null 2>&1 || true
    cat /tmp/harden-bench.time
  done
}

printf '%-6s %-14s %-16s %-14s %-16s\n' hosts drift_wall_s drift_peak_MiB apply_wall_s apply_peak_MiB
for n in "${counts[@]}"; do
  out=$(./target/release/harden-lab up --count "$n")
  lab=$(sed -n 's/^id=//p' <<<"$out")
  inv=$(sed -n 's/^inventory=//p' <<<"$out")
  ns=$(sed -n 's/^controller_ns=//p' <<<"$out")
  ip netns exec "$ns" ./target/release/harden -i "$inv" apply --yes --jobs 32 --no-progress >/dev/null 2>&1
  d=$(measure "$ns" "$inv" drift --jobs 32)
  a=$(measure "$ns" "$inv" apply --yes --jobs 32)
  dw=$(awk '{print $1}' <<<"$d" | median); dm=$(awk '{print $2}' <<<"$d" | median)
  aw=$(awk '{print $1}' <<<"$a" | median); am=$(awk '{print $2}' <<<"$a" | median)
  printf '%-6s %-14s %-16s %-14s %-16s\n' "$n" "$dw" "$(awk -v k="$dm" 'BEGIN{printf "%.1f", k/1024}')" "$aw" "$(awk -v k="$am" 'BEGIN{printf "%.1f", k/1024}')"
  ./target/release/harden-lab down "$lab" >/dev/null
  lab=""
done
