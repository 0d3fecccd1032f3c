#!/usr/bin/env bash
# Install the Debian packages of the given lists (default system-packages.txt), and python3-venv, that are
# missing. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
lists=("${@:-system-packages.txt}")
packages=$(cat "${lists[@]}" | grep -v '^\s*#' | grep -v '^\s*$')
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then packages="$packages python3-venv"; fi
missing=""
for p in $packages; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -z "$missing" ]; then echo "setup: Debian packages of ${lists[*]}: all present" >&2; exit 0; fi
sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "setup: installing Debian packages:$missing" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
