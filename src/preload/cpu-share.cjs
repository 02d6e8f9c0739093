'use strict';
/**
 * One app, one share of the CPU, however many instances it runs.
 *
 * With the kernel's autogrouping (sched(7), "The autogroup feature";
 * kernel.sched_autogroup_enabled=1, the mainline default; Debian's kernels
 * ship it off, and then this changes nothing) the scheduler divides
 * CPU time between sessions first, and systemd starts every service in a
 * session of its own (setsid(2), systemd.exec(5)). The N instances of an app
 * (NAME@1..N.service) are therefore N groups and, when the CPUs are busy,
 * outweigh a local proxy, a database or a load generator N to 1, while one
 * service, or pm2's daemon and workers in one session, weighs 1. (Measured:
 * autocannon sharing 2 CPUs with 4 instances got 0.79-0.84x of the req/s it
 * got from pm2's cluster; with autogrouping off 0.76-1.04x; with this
 * 1.01-1.04x: bench/README.md.) systemd's own model
 * already counts the app once: template instances sit in system-NAME.slice,
 * which gets one CPUWeight= when the cpu controller is on, and then
 * autogrouping does not apply at all (autogroups form only in the root CPU
 * cgroup; sched(7), "Group scheduling"). This sets the
 * autogroup's nice value (/proc/self/autogroup) so that the weights of the
 * N running instances add up to about one nice-0 group.
 *
 * niceForPeers(n): the nice value whose weight (the kernel's
 * sched_prio_to_weight) is nearest, as a ratio, to 1024 / n:
 *   n <= 1 -> 0; 2 -> 3; 3 -> 5; 4 -> 6; 6 -> 8; 8 -> 9; 16 -> 12; from 64 on -> 19
 *
 * slicePeers(fs, cgroupText): how many instances of this app run now, from
 * the cgroup tree systemd keeps (one directory per running unit):
 *   - this process is in ".../NAME@I.service" (a template instance)
 *       -> the NAME@*.service directories beside it, at least 1
 *   - not a template instance (a handwritten unit, a shell) -> undefined
 *   - no cgroup path readable, or the tree not mounted where systemd puts it
 *     (/sys/fs/cgroup, /sys/fs/cgroup/unified, /sys/fs/cgroup/systemd) -> undefined
 *
 * startCpuShare({ fs, timers, random }) reads /proc/self/autogroup and
 * /proc/self/cgroup (once: a unit's cgroup does not change) and then,
 * after 0.5 s (the instances start together) and every 10 s (scale, a crashed
 * instance), writes the nice value for the instances running. Outcomes:
 *   - no /proc/self/autogroup (a kernel without CONFIG_SCHED_AUTOGROUP)
 *                                    -> 'unsupported': nothing more
 *   - the autogroup's nice is not 0 at start -> 'left': someone chose it; nothing more
 *   - slicePeers undefined           -> 'alone': nothing more (nothing to share with)
 *   - the wanted value is already set -> nothing written
 *   - written                        -> 'set' (the value is in .nice)
 *   - EAGAIN: an unprivileged process may write one autogroup per 100 ms on
 *     the whole host (kernel/sched/autogroup.c), and the instances start
 *     together                        -> retried after 100–300 ms
 *   - any other error (EPERM, EACCES, EROFS) -> 'denied': nothing more
 * NODEUNIT_CPU_SHARE=0 in the unit's environment turns this off (settings.cjs):
 * each instance then weighs as a service of its own, as before.
 * Only the autogroup's weight against other sessions changes: the instances'
 * own nice, and an idle CPU's availability to any of them, stay as they were.
 * The timers are unref'd: they never keep the app alive.
 */

// sched_prio_to_weight[20 + nice] for nice 0..19 (kernel/sched/core.c).
const WEIGHTS = [1024, 820, 655, 526, 423, 335, 272, 215, 172, 137, 110, 87, 70, 56, 45, 36, 29, 23, 18, 15];
const AUTOGROUP = '/proc/self/autogroup';
const FIRST_MS = 500;
const EVERY_MS = 10000;

function niceForPeers(n) {
  if (!(n > 1)) return 0;
  const target = Math.log(1024 / n);
  let best = 0;
  for (let nice = 1; nice < WEIGHTS.length; nice++) {
    if (Math.abs(Math.log(WEIGHTS[nice]) - target) < Math.abs(Math.log(WEIGHTS[best]) - target)) best = nice;
  }
  return best;
}

/** The unit's cgroup path: the unified line ("0::/…"), else the name=systemd one. */
function cgroupPaths(cgroupText) {
  const lines = cgroupText.split('\n');
  const unified = lines.find((l) => l.startsWith('0::'));
  const named = lines.find((l) => /^\d+:name=systemd:/.test(l));
  const out = [];
  if (unified) {
    const p = unified.slice(3);
    out.push(['/sys/fs/cgroup', p], ['/sys/fs/cgroup/unified', p]);
  }
  if (named) out.push(['/sys/fs/cgroup/systemd', named.replace(/^\d+:name=systemd:/, '')]);
  return out;
}

function slicePeers(fs, cgroupText) {
  for (const [root, path] of cgroupPaths(cgroupText)) {
    const slash = path.lastIndexOf('/');
    const leaf = path.slice(slash + 1);
    const m = /^(.+@)[^/@]*\.service$/.exec(leaf);
    if (!m) return undefined;
    try {
      const siblings = fs.readdirSync(root + path.slice(0, slash), { withFileTypes: true });
      if (!siblings.some((d) => d.name === leaf)) continue; // not this tree: our own directory is missing
      const n = siblings.filter((d) => d.isDirectory() && d.name.startsWith(m[1]) && d.name.endsWith('.service')).length;
      return Math.max(1, n);
    } catch {
      // not mounted here; try the next place
    }
  }
  return undefined;
}

/** The autogroup's nice value; undefined without /proc/self/autogroup. */
function readNice(fs) {
  try {
    const m = / nice (-?\d+)/.exec(fs.readFileSync(AUTOGROUP, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

function startCpuShare({ fs, timers = globalThis, random = Math.random }) {
  const nice = readNice(fs);
  if (nice === undefined) return { outcome: 'unsupported', nice };
  if (nice !== 0) return { outcome: 'left', nice };
  const state = { outcome: 'waiting', nice };
  // A unit's cgroup is fixed for its life: read once, its siblings at each check.
  let cgroup = '';
  try {
    cgroup = fs.readFileSync('/proc/self/cgroup', 'utf8');
  } catch {
    // no cgroup: not an instance of anything
  }
  const later = (fn, ms) => {
    const t = timers.setTimeout(fn, ms);
    if (t && typeof t.unref === 'function') t.unref();
  };
  const check = () => {
    const peers = slicePeers(fs, cgroup);
    if (peers === undefined) {
      if (state.outcome === 'waiting') state.outcome = 'alone';
      return undefined;
    }
    const wanted = niceForPeers(peers);
    if (wanted === state.nice) return later(check, EVERY_MS);
    try {
      fs.writeFileSync(AUTOGROUP, `${wanted}\n`);
      state.nice = wanted;
      state.outcome = 'set';
      later(check, EVERY_MS);
    } catch (err) {
      if (err && err.code === 'EAGAIN') later(check, 100 + Math.floor(random() * 200));
      else state.outcome = 'denied';
    }
  };
  later(check, FIRST_MS);
  return state;
}

module.exports = { startCpuShare, niceForPeers, slicePeers };
