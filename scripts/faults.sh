#!/bin/sh
# A counted fault campaign: runs the lab fault tests (tests/faults.rs:
# SIGKILL at each pause point of an apply, SIGTERM, a link cut during
# confirmation, concurrent applies, a killed maintenance open, an
# unwritable audit copy, a killed apply's lock) ROUNDS times, one test at
# a time, and sums what each test reports on its `faults:` line (harden
# runs, lock-outs, audit events recorded, events lost).
#
#   scripts/faults.sh [ROUNDS]        (default 3; needs root, like the lab)
#
# Exit 1 if any round failed, any lock-out happened or any event was lost.
set -eu
cd "$(dirname "$0")/.."
rounds=${1:-3}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
failed=0
i=1
while [ "$i" -le "$rounds" ]; do
  echo "== round $i of $rounds"
  if ! cargo test -q --test tests faults:: -- --test-threads=1 --nocapture >"$log" 2>&1; then
    failed=$((failed + 1))
    grep -E "panicked|FAILED" "$log" | head -20 || true
  fi
  # The test harness may print a test's name on the same line first.
  grep -o "faults: [a-z ]*: runs.*" "$log" || true
  grep -o "faults: [a-z ]*: runs.*" "$log" >>"${log}.all" || true
  i=$((i + 1))
done
awk -v rounds="$rounds" -v failed="$failed" '
  { for (k = 1; k <= NF; k++) {
      if ($k == "runs") runs += $(k+1) + 0;
      if ($k == "lock-outs") locks += $(k+1) + 0;
      if ($k == "events") events += $(k+1) + 0;
      if ($k == "lost") lost += $(k+1) + 0;
    } lines++ }
  END {
    printf "faults: %d round(s), %d failed, %d scenario reports, %d harden runs, %d lock-outs, %d events recorded, %d lost\n",
      rounds, failed, lines, runs, locks, events, lost;
    exit (failed > 0 || locks > 0 || lost > 0) ? 1 : 0
  }' "${log}.all"
status=$?
rm -f "${log}.all"
exit $status
