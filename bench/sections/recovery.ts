/**
 * Section "recovery" of npm run bench — how fast a crashed instance serves
 * again, and how a crash loop backs off, under the units `nodeunit enable`
 * writes (issue 10):
 *
 *   1. SIGKILL of a lone instance under keep-alive load (10 connections):
 *      ms from the kill until the replacement's first answer, nodeunit
 *      (shared socket, ×1) vs `pm2 start -i 1`, alternating, ROUNDS rounds.
 *   2. A crash loop: an app that exits 1 as soon as it starts, under the
 *      generated unit; the time of every start and the gap before it, from
 *      the journal, until systemd gives up (start limit) or WINDOW_SEC
 *      (default 180 s: on 257 the 11th start, which StartLimitBurst=10
 *      refuses, comes ~150 s after the first; on 252 it ends after ~2 s).
 *
 * Runs on Debian 12 (systemd 252: fixed RestartSec=, the start limit ends the
 * loop) and Debian 13 (systemd 257: RestartSteps= backoff), each in a
 * container of its own; the harness builds and caches both roots under
 * /var/cache/nodeunit-e2e. BENCH_TRIXIE_ROOT may name another debootstrapped
 * trixie root, booted from a copy. BENCH_DISTROS=bookworm or =trixie runs one
 * of them only. BENCH_RECOVERY_ROUNDS (default 5), BENCH_CRASH_WINDOW override the defaults.
 */
import { cpSync, existsSync, rmSync } from 'node:fs';
import { appSpecWithDefaults, renderApp, unitsToEnable, type AppSpec } from '../../src/units/index.js';
import { LTS_NODE } from '../../test/e2e/harness/nodeunit.js';
import type { Container } from '../../test/e2e/harness/container.js';
import { killWithInflight, Pm2Contender } from '../lib/contenders.js';
import { firstNewAnswer, load } from '../lib/load-run.js';
import { quantile } from '../lib/stats.js';
import type { CrashLoop, RecoveryDistro, RecoveryKill, RecoveryResults } from '../lib/types.js';
import { bootBench, envNumber, sectionClock, sleep, type SectionOptions } from './common.js';

let ROUNDS = 5;
let WINDOW_SEC = 180;
let log: (m: string) => void = console.log;

function spec(name: string, script: string, port: number, systemdVersion: number): AppSpec {
  return appSpecWithDefaults({
    name,
    script,
    ports: [{ port }],
    user: { kind: 'dynamic' },
    cwd: '/opt/bench/apps',
    env: [['PORT', String(port)]],
    node: LTS_NODE,
    nodeunitPath: '/usr/bin/nodeunit',
    systemdVersion,
  });
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

type KillRow = RecoveryKill;

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

async function on(label: string, platform: string, directory: string | undefined): Promise<RecoveryDistro> {
  const c = await bootBench({ platform, directory });
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

export async function runRecovery(o: SectionOptions): Promise<RecoveryResults> {
  ROUNDS = envNumber('BENCH_RECOVERY_ROUNDS', o.quick ? 1 : 5);
  WINDOW_SEC = envNumber('BENCH_CRASH_WINDOW', o.quick ? 20 : 180);
  log = o.log;
  const clock = sectionClock();
  const results: RecoveryDistro[] = [];
  const only = process.env.BENCH_DISTROS ?? 'bookworm,trixie';
  if (only.includes('bookworm')) results.push(await on('Debian 12', 'bookworm', undefined));
  if (only.includes('trixie')) {
    const root = process.env.BENCH_TRIXIE_ROOT;
    if (root && existsSync(root)) {
      const dir = `${root}.machine-${process.pid}`;
      cpSync(root, dir, { recursive: true, verbatimSymlinks: true });
      try {
        results.push(await on('Debian 13', 'trixie', dir));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    } else results.push(await on('Debian 13', 'trixie', undefined));
  }
  return { ...clock(), rounds: ROUNDS, results };
}

/** The section's table: per systemd, kill → first answer (nodeunit, pm2), refused, crash-loop gaps, start limit. */
export function recoveryTable(r: RecoveryResults): string {
  const lines = [
    '| systemd | nodeunit: kill → first answer, median (min–max) | pm2 | ratio | refused (nodeunit / pm2) | crash loop: gaps between starts (s) | start limit |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const d of r.results) {
    const ms = (tool: string) => d.kills.filter((k) => k.tool === tool && k.recoverMs !== null).map((k) => k.recoverMs as number);
    const refused = (tool: string) => d.kills.filter((k) => k.tool === tool).map((k) => k.refused);
    const cell = (xs: number[]) => (xs.length ? `${quantile(xs, 0.5).toFixed(0)} ms (${Math.min(...xs)}–${Math.max(...xs)})` : '-');
    const range = (xs: number[]) => (xs.length ? (Math.min(...xs) === Math.max(...xs) ? `${xs[0]}` : `${Math.min(...xs)}–${Math.max(...xs)}`) : '-');
    const nu = ms('nodeunit');
    const pm = ms('pm2');
    const gaps = d.crashLoop.starts.slice(1).map((t, i) => (t - d.crashLoop.starts[i]).toFixed(2));
    lines.push(
      `| ${d.systemdVersion} (${d.label}) | ${cell(nu)} | ${cell(pm)} | ${(quantile(nu, 0.5) / quantile(pm, 0.5)).toFixed(2)} | ${range(refused('nodeunit'))} / ${range(refused('pm2'))} | ${gaps.join(', ')} | ${d.crashLoop.gaveUp ? `stopped at ${d.crashLoop.gaveUpAtSec} s (${d.crashLoop.starts.length} starts)` : `not within ${d.crashLoop.windowSec} s`} |`,
    );
  }
  return lines.join('\n');
}
