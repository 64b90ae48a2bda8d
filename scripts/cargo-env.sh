# Sourced by the scripts: puts cargo on PATH under sudo too (rustup installs
# into ~/.cargo/bin of root or of the user who ran sudo).
for d in "$HOME/.cargo/bin" /root/.cargo/bin ${SUDO_USER:+"$(getent passwd "$SUDO_USER" | cut -d: -f6)/.cargo/bin"}; do
  if [ -x "$d/cargo" ]; then PATH="$d:$PATH"; export PATH; break; fi
done
if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo not found: install Rust 1.85 or newer with rustup (https://rustup.rs), default profile" >&2
  exit 1
fi
