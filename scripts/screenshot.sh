#!/usr/bin/env bash
# Renders a local HTML file in headless Chromium: a PNG screenshot of an
# A4-shaped window (1240x1754 px, A4 at 150 dpi) and, when a third argument
# is given, a PDF printed on A4. Used by tests/report_browser.rs and to make
# docs/img/*.png. Nothing is fetched: the page is a local file, every
# background service of Chromium is off, and each run gets a fresh profile
# in a temporary directory that is removed afterwards. Bounded by `timeout`.
#
#   scripts/screenshot.sh IN.html OUT.png [OUT.pdf]
#
# CHROMIUM overrides the browser (default /usr/bin/chromium); SCREENSHOT_TIMEOUT
# the seconds each run may take (default 60).
set -euo pipefail

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: $0 IN.html OUT.png [OUT.pdf]" >&2
  exit 1
fi
in=$1 png=$2 pdf=${3:-}
browser=${CHROMIUM:-/usr/bin/chromium}
limit=${SCREENSHOT_TIMEOUT:-60}

if [ ! -x "$browser" ]; then
  echo "screenshot: $browser not found (scripts/install-deps.sh installs chromium)" >&2
  exit 1
fi
if [ ! -f "$in" ]; then
  echo "screenshot: $in is not a file" >&2
  exit 1
fi
abs() { case $1 in /*) printf '%s' "$1" ;; *) printf '%s/%s' "$PWD" "$1" ;; esac; }
url="file://$(abs "$in")"

profile=$(mktemp -d "${TMPDIR:-/tmp}/harden-chromium.XXXXXX")
trap 'rm -rf "$profile"' EXIT

run() {
  # Chromium may print GPU/dbus noise on stderr; keep it for errors only.
  if ! timeout --kill-after=5 "$limit" "$browser" --headless --no-sandbox --disable-gpu \
      --disable-quic --no-first-run --disable-background-networking \
      --disable-component-update --disable-sync --disable-extensions \
      --disable-default-apps --hide-scrollbars --mute-audio \
      --user-data-dir="$profile" "$@" "$url" >"$profile/log" 2>&1; then
    echo "screenshot: chromium failed or timed out after ${limit}s:" >&2
    tail -n 20 "$profile/log" >&2
    exit 1
  fi
}

run --window-size=1240,1754 --screenshot="$(abs "$png")"
[ -s "$png" ] || { echo "screenshot: no PNG written" >&2; exit 1; }
if [ -n "$pdf" ]; then
  run --print-to-pdf="$(abs "$pdf")" --no-pdf-header-footer
  [ -s "$pdf" ] || { echo "screenshot: no PDF written" >&2; exit 1; }
fi
