#!/usr/bin/env bash
# The README's first command: on a fresh Debian 12 machine, as root, it
# installs what it needs, builds the .deb and shows nodeunit at work in a
# throwaway systemd container (npm run demo), which it removes at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "scripts/demo.sh: the demo boots a systemd container and needs root; run it with sudo" >&2
  exit 1
fi
bash scripts/install-deps.sh
npm run --silent demo
