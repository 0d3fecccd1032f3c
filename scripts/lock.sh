#!/usr/bin/env bash
# Write the lock files from pyproject.toml: requirements.lock (what svs runs with: the Docker image) and
# requirements-dev.lock (that and the test and lint tools: make setup). Every version pinned, every file hashed;
# `pip install --require-hashes -r` installs exactly these, next month as today.
#   scripts/lock.sh              # keep the versions now pinned where pyproject.toml allows them
#   scripts/lock.sh --upgrade    # the newest versions the indexes hold
# uv resolves (in a throwaway virtualenv); the indexes are pip's own (pip config list).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
python3 -m venv "$tmp/venv" && "$tmp/venv/bin/pip" install -q uv
indexes=()
for url in $(python3 -m pip config get global.extra-index-url 2>/dev/null || true); do indexes+=(--extra-index-url "$url"); done
for dir in $(python3 -m pip config get global.find-links 2>/dev/null || true) ${PIP_FIND_LINKS:-}; do indexes+=(--find-links "$dir"); done
keep=()
if [ "${1:-}" != "--upgrade" ] && [ -f requirements-dev.lock ]; then
  grep -E '^[A-Za-z0-9_.-]+==' requirements-dev.lock | sed 's/ .*//' > "$tmp/pins.txt"
  keep=(-c "$tmp/pins.txt")
fi
for lock in requirements.lock requirements-dev.lock; do
  extra=(); [ "$lock" = requirements-dev.lock ] && extra=(--extra dev)
  { echo "# $lock: written by scripts/lock.sh from pyproject.toml; do not edit by hand"
    "$tmp/venv/bin/uv" pip compile pyproject.toml "${extra[@]}" "${keep[@]}" --generate-hashes --python-version 3.11 \
      --index-strategy unsafe-best-match --no-annotate --no-header "${indexes[@]}" -o - 2>/dev/null
  } > "$lock.new"
  mv "$lock.new" "$lock"
  echo "$lock: $(grep -cE '^[A-Za-z0-9_.-]+==' "$lock") packages" >&2
done
