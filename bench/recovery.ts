/**
 * npm run bench:recovery — how fast a crashed instance serves again, and how
 * a crash loop backs off, under the units `nodeunit enable` writes (issue 10).
 *
 *   1. SIGKILL of a lone instance under keep-alive load (10 connections):
 *      ms from the kill until the replacement's first answer, nodeunit
 *      (shared socket, ×1) vs `pm2 start -i 1`, alternating, ROUNDS rounds.
 *   2. A crash loop: an app that exits 1 as soon as it starts, under the
 *      generated unit; the time of every start and the gap before it, from
 *      the journal, until systemd gives up (start limit) or WINDOW_SEC.
 *
 * Runs on Debian 12 (systemd 252: fixed RestartSec=, the start limit ends the
 * loop) and, when BENCH_TRIXIE_ROOT names a debootstrapped Debian 13 root
 * (systemd 257: RestartSteps= backoff), there too; the harness boots only
 * bookworm images, so that root is booted in place from a copy.
 * BENCH_DISTROS=bookworm or =trixie runs one of them only.
 * Writes <out>/<date>-recovery.json and prints a table.
 */
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { renderApp, unitsToEnable, type AppSpec } from '../src/units/index.js';
import { bootWithNodeunit, LTS_NODE } from '../test/e2e/harness/nodeunit.js';
import type { Container } from '../test/e2e/harness/container.js';
import { killWithInflight, Pm2Contender } from './lib/contenders.js';
import { firstNewAnswer, load } from './lib/load-run.js';
import { quantile } from './lib/stats.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WINDOW_SEC = Number(process.env.BENCH_CRASH_WINDOW ?? 40);
const OUT = process.env.BENCH_OUT ?? resolve('bench/results');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (m: string) => console.log(`[recovery] ${m}`);

function spec(name: string, script: string, port: number, systemdVersion: number): AppSpec {
  return {
    name,
    script,
    instances: 1,
    ports: [{ port }],
    user: { kind: 'dynamic' },
    cwd: '/opt/bench/apps',
    env: [['PORT', String(port)]],
    node: LTS_NODE,
    nodeOptions: [],
    watchdogSec: 30,
    ready: 'listen',
    drainTimeoutSec: 10,
    balance: 'shared',
    harden: true,
    nodeunitPath: '/usr/bin/nodeunit',
    systemdVersion,
  };
}

async function install(c: Container, s: AppSpec) {
  for (const f of renderApp(s)) await c.writeFile(`/etc/systemd/system/${f.path}`, f.content);
  await c.exec(['systemctl', 'daemon-reload']);
}

async function mainPid(c: Container, unit: string): Promise<number> {
  return Number((await c.exec(['systemctl', 'show', '--property=MainPID', '--value', unit])).stdout.trim());
}

async function until(check: () => Promise<boolean>, ms: number) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

interface KillRow {
  tool: string;
  round: number;
  recoverMs: number | null;
  refused: number;
}

async function kills(c: Container, systemdVersion: number, port: number): Promise<KillRow[]> {
  const nu = spec('rec', '/opt/bench/apps/app.js', port, systemdVersion);
  await install(c, nu);
  await c.exec(['systemctl', 'enable', '--now', ...unitsToEnable(nu)]);
  const pm = new Pm2Contender(c, { id: 'recpm2', label: 'pm2 -i 1', tool: 'pm2', instances: 1, port: port + 1 });
  await pm.start();
  const rows: KillRow[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const tool of round % 2 === 0 ? ['nodeunit', 'pm2'] : ['pm2', 'nodeunit']) {
      const p = tool === 'pm2' ? pm.port : port;
      const pidOf = async () => (tool === 'pm2' ? (await pm.pids())[0] ?? 0 : mainPid(c, 'rec@1.service'));
      await c.exec(['systemctl', 'reset-failed', 'rec@1.service']);
      if (!(await until(async () => (await pidOf()) > 0, 10_000))) throw new Error(`${tool} is not up`);
      const before = await pidOf();
      const l = load({ url: `http://127.0.0.1:${p}/`, connections: 10, duration: 30 });
      await sleep(1000);
      const { at } = await killWithInflight(c, p, before);
      await until(async () => {
        const now = await pidOf();
        return now > 0 && now !== before;
      }, 10_000);
      await sleep(700);
      l.stop();
      const r = await l.done;
      const row = { tool, round, recoverMs: firstNewAnswer(r, [before], at), refused: r.codes.ECONNREFUSED ?? 0 };
      rows.push(row);
      log(`systemd ${systemdVersion} round ${round + 1} ${tool.padEnd(8)} serving again after ${row.recoverMs ?? '-'} ms, refused ${row.refused}`);
    }
  }
  await pm.kill();
  await c.exec(['systemctl', 'disable', '--now', ...unitsToEnable(nu)]);
  return rows;
}

interface CrashLoop {
  /** s since the first start, of every start of the process. */
  starts: number[];
  gaveUp: boolean;
  gaveUpAtSec: number | null;
  windowSec: number;
  /** ActiveState and Result at the end, and systemd's last words about the unit. */
  finalState: string;
  lastMessages: string[];
}

