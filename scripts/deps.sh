#!/usr/bin/env bash
# Installs the Debian packages owed needs to build and test, and only those that are missing.
# Usage: scripts/deps.sh [build|test|fuzz|bench]   (test, fuzz and bench include build)
set -euo pipefail

level=${1:-build}
build_pkgs=(gcc make cmake ninja-build pkg-config libsqlite3-dev sqlite3 libjansson-dev libpq-dev libxml2-dev libcurl4-openssl-dev libsodium-dev libmicrohttpd-dev libyaml-dev libhpdf-dev libqrencode-dev libxlsxwriter-dev fonts-dejavu-core)
test_pkgs=(libcmocka-dev python3 postgresql python3-aiosmtpd curl poppler-utils libxml2-utils)  # poppler-utils: pdftotext/pdftoppm read the PDFs back; libxml2-utils: xmllint validates UBL; postgresql: the throwaway server of tests/pg; aiosmtpd: the SMTP sink; curl: HTTP tests
# The browser tests (tests/browser) drive Debian's chromium with playwright-core from npm.
test_pkgs+=(chromium)
# Node: Debian's only when no node is on PATH, so that a newer one (nodesource, nvm) stays.
command -v node >/dev/null 2>&1 || test_pkgs+=(nodejs npm)
fuzz_pkgs=(clang libclang-rt-14-dev)
bench_pkgs=(time hyperfine jq procps postgresql wrk curl)

want=("${build_pkgs[@]}")
case $level in
build) ;;
test) want+=("${test_pkgs[@]}") ;;
fuzz) want+=("${test_pkgs[@]}" "${fuzz_pkgs[@]}") ;;
bench) want+=("${bench_pkgs[@]}") ;;
*) echo "usage: $0 [build|test|fuzz|bench]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "owed: installing missing Debian packages: ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "owed: need root or sudo to run apt-get" >&2; exit 1; }
    sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "owed: installed ${missing[*]}" >&2
