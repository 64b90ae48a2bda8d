#!/usr/bin/env bash
# Keys for the Vagrant estate (Vagrantfile, inventories/vagrant.toml).
#
# 1. keys/id_ed25519: the key a cloud provider would put into root's
#    authorized_keys when a VM is created. harden bootstraps with it.
#    Created once, never overwritten.
# 2. inventories/vagrant_known_hosts: each VM's ed25519 host key, read
#    with `vagrant ssh -c` over Vagrant's own channel, never fetched from
#    the network (no ssh-keyscan, no trust on first use).
#
# Run it before `vagrant up` (it creates the key) and again after (it
# collects the host keys). Needs ssh-keygen; step 2 needs vagrant.
set -euo pipefail
cd "$(dirname "$0")/.."

vms=(otc-db-1:192.168.56.11 otc-app-1:192.168.56.12 hz-gw-1:192.168.56.13)
out=inventories/vagrant_known_hosts

if [ ! -f keys/id_ed25519 ]; then
  mkdir -p keys
  chmod 700 keys
  ssh-keygen -q -t ed25519 -N '' -C harden-vagrant-bootstrap -f keys/id_ed25519
  echo "vagrant-keys: created keys/id_ed25519 (root's key on the VMs)"
fi

running() {
  vagrant status "$1" --machine-readable 2>/dev/null | grep -q ",state,running"
}

up=0
for vm in "${vms[@]}"; do
  if running "${vm%%:*}"; then up=$((up + 1)); fi
done
if [ "$up" -eq 0 ]; then
  echo "vagrant-keys: no VM is running; next: vagrant up, then run this script again"
  exit 0
fi

tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT
for vm in "${vms[@]}"; do
  name=${vm%%:*} addr=${vm#*:}
  if ! running "$name"; then
    echo "vagrant-keys: $name is not running (vagrant up $name)" >&2
    exit 1
  fi
  # vagrant ssh may end lines with CR; keep type and key, drop the comment.
  key=$(vagrant ssh "$name" -c 'cat /etc/ssh/ssh_host_ed25519_key.pub' 2>/dev/null | tr -d '\r' |
    awk '$1 == "ssh-ed25519" { print $1, $2; exit }')
  if [ -z "$key" ]; then
    echo "vagrant-keys: could not read the ed25519 host key of $name" >&2
    exit 1
  fi
  printf '%s %s\n' "$addr" "$key" >>"$tmp"
  printf 'vagrant-keys: %-10s %s\n' "$name" "$(printf '%s %s\n' "$addr" "$key" | ssh-keygen -lf - | awk '{print $2}')"
done
mv "$tmp" "$out"
trap - EXIT
echo "vagrant-keys: wrote $out"
