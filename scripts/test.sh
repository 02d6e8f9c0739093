#!/usr/bin/env bash
# The README's test command: on a fresh Debian 12 machine, as root, it
# installs what the tests need, builds nodeunit and runs every test,
# including the end-to-end suites against real systemd containers.
#
#   sudo bash scripts/test.sh                 # everything; e2e required
#   NODEUNIT_E2E=auto bash scripts/test.sh    # skip e2e where root or nspawn are missing
#   NODEUNIT_TEST_LEGS="default bullseye-v2" bash scripts/test.sh   # some legs only
#
# The e2e matrix runs in legs. "default" is every test, the e2e suites on
# trixie with cgroup v2 (Debian 13, systemd 257); each other leg runs the
# harness smoke test (which checks the systemd version and the cgroup
# layout) and the launcher, enable and package suites again with
# NODEUNIT_E2E_DISTRO set
# (test/e2e/harness/platform.ts): bookworm and bullseye with cgroup v2
# (systemd 252 and 247) and bookworm on the hybrid layout of older hosts.
# The leg "arm64" (not run unless named in NODEUNIT_TEST_LEGS) runs
# test/e2e/arm64.test.ts: an arm64 trixie booted through qemu-user.
# A failed leg does not stop the others; the run fails if any leg failed,
# and ends with a table of the time each leg took.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ] && [ "${NODEUNIT_E2E:-required}" = required ]; then
  echo "scripts/test.sh: the end-to-end tests boot systemd containers and need root; run it with sudo" >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then bash scripts/install-deps.sh; else npm ci --no-audit --no-fund; fi
export NODEUNIT_E2E="${NODEUNIT_E2E:-required}"

LEG_SUITES=(test/e2e/container.test.ts test/e2e/launcher.test.ts test/e2e/enable.test.ts test/e2e/package.test.ts)
legs=(${NODEUNIT_TEST_LEGS:-default bookworm-v2 bullseye-v2 bookworm-hybrid})
names=() times=() results=()
failed=0
run_leg() {
  local leg=$1 start=$SECONDS status=passed
  echo
  echo "=== leg: $leg ==="
  if [ "$leg" = default ]; then
    npm test || status=FAILED
  elif [ "$leg" = arm64 ]; then
    NODEUNIT_E2E_ARM64=1 npx vitest run test/e2e/arm64.test.ts || status=FAILED
  else
    NODEUNIT_E2E_DISTRO=$leg npx vitest run "${LEG_SUITES[@]}" || status=FAILED
  fi
  [ "$status" = passed ] || failed=1
  names+=("$leg") times+=($((SECONDS - start))) results+=("$status")
}
total_start=$SECONDS
npx tsx build/build.ts --if-stale
for leg in "${legs[@]}"; do run_leg "$leg"; done

echo
echo "=== time per leg ==="
printf '%-18s %-8s %s\n' LEG RESULT TIME
for i in "${!names[@]}"; do
  printf '%-18s %-8s %dm%02ds\n' "${names[$i]}" "${results[$i]}" $((times[i] / 60)) $((times[i] % 60))
done
total=$((SECONDS - total_start))
printf '%-18s %-8s %dm%02ds\n' total "$([ $failed = 0 ] && echo passed || echo FAILED)" $((total / 60)) $((total % 60))
exit $failed
