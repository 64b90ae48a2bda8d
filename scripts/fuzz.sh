#!/bin/sh
# Long fuzz runs of inventory loading.
#
#   scripts/fuzz.sh [SECONDS] [ITERATIONS] [SEED]
#
# Runs examples/fuzz_inventory.rs (the generator of tests/fuzz.rs) for
# SECONDS (default 180) or ITERATIONS inputs, whichever comes first, then
# `harden check` on large inputs (1 MB single lines, 10 MB files, an
# oversized file), each under /usr/bin/time. Prints inputs run, panics,
# unlocated diagnostics, the worst time and the peak RSS. Failing inputs are
# saved to target/fuzz-failures/. Exit 1 if any property failed.
# PROFILE=dev runs unoptimised builds (no release build needed).
set -eu
cd "$(dirname "$0")/.."
secs=${1:-180}
iters=${2:-1000000000}
seed=${3:-22282247}
profile=${PROFILE:-release}
if [ "$profile" = release ]; then flag=--release; dir=release; else flag=; dir=debug; fi
cargo build -q $flag --example fuzz_inventory --bin harden
bin=target/$dir
out=target/fuzz-failures
status=0

echo "== generated inputs ($secs s or $iters inputs, seed $seed, $profile)"
/usr/bin/time -f "fuzz_inventory: %e s wall, %M kB peak RSS" \
  "$bin/examples/fuzz_inventory" --seconds "$secs" --iterations "$iters" --seed "$seed" --save "$out" || status=1

echo "== large inputs through harden check"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
head='[defaults]
controller_sources = ["10.213.0.2"]
known_hosts = "known_hosts"'
python3 - "$work" "$head" <<'PY'
import sys, random
d, head = sys.argv[1], sys.argv[2] + "\n"
random.seed(7)
w = lambda n, b: open(f"{d}/{n}", "wb").write(b)
w("line-1m.toml", (head + "x = " + '@"' * 500000 + "\n").encode())
w("soup-1m.toml", head.encode() + bytes(random.choice(b"abc=[]{}\"'.,#\\ 1\n") for _ in range(1 << 20)))
hosts, n, i = [head], len(head), 0
while n < 10 * 1024 * 1024 - 200:
    x = f'[[hosts]]\nname = "h{i}"\naddress = "10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}"\n'
    hosts.append(x); n += len(x); i += 1
w("hosts-10m.toml", "".join(hosts).encode())
w("eq-10m.toml", b"=" * 16000 + b"\n" * 1 + (b"=" * 16000 + b"\n") * 650)
w("over-10m.toml", (head + "#\n" * (5 << 20)).encode())
PY
for f in line-1m soup-1m hosts-10m eq-10m over-10m; do
  /usr/bin/time -f "%e %M" -o "$work/$f.time" "$bin/harden" -i "$work/$f.toml" check \
    >/dev/null 2>"$work/$f.err" || true
  lines=$(grep -c 'error\[' "$work/$f.err" || true)
  unloc=$(grep 'error\[' "$work/$f.err" | grep -vc "$f.toml:[0-9]*:[0-9]*:" || true)
  # time -o puts "Command exited with non-zero status 1" first.
  read -r t m <<EOF
$(tail -n 1 "$work/$f.time")
EOF
  echo "$f: $(wc -c <"$work/$f.toml") bytes in, $(wc -c <"$work/$f.err") bytes stderr, $lines errors shown, $unloc unlocated, ${t}s, ${m} kB peak RSS"
  [ "$unloc" = 0 ] || status=1
  grep -q "panicked" "$work/$f.err" && { echo "$f: PANIC"; status=1; }
done
exit $status
