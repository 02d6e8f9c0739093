import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requirePreload } from './load';

const { startCpuShare, niceForPeers, slicePeers } = requirePreload('./cpu-share.cjs');

// The kernel's sched_prio_to_weight for nice 0..19.
const WEIGHT = [1024, 820, 655, 526, 423, 335, 272, 215, 172, 137, 110, 87, 70, 56, 45, 36, 29, 23, 18, 15];

const UNIFIED = '0::/system.slice/system-web.slice/web@2.service\n';
const HYBRID = '12:name=systemd:/system.slice/system-web.slice/web@2.service\n0::/system.slice/system-web.slice/web@2.service\n';

type Tree = Record<string, string[]>;
/** An fs whose directories are `tree` (directory -> entry names; cgroup.* are files) and whose files are `files`. */
function fakeFs(tree: Tree, files: Record<string, string | (() => string)> = {}) {
  const writes: string[] = [];
  const writeResults: (string | undefined)[] = [];
  return {
    writes,
    writeResults,
    readdirSync(dir: string) {
      const names = tree[dir];
      if (!names) throw Object.assign(new Error(`ENOENT ${dir}`), { code: 'ENOENT' });
      return names.map((name) => ({ name, isDirectory: () => !name.startsWith('cgroup.') }));
    },
    readFileSync(file: string) {
      const v = files[file];
      if (v === undefined) throw Object.assign(new Error(`ENOENT ${file}`), { code: 'ENOENT' });
      return typeof v === 'function' ? v() : v;
    },
    writeFileSync(file: string, data: string) {
      const code = writeResults.shift();
      if (code) throw Object.assign(new Error(code), { code });
      writes.push(`${file} ${data.trim()}`);
    },
  };
}

function fakeTimers() {
  const pending: { fn: () => void; ms: number }[] = [];
  return {
    pending,
    setTimeout: (fn: () => void, ms: number) => (pending.push({ fn, ms }), { unref() {} }),
    /** Runs the next timer; returns its delay. */
    next() {
      const t = pending.shift();
      if (!t) throw new Error('no timer pending');
      t.fn();
      return t.ms;
    },
  };
}

describe('niceForPeers', () => {
  it('gives the nice whose weight is nearest 1024 / n, so n instances weigh about one group', () => {
    expect([0, 1, 2, 3, 4, 6, 8, 16, 64, 1000].map(niceForPeers)).toEqual([0, 0, 3, 5, 6, 8, 9, 12, 19, 19]);
    for (let n = 2; n <= 40; n++) {
      const total = n * WEIGHT[niceForPeers(n)];
      // within one nice step (x1.25) of a single nice-0 group
      expect(total / 1024).toBeGreaterThan(0.8);
      expect(total / 1024).toBeLessThan(1.25);
    }
  });
});

describe('slicePeers', () => {
  const slice = '/sys/fs/cgroup/system.slice/system-web.slice';
  it('counts the running NAME@*.service directories beside this instance (cgroup v2)', () => {
    const fs = fakeFs({ [slice]: ['web@1.service', 'web@2.service', 'web@3.service', 'web-helper.service', 'cgroup.procs'] });
    expect(slicePeers(fs, UNIFIED)).toBe(3);
  });

  it('finds the tree at /sys/fs/cgroup/unified on the hybrid layout, and at name=systemd on v1 alone', () => {
    const hybrid = fakeFs({ '/sys/fs/cgroup/unified/system.slice/system-web.slice': ['web@1.service', 'web@2.service'] });
    expect(slicePeers(hybrid, HYBRID)).toBe(2);
    const v1 = fakeFs({ '/sys/fs/cgroup/systemd/system.slice/system-web.slice': ['web@2.service', 'web@4.service', 'web@9.service', 'web@7.service'] });
    expect(slicePeers(v1, '3:cpu:/\n1:name=systemd:/system.slice/system-web.slice/web@2.service\n')).toBe(4);
  });

  it('is undefined for a unit that is not a template instance, and when the tree is not where systemd puts it', () => {
    const fs = fakeFs({ '/sys/fs/cgroup/system.slice': ['web.service', 'other.service'] });
    expect(slicePeers(fs, '0::/system.slice/web.service\n')).toBeUndefined();
    expect(slicePeers(fakeFs({}), UNIFIED)).toBeUndefined();
    expect(slicePeers(fakeFs({}), '')).toBeUndefined();
    // a directory that does not hold this instance is another tree
    expect(slicePeers(fakeFs({ [slice]: ['web@1.service'] }), UNIFIED)).toBeUndefined();
  });
});

