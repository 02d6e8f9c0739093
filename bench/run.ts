/**
 * npm run bench — the whole benchmark in one invocation: every section in
 * turn (each in its own process and container, each holding the machine-wide
 * lock /tmp/nodeunit-e2e.lock only while it runs), all samples in ONE
 * results object, then ONE report with the verdict table (bench/report.ts):
 *
 *   pinned    issue 5: overhead, throughput, reload, kill, start, hang (servers on CPU 1)
 *   balance   issue 10: 4 instances free on all CPUs, shares / req/s / p99, 10 rounds
 *   nginx     issue 10: the same behind nginx, failures on reload and SIGKILL
 *   recovery  issue 10: SIGKILL → first answer vs pm2, crash loops, systemd 252 and 257
 *   start     issue 10: start-to-serving of hello and a Fastify app vs plain node
 *
 * Sections: first argument (`tsx bench/run.ts balance,nginx`), else
 * BENCH_SECTIONS, else all. Writes <out>/<date>.json (raw samples + machine)
 * and <date>.md, <date>-*.svg, <date>-readme.md; a run of some sections only
 * writes <date>-<sections>.* instead; an existing <base>.json or .md of the
 * same day is never overwritten (<base>-2.*, except in quick mode). Out: BENCH_OUT, else bench/results
 * (BENCH_QUICK=1: /tmp/nodeunit-bench).
 *
 * BENCH_QUICK=1: one round and short loads in every section (a smoke run).
 * BENCH_LOCK=0: take no lock (the caller holds it). Without it, a lock held
 * by an ancestor (e.g. `flock /tmp/nodeunit-e2e.lock npm run bench`) is
 * detected and not taken again.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { SECTIONS, type BenchRun, type SectionName } from './lib/types.js';
import { writeReport } from './report.js';
import { localDate } from './sections/common.js';

const LOCK = '/tmp/nodeunit-e2e.lock';
const QUICK = process.env.BENCH_QUICK === '1';
const OUT = process.env.BENCH_OUT ?? (QUICK ? '/tmp/nodeunit-bench' : resolve('bench/results'));
const t0 = Date.now();
const log = (msg: string) => console.log(`[bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)}s] ${msg}`);

function selectedSections(): SectionName[] {
  const spec = (process.argv[2] ?? process.env.BENCH_SECTIONS ?? '').trim();
  if (!spec || spec === 'all') return [...SECTIONS];
  const names = spec.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((n) => !SECTIONS.includes(n as SectionName));
  if (bad.length) {
    console.error(`unknown section(s) ${bad.join(', ')}: choose from ${SECTIONS.join(', ')}`);
    process.exit(2);
  }
  return SECTIONS.filter((s) => names.includes(s));
}

/** Whether a process above this one already holds LOCK (then taking it again would wait forever). */
function ancestorHoldsLock(): boolean {
  let ino: number;
  try {
    ino = statSync(LOCK).ino;
  } catch {
    return false;
  }
  const holders = readFileSync('/proc/locks', 'utf8')
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[1] === 'FLOCK' && Number(f[5]?.split(':')[2]) === ino)
    .map((f) => Number(f[4]));
  for (let pid = process.ppid; pid > 1; ) {
    if (holders.includes(pid)) return true;
    try {
      pid = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[1]);
    } catch {
      break;
    }
  }
  return false;
}

function runSection(name: SectionName, out: string, locked: boolean): Promise<number> {
  const tsx = resolve('node_modules/tsx/dist/cli.mjs');
  const argv = [process.execPath, tsx, resolve('bench/sections/child.ts'), name, out];
  const [cmd, ...args] = locked ? ['flock', LOCK, ...argv] : argv;
  const child = spawn(cmd, args, { stdio: 'inherit', env: { ...process.env, BENCH_SPAWNED_AT: String(Date.now()) } });
  const forward = (sig: NodeJS.Signals) => child.kill(sig);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((res) =>
    child.on('close', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      res(code ?? (signal ? 128 : 1));
    }),
  );
}

const sections = selectedSections();
const takeLock = process.env.BENCH_LOCK !== '0' && !ancestorHoldsLock();
const startedAt = new Date();
const loadAvgStart = os.loadavg();
log(
  `${QUICK ? 'QUICK mode' : 'full run'}: sections ${sections.join(', ')}; output to ${OUT}; ` +
    (takeLock ? `each section takes ${LOCK} while it runs` : `no lock taken per section (${process.env.BENCH_LOCK === '0' ? 'BENCH_LOCK=0' : 'a parent holds it'})`),
);
/** kernel.sched_autogroup_enabled: '1', '0', or 'absent' (a kernel without it); see src/preload/cpu-share.cjs. */
function autogroupSetting(): string {
  try {
    return readFileSync('/proc/sys/kernel/sched_autogroup_enabled', 'utf8').trim();
  } catch {
    return 'absent';
  }
}

const run: BenchRun = {
  format: 2,
  date: localDate(startedAt),
  startedAt: startedAt.toISOString(),
  durationSec: 0,
  quick: QUICK,
  note: 'Absolute numbers depend on what else this 2-core machine does (see the load averages); compare the ratios within one run.',
  sections,
  machine: {
    cpuModel: (readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1] ?? 'unknown').trim(),
    cores: os.cpus().length,
    kernel: os.release(),
    autogroup: autogroupSetting(),
    loadAvgStart,
    loadAvgEnd: [],
  },
  errors: {},
  timing: {},
};
const tmp = join(os.tmpdir(), `nodeunit-bench-${process.pid}`);
mkdirSync(tmp, { recursive: true });
try {
  for (const name of sections) {
    const file = join(tmp, `${name}.json`);
    log(`section ${name}: starting${takeLock ? ` (waiting for ${LOCK} if another run holds it)` : ''}`);
    const spawnedAt = Date.now();
    const code = await runSection(name, file, takeLock);
    const wallSec = Math.round((Date.now() - spawnedAt) / 1000);
    if (code !== 0) {
      run.errors[name] = `the section exited with code ${code}; see its output above`;
      log(`section ${name} FAILED (exit ${code}); going on with the next`);
      continue;
    }
    const { lockWaitSec, result } = JSON.parse(readFileSync(file, 'utf8')) as { lockWaitSec: number; result: unknown };
    (run as unknown as Record<string, unknown>)[name] = result;
    run.timing![name] = { wallSec, lockWaitSec };
    log(`section ${name} done after ${wallSec} s${lockWaitSec ? ` (${lockWaitSec} s of it waiting for the lock)` : ''}`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
run.machine.loadAvgEnd = os.loadavg();
run.durationSec = Math.round((Date.now() - t0) / 1000);
mkdirSync(OUT, { recursive: true });
let base = sections.length === SECTIONS.length ? run.date : `${run.date}-${sections.join('-')}`;
// Never overwrite earlier results of the same day (bench/results holds hand-written
// ones too, e.g. 2026-11-27.md and 2026-11-27-recovery.json): <base>-2, -3, ...
// A quick run (in /tmp by default) overwrites its previous one.
if (!QUICK) for (let n = 2, b = base; existsSync(join(OUT, `${base}.json`)) || existsSync(join(OUT, `${base}.md`)); n++) base = `${b}-${n}`;
const jsonPath = join(OUT, `${base}.json`);
writeFileSync(jsonPath, JSON.stringify(run) + '\n');
const written = await writeReport(run, OUT, base);
log(`wrote ${[jsonPath, ...written].join(', ')}`);
console.log(readFileSync(join(OUT, `${base}.md`), 'utf8'));
if (Object.keys(run.errors).length) process.exit(1);
