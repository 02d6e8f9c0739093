#!/usr/bin/env bash
# The README's test command: on a fresh Debian 12 machine, as root, it
# installs what the tests need, builds nodeunit and runs every test,
# including the end-to-end suite against real systemd containers.
#
#   sudo bash scripts/test.sh            # everything (e2e required)
#   NODEUNIT_E2E=auto bash scripts/test.sh   # skip e2e where root/nspawn are missing
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ] && [ "${NODEUNIT_E2E:-required}" = required ]; then
  echo "scripts/test.sh: the end-to-end tests boot systemd containers and need root; run it with sudo" >&2
  exit 1
fi

# OS packages: systemd-container (systemd-nspawn) and debootstrap for the
# e2e containers; systemd for systemd-analyze; a C compiler for the native
# helper; python3 for the helper's socket test; node and npm to start with
# (the build and tests then run on the node pinned in package.json).
packages=(systemd systemd-container debootstrap util-linux gcc libc6-dev python3 ca-certificates)
command -v npm >/dev/null || packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

npm ci --no-audit --no-fund
export NODEUNIT_E2E="${NODEUNIT_E2E:-required}"
npm test