describe('startCpuShare', () => {
  const slice = '/sys/fs/cgroup/system.slice/system-web.slice';
  const files = (nice = 0) => ({ '/proc/self/autogroup': `/autogroup-77 nice ${nice}\n`, '/proc/self/cgroup': UNIFIED });

  it('writes the nice for the instances running, re-checks every 10 s and follows a scale', () => {
    const tree: Tree = { [slice]: ['web@1.service', 'web@2.service', 'web@3.service', 'web@4.service'] };
    const fs = fakeFs(tree, files());
    const timers = fakeTimers();
    const state = startCpuShare({ fs, timers });
    expect(fs.writes).toEqual([]); // nothing before the instances have all started
    expect(timers.next()).toBe(500);
    expect(fs.writes).toEqual(['/proc/self/autogroup 6']);
    expect(state).toMatchObject({ outcome: 'set', nice: 6 });
    expect(timers.next()).toBe(10000);
    expect(fs.writes).toHaveLength(1); // unchanged: not written again
    tree[slice].push('web@5.service', 'web@6.service');
    timers.next();
    expect(fs.writes.at(-1)).toBe('/proc/self/autogroup 8');
    tree[slice] = ['web@2.service'];
    timers.next();
    expect(fs.writes.at(-1)).toBe('/proc/self/autogroup 0');
    expect(timers.pending).toHaveLength(1);
  });

  it('retries after 100-300 ms when another process wrote an autogroup within the last 100 ms (EAGAIN)', () => {
    const fs = fakeFs({ [slice]: ['web@1.service', 'web@2.service'] }, files());
    fs.writeResults.push('EAGAIN', 'EAGAIN');
    const timers = fakeTimers();
    startCpuShare({ fs, timers, random: () => 0.5 });
    timers.next();
    expect(timers.next()).toBe(200);
    expect(timers.next()).toBe(200);
    expect(fs.writes).toEqual(['/proc/self/autogroup 3']);
  });

  it('stops on a refused write, on a kernel without autogrouping, on a nice someone else chose, and outside a template instance', () => {
    const denied = fakeFs({ [slice]: ['web@1.service', 'web@2.service'] }, files());
    denied.writeResults.push('EACCES');
    const t1 = fakeTimers();
    const s1 = startCpuShare({ fs: denied, timers: t1 });
    t1.next();
    expect(s1.outcome).toBe('denied');
    expect(t1.pending).toEqual([]);

    const t2 = fakeTimers();
    expect(startCpuShare({ fs: fakeFs({}), timers: t2 }).outcome).toBe('unsupported');
    expect(t2.pending).toEqual([]);

    const t3 = fakeTimers();
    const chosen = fakeFs({ [slice]: ['web@1.service', 'web@2.service'] }, files(5));
    expect(startCpuShare({ fs: chosen, timers: t3 }).outcome).toBe('left');
    expect(t3.pending).toEqual([]);

    const t4 = fakeTimers();
    const alone = fakeFs({ '/sys/fs/cgroup/system.slice': ['web.service'] }, { ...files(), '/proc/self/cgroup': '0::/system.slice/web.service\n' });
    const s4 = startCpuShare({ fs: alone, timers: t4 });
    t4.next();
    expect(s4.outcome).toBe('alone');
    expect(alone.writes).toEqual([]);
    expect(t4.pending).toEqual([]);
  });
});

// The real kernel: a child in a session of its own (as systemd starts a
// service) that believes it is web@2 of 4 sets its own autogroup's nice;
// this process's autogroup is untouched.
describe.skipIf(!existsSync('/proc/self/autogroup'))('startCpuShare on the real /proc/self/autogroup', () => {
  it("sets the nice of the child's own autogroup and nobody else's", async () => {
    const mine = readFileSync('/proc/self/autogroup', 'utf8');
    const module = join(__dirname, '../../../src/preload/cpu-share.cjs');
    const script = `
      const real = require('fs');
      const fs = { ...real,
        readFileSync: (f, e) => f === '/proc/self/cgroup' ? ${JSON.stringify(UNIFIED)} : real.readFileSync(f, e),
        readdirSync: () => ['web@1.service', 'web@2.service', 'web@3.service', 'web@4.service'].map((name) => ({ name, isDirectory: () => true })) };
      const s = require(${JSON.stringify(module)}).startCpuShare({ fs });
      setTimeout(() => { process.stdout.write(JSON.stringify(s)); setInterval(() => {}, 1000); }, 800);`;
    const child = spawn(process.execPath, ['-e', script], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const out = await new Promise<string>((resolve) => child.stdout.once('data', (d) => resolve(String(d))));
      expect(JSON.parse(out)).toEqual({ outcome: 'set', nice: 6 });
      expect(readFileSync(`/proc/${child.pid}/autogroup`, 'utf8')).toMatch(/^\/autogroup-\d+ nice 6\n$/);
      expect(readFileSync('/proc/self/autogroup', 'utf8')).toBe(mine);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