async function crashLoop(c: Container, systemdVersion: number, port: number): Promise<CrashLoop> {
  await c.exec(['mkdir', '-p', '/opt/crash']);
  await c.writeFile('/opt/crash/crash.js', 'process.exit(1);\n');
  const s = { ...spec('crash', '/opt/crash/crash.js', port, systemdVersion), cwd: '/opt/crash' };
  await install(c, s);
  const t0 = Date.now();
  await c.exec(['systemctl', 'start', '--no-block', 'crash@1.service']);
  let gaveUp = false;
  let finalState = '';
  while (Date.now() - t0 < WINDOW_SEC * 1000) {
    const r = await c.exec(['systemctl', 'show', '--property=ActiveState', '--property=Result', 'crash@1.service']);
    finalState = r.stdout.trim().replace(/\n/g, ' ');
    // With Restart=on-failure a unit stays failed only when the start limit
    // refused the next start (252 keeps Result=exit-code; newer say start-limit-hit).
    if (/^ActiveState=failed$/m.test(r.stdout)) {
      gaveUp = true;
      break;
    }
    await sleep(200);
  }
  await c.exec(['systemctl', 'stop', 'crash@1.service', 'crash-' + port + '.socket']);
  // Every exec of the main process: systemd logs "Starting"/"Started" per job, but
  // the process' own start is what the clock is about: _PID changes per start.
  const j = await c.exec(['journalctl', '-u', 'crash@1.service', '-o', 'json', '--output-fields=MESSAGE,_PID,CODE_FUNC,JOB_TYPE,JOB_RESULT']);
  const events = j.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, string>);
  const startTimes = events
    .filter((e) => /^Starting /.test(String(e.MESSAGE)))
    .map((e) => Number(e.__REALTIME_TIMESTAMP) / 1000);
  const limit = events.find((e) => /repeated too quickly/.test(String(e.MESSAGE)));
  const first = startTimes[0] ?? 0;
  return {
    starts: startTimes.map((t) => Number(((t - first) / 1000).toFixed(3))),
    gaveUp,
    gaveUpAtSec: limit ? Number(((Number(limit.__REALTIME_TIMESTAMP) / 1000 - first) / 1000).toFixed(3)) : null,
    windowSec: WINDOW_SEC,
    finalState,
    lastMessages: events.slice(-4).map((e) => String(e.MESSAGE)),
  };
}

async function on(label: string, directory: string | undefined) {
  const c = await bootWithNodeunit({
    directory,
    binds: [
      { host: resolve('bench/apps'), container: '/opt/bench/apps', readOnly: true },
      { host: resolve('node_modules'), container: '/opt/bench/node_modules', readOnly: true },
    ],
  });
  try {
    const systemdVersion = Number((await c.exec(['systemctl', '--version'])).stdout.match(/^systemd (\d+)/)?.[1]);
    log(`${label}: systemd ${systemdVersion}`);
    const killRows = await kills(c, systemdVersion, 18470);
    const loop = await crashLoop(c, systemdVersion, 18472);
    const gaps = loop.starts.slice(1).map((t, i) => (t - loop.starts[i]).toFixed(2));
    log(`${label} crash loop ends as ${loop.finalState}: ${loop.lastMessages.join(' | ')}`);
    log(`${label} crash loop: ${loop.starts.length} starts; gaps (s) ${gaps.join(', ')}; ${loop.gaveUp ? `start limit hit at ${loop.gaveUpAtSec} s` : `still retrying after ${loop.windowSec} s`}`);
    return { label, systemdVersion, kills: killRows, crashLoop: loop };
  } finally {
    await c.stop();
  }
}

const results = [];
const only = process.env.BENCH_DISTROS ?? 'bookworm,trixie';
if (only.includes('bookworm')) results.push(await on('Debian 12', undefined));
const trixie = process.env.BENCH_TRIXIE_ROOT;
if (only.includes('trixie') && trixie && existsSync(trixie)) {
  const dir = `${trixie}.machine-${process.pid}`;
  cpSync(trixie, dir, { recursive: true, verbatimSymlinks: true });
  try {
    results.push(await on('Debian 13', dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log('\n| systemd | nodeunit: kill → first answer, median (min–max) | pm2 | ratio | crash loop: gaps between starts (s) | start limit |');
console.log('|---|---|---|---|---|---|');
for (const r of results) {
  const ms = (tool: string) => r.kills.filter((k) => k.tool === tool && k.recoverMs !== null).map((k) => k.recoverMs as number);
  const cell = (xs: number[]) => (xs.length ? `${quantile(xs, 0.5).toFixed(0)} ms (${Math.min(...xs)}–${Math.max(...xs)})` : '-');
  const nu = ms('nodeunit');
  const pm = ms('pm2');
  const gaps = r.crashLoop.starts.slice(1).map((t, i) => (t - r.crashLoop.starts[i]).toFixed(2));
  console.log(
    `| ${r.systemdVersion} (${r.label}) | ${cell(nu)} | ${cell(pm)} | ${(quantile(nu, 0.5) / quantile(pm, 0.5)).toFixed(2)} | ${gaps.join(', ')} | ${r.crashLoop.gaveUp ? `stopped at ${r.crashLoop.gaveUpAtSec} s` : `not within ${r.crashLoop.windowSec} s`} |`,
  );
}
mkdirSync(OUT, { recursive: true });
const d = new Date();
const date = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
writeFileSync(join(OUT, `${date}-recovery.json`), JSON.stringify({ date, startedAt: d.toISOString(), rounds: ROUNDS, results }, null, 1) + '\n');
