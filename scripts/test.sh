#!/usr/bin/env bash
# The README's test command: on a fresh Debian 12 machine, as root, it
# installs what the tests need, builds nodeunit and runs every test,
# including the end-to-end suites against real systemd containers.
#
#   sudo bash scripts/test.sh                 # everything; e2e required
#   NODEUNIT_E2E=auto bash scripts/test.sh    # skip e2e where root or nspawn are missing
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ] && [ "${NODEUNIT_E2E:-required}" = required ]; then
  echo "scripts/test.sh: the end-to-end tests boot systemd containers and need root; run it with sudo" >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then bash scripts/install-deps.sh; else npm ci --no-audit --no-fund; fi
export NODEUNIT_E2E="${NODEUNIT_E2E:-required}"
npm test
