#!/bin/sh
# Installs tpsdemo: downloads the release archive for this machine, checks it against the
# release's SHA256SUMS, and puts the binary in $TPSDEMO_BIN (default ~/.local/bin).
#   curl -fsSL https://github.com/tpsdemo/tpsdemo/releases/latest/download/install.sh | sh
#   TPSDEMO_VERSION=v0.2.0 sh install.sh
set -eu
repo="${TPSDEMO_REPO:-tpsdemo/tpsdemo}"
version="${TPSDEMO_VERSION:-latest}"
bin_dir="${TPSDEMO_BIN:-$HOME/.local/bin}"

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) target=x86_64-unknown-linux-gnu ;;
  Linux-aarch64 | Linux-arm64) target=aarch64-unknown-linux-gnu ;;
  Darwin-x86_64) target=x86_64-apple-darwin ;;
  Darwin-arm64) target=aarch64-apple-darwin ;;
  *)
    echo "install.sh: no tpsdemo build for $(uname -s) $(uname -m); on Windows, download the .zip" >&2
    exit 1
    ;;
esac

if [ "$version" = latest ] && [ -z "${TPSDEMO_BASE_URL:-}" ]; then
  version="$(curl -fsSL "https://api.github.com/repos/${repo}/releases/latest" |
    sed -n 's/.*"tag_name": *"\([^"]*\)".*/\1/p' | head -1)"
fi
[ -n "$version" ] || { echo "install.sh: cannot find the latest release of ${repo}" >&2; exit 1; }

archive="tpsdemo-${version}-${target}.tar.gz"
# TPSDEMO_BASE_URL: a mirror holding the release's files (the tests serve one locally).
base="${TPSDEMO_BASE_URL:-https://github.com/${repo}/releases/download/${version}}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
curl -fsSL -o "${tmp}/${archive}" "${base}/${archive}"
curl -fsSL -o "${tmp}/SHA256SUMS" "${base}/SHA256SUMS"

want="$(grep " ${archive}\$" "${tmp}/SHA256SUMS" | cut -d' ' -f1)"
if command -v sha256sum >/dev/null 2>&1; then
  got="$(sha256sum "${tmp}/${archive}" | cut -d' ' -f1)"
else
  got="$(shasum -a 256 "${tmp}/${archive}" | cut -d' ' -f1)"
fi
if [ -z "$want" ] || [ "$want" != "$got" ]; then
  echo "install.sh: ${archive} does not match SHA256SUMS (want ${want:-none}, got ${got})" >&2
  exit 1
fi

tar -xzf "${tmp}/${archive}" -C "$tmp"
mkdir -p "$bin_dir"
mv "${tmp}/tpsdemo" "${bin_dir}/tpsdemo"
chmod +x "${bin_dir}/tpsdemo"
echo "tpsdemo ${version} installed in ${bin_dir}/tpsdemo"
case ":${PATH}:" in *":${bin_dir}:"*) ;; *) echo "add ${bin_dir} to your PATH" ;; esac
