#!/usr/bin/env bash
# Builds harden_<version>_<arch>.deb with dpkg-deb (no other tool): the
# binary, harden(1), bash/zsh/fish completions and the docs, then checks
# the package's listing (dpkg-deb -c) and fails when any of them is missing.
#   scripts/package-deb.sh [BINARY] [OUTDIR]
# BINARY defaults to target/release/harden (build it first: cargo build
# --release --locked); OUTDIR to target/deb. Prints the .deb's path.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/harden}
out=${2:-target/deb}
[ -x "$bin" ] || { echo "package-deb: no binary at $bin" >&2; exit 1; }
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
arch=$(dpkg --print-architecture)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
install -D -m 0755 "$bin" "$root/usr/bin/harden"
strip "$root/usr/bin/harden" 2>/dev/null || true
mkdir -p "$root/usr/share/man/man1" "$root/usr/share/bash-completion/completions" \
  "$root/usr/share/zsh/vendor-completions" "$root/usr/share/fish/vendor_completions.d" \
  "$root/usr/share/doc/harden" "$root/DEBIAN"
"$bin" man | gzip -9n > "$root/usr/share/man/man1/harden.1.gz"
"$bin" completions bash > "$root/usr/share/bash-completion/completions/harden"
"$bin" completions zsh > "$root/usr/share/zsh/vendor-completions/_harden"
"$bin" completions fish > "$root/usr/share/fish/vendor_completions.d/harden.fish"
cp README.md docs/*.md "$root/usr/share/doc/harden/"
cp -r inventories "$root/usr/share/doc/harden/examples"
size=$(du -sk "$root" | cut -f1)
# harden runs ssh (openssh-client) from the controller; nftables, sshd and
# cryptsetup are on the managed hosts, not here.
cat > "$root/DEBIAN/control" <<CTL
Package: harden
Version: $version
Architecture: $arch
Maintainer: harden maintainers <harden@localhost>
Installed-Size: $size
Depends: openssh-client
Section: admin
Priority: optional
Description: makes GDPR Art. 32 security measures true on servers
 harden renders and applies nftables, sshd with SSH certificates, accounts,
 an HAProxy gatekeeper, LUKS checks, password policy and the providers'
 firewalls to hosts over SSH, and reports drift nightly.
CTL
mkdir -p "$out"
deb="$out/harden_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zgzip --build "$root" "$deb" >/dev/null
listing=$(dpkg-deb -c "$deb")
for f in ./usr/bin/harden ./usr/share/man/man1/harden.1.gz \
  ./usr/share/bash-completion/completions/harden ./usr/share/zsh/vendor-completions/_harden \
  ./usr/share/fish/vendor_completions.d/harden.fish ./usr/share/doc/harden/cli.md; do
  grep -q " $f\$" <<<"$listing" || { echo "package-deb: $deb lacks $f" >&2; exit 1; }
done
echo "$deb"
