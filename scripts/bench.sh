#!/usr/bin/env bash
# Benchmark: wall time, CPU time and peak memory (max RSS of the harden
# process) of `harden drift` and of a no-op `harden apply` against 1, 10
# and 30 lab hosts, first with plain host keys, then with the SSH CA
# configured (every run then unlocks the CA and signs itself a
# certificate). Each figure is the median of RUNS (default 5) runs after
# one warm-up apply.
# CPU is user+sys in seconds: `cpu` of harden and the ssh clients it waits
# for (each ssh forks into the background as ControlMaster only after key
# exchange and authentication, so that work is counted; the master's
# later channel work is not), `host` of every lab host's sshd and all it
# started (the per-connection sshd, the probe shell and its commands:
# /proc/<sshd>/stat, children included). Wall time is only meaningful on
# an idle machine; CPU time much less so.
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

runs=${RUNS:-5}
hz=$(getconf CLK_TCK)
sshds=()

host_ticks() { # CPU ticks of the lab hosts' sshd and everything they reaped
  local t=0 p f
  for p in "${sshds[@]}"; do
    f=$(cat "/proc/$p/stat" 2>/dev/null) || continue
    f=${f##*) }
    set -- $f
    t=$((t + ${12} + ${13} + ${14} + ${15}))
  done
  echo "$t"
}

measure() { # ns inv args... -> "wall_s max_rss_kb cpu_s host_cpu_s" per run
  local ns=$1 inv=$2 h0 h1; shift 2
  for _ in $(seq "$runs"); do
    h0=$(host_ticks)
    /usr/bin/time -f '%e %M %U %S' -o /tmp/harden-bench.time \
      ip netns exec "$ns" ./target/release/harden -i "$inv" "$@" --no-progress >/dev/null 2>&1 || true
    sleep 0.5 # the per-connection sshd are reaped
    h1=$(host_ticks)
    awk -v h=$((h1 - h0)) -v hz="$hz" '{printf "%s %s %.2f %.2f\n", $1, $2, $3 + $4, h / hz}' /tmp/harden-bench.time
  done
}

col() { awk -v c="$1" '{print $c}' | median; }

row() { # label hosts ns inv
  local label=$1 n=$2 ns=$3 inv=$4
  ip netns exec "$ns" ./target/release/harden -i "$inv" apply --yes --jobs 32 --no-progress >/dev/null 2>&1
  local d a
  d=$(measure "$ns" "$inv" drift --jobs 32)
  a=$(measure "$ns" "$inv" apply --yes --jobs 32)
  printf '%-6s %-5s %-7s %-7s %-7s %-8s %-7s %-7s %-7s %-8s\n' "$label" "$n" \
    "$(col 1 <<<"$d")" "$(col 3 <<<"$d")" "$(col 4 <<<"$d")" "$(col 2 <<<"$d" | awk '{printf "%.1f", $1/1024}')" \
    "$(col 1 <<<"$a")" "$(col 3 <<<"$a")" "$(col 4 <<<"$a")" "$(col 2 <<<"$a" | awk '{printf "%.1f", $1/1024}')"
}

echo "median of $runs runs; seconds (wall, cpu = harden + its ssh, host = the hosts' sshd and probes), peak MiB of harden"
printf '%-6s %-5s %-7s %-7s %-7s %-8s %-7s %-7s %-7s %-8s\n' mode hosts d_wall d_cpu d_host d_MiB a_wall a_cpu a_host a_MiB
for n in "${counts[@]}"; do
  out=$(./target/release/harden-lab up --count "$n")
  lab=$(sed -n 's/^id=//p' <<<"$out")
  inv=$(sed -n 's/^inventory=//p' <<<"$out")
  ns=$(sed -n 's/^controller_ns=//p' <<<"$out")
  sshds=()
  for hns in $(ip netns list | awk '{print $1}' | grep -E "^$lab-[0-9]+$"); do
    for p in $(ip netns pids "$hns"); do
      [ "$(cat "/proc/$p/comm" 2>/dev/null)" = sshd ] && sshds+=("$p")
    done
  done
  row plain "$n" "$ns" "$inv"
  ca_inv="${inv%.toml}-ca.toml"
  { cat "$inv"; printf '\n[ca]\ndir = "ca"\n'; } > "$ca_inv"
  ./target/release/harden -i "$ca_inv" ca init >/dev/null 2>&1
  row ca "$n" "$ns" "$ca_inv"
  ./target/release/harden-lab down "$lab" >/dev/null
  lab=""
done
