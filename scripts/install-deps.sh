#!/usr/bin/env bash
# Installs what harden's lab, tests and demo need on a Debian 12 machine.
# Safe to run again: it only installs what is missing. Needs root.
#
# Services are never started in the machine's own namespace: a temporary
# policy-rc.d refuses every start during the install (sshd and haproxy run
# only inside lab namespaces). haproxy and openssl are for the gatekeeper lab
# tests and the demo (openssl makes the lab's private CA). chromium (headless)
# renders the HTML report in tests/report_browser.rs and scripts/screenshot.sh.
# sudo is for the lab test of a non-root ssh_user (configured only inside a
# lab host's overlay; the machine's own sudoers is left as installed).
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: run as root (the lab needs network and mount namespaces)" >&2
  exit 1
fi

need=()
for pair in sshd:openssh-server ssh:openssh-client nft:nftables haproxy:haproxy openssl:openssl cryptsetup:cryptsetup \
            ip:iproute2 nsenter:util-linux flock:util-linux ps:procps timeout:coreutils python3:python3 \
            /usr/bin/time:time /usr/bin/chromium:chromium sudo:sudo; do
  cmd=${pair%%:*} pkg=${pair#*:}
  if ! command -v "$cmd" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$cmd" ]; then need+=("$pkg"); fi
done
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)

if [ ${#need[@]} -gt 0 ]; then
  created_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    created_policy=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  if [ "$created_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
fi

# ssh-audit 3.9 (Debian's 2.5 is too old: no PQ or Terrapin checks).
if ! command -v ssh-audit >/dev/null 2>&1 || ! ssh-audit --help 2>&1 | grep -q 'v3\.9'; then
  python3 -m venv /opt/harden-tools
  /opt/harden-tools/bin/pip install -q --disable-pip-version-check ssh-audit==3.9.0
  ln -sf /opt/harden-tools/bin/ssh-audit /usr/local/bin/ssh-audit
fi
echo "install-deps: ok ($(sshd -V 2>&1 | head -n1), $(nft --version), $(haproxy -v 2>&1 | head -n1 | cut -d' ' -f1-3), $(openssl version | cut -d' ' -f1-2), ssh-audit $(ssh-audit --help 2>&1 | grep -o 'v3\.[0-9.]*' | head -n1))"
