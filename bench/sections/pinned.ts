/**
 * Section "pinned" of npm run bench — nodeunit vs pm2 vs plain node, side by
 * side in one real-systemd container (issue 5). Figures:
 *   1 resident overhead        2 keep-alive throughput + p99 (hello, CPU-busy)
 *   3 new-connection throughput 4 failed requests on a rolling reload
 *   5 failed requests when one instance is SIGKILLed   6 start until serving
 *   7 a hung event loop
 * Servers run on CPU 1 (CPUAffinity=1 / taskset -c 1 for pm2's daemon and
 * workers); autocannon runs on CPU 0 (bench/load.cjs under taskset -c 0),
 * against 127.0.0.1 (the container shares the host's network; ports 184xx).
 * Contenders alternate within every round. Returns the raw samples.
 *
 * quick: one round, short runs.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { resolve } from 'node:path';
import { LTS_NODE } from '../../test/e2e/harness/nodeunit.js';
import type { Container } from '../../test/e2e/harness/container.js';
import { Contender, killWithInflight, NodeunitContender, PlainContender, Pm2Contender, rssKb } from '../lib/contenders.js';
import type {
  ContenderInfo,
  HangSample,
  KillSample,
  OverheadSample,
  PinnedResults,
  ReloadSample,
  StartSample,
  ThroughputSample,
} from '../lib/types.js';
import { failed, firstNewAnswer, load } from '../lib/load-run.js';
import { bootBench, localDate, rotate, sleep, type SectionOptions } from './common.js';

const CONNECTIONS = 50;
let ROUNDS = 3;
let RELOAD_ROUNDS = 5;
let START_ROUNDS = 5;
let LOAD_SEC = 4;
let HANG_WINDOW_SEC = 15;
let log: (msg: string) => void = console.log;

// ---------------------------------------------------------------- load runs

// ---------------------------------------------------------------- contenders

function makeContenders(c: Container) {
  const nu = (id: string, instances: number, balance: 'shared' | 'reuseport', port: number, watchdogSec?: number, sandbox?: boolean) =>
    new NodeunitContender(c, { id, label: `nodeunit ${balance} ×${instances}${sandbox === false ? ' (no sandbox, User=root)' : ''}`, tool: 'nodeunit', instances, balance, port }, watchdogSec, sandbox);
  const pm = (id: string, instances: number, port: number) => new Pm2Contender(c, { id, label: `pm2 -i ${instances}`, tool: 'pm2', instances, port });
  const plain = (id: string, port: number) => new PlainContender(c, { id, label: 'plain node', tool: 'plain', instances: 1, port });
  return {
    plain: plain('plain', 18401),
    bsh2: nu('bsh2', 2, 'shared', 18411),
    bsh4: nu('bsh4', 4, 'shared', 18412),
    brp2: nu('brp2', 2, 'reuseport', 18413),
    brp4: nu('brp4', 4, 'reuseport', 18414),
    pm2c2: pm('pm2c2', 2, 18421),
    pm2c4: pm('pm2c4', 4, 18422),
    // figure 5, single instance
    bsh1: nu('bsh1', 1, 'shared', 18415),
    pm2c1: pm('pm2c1', 1, 18423),
    // figure 6
    bst2: nu('bst2', 2, 'shared', 18416),
    bst1: nu('bst1', 1, 'shared', 18418),
    // diagnostic: what the sandbox (enable's hardening + DynamicUser) costs at start
    bst1open: nu('bst1open', 1, 'shared', 18419, 30, false),
    pm2st: pm('pm2st', 2, 18426),
    plainst: plain('plainst', 18402),
    // figure 7: the watchdog at 2 s
    bwd1: nu('bwd1', 1, 'shared', 18417, 2),
    pm2hang: pm('pm2hang', 1, 18425),
  };
}

// ---------------------------------------------------------------- figures

async function overhead(c: Container, cs: Contender[], round: number, phase: OverheadSample['phase'], out: OverheadSample[]) {
  for (const ct of cs) {
    const instances = (await ct.pids()).filter((p) => p > 0);
    const all = await ct.allPids();
    const managers = all.filter((p) => !instances.includes(p));
    out.push({
      round,
      phase,
      contender: ct.id,
      instances: instances.length,
      processes: all.length,
      instanceRssKb: await rssKb(c, instances),
      managerRssKb: await rssKb(c, managers),
    });
  }
}

const SCENARIOS = [
  { id: 'keepalive-hello', path: '/', close: false },
  { id: 'keepalive-cpu', path: '/cpu', close: false },
  { id: 'close-hello', path: '/', close: true },
] as const;

async function throughput(c: Container, cs: Contender[], out: ThroughputSample[], overheadOut: OverheadSample[]) {
  for (let round = 0; round < ROUNDS; round++) {
    for (const sc of SCENARIOS) {
      for (const ct of rotate(cs, round + SCENARIOS.indexOf(sc))) {
        const r = await load({ url: `http://127.0.0.1:${ct.port}${sc.path}`, connections: CONNECTIONS, duration: LOAD_SEC, close: sc.close }).done;
        const perInstance = Object.values(r.pids)
          .map((p) => p.count)
          .sort((a, b) => b - a);
        while (perInstance.length < ct.info.instances) perInstance.push(0);
        out.push({ round, scenario: sc.id, contender: ct.id, rps: r.rps, p50: r.latency.p50, p99: r.latency.p99, failed: failed(r), perInstance });
        log(`fig 2/3 round ${round + 1} ${sc.id.padEnd(16)} ${ct.info.label.padEnd(24)} ${r.rps.toFixed(0).padStart(6)} req/s  p99 ${r.latency.p99} ms  shares ${perInstance.join('/')}`);
      }
    }
    await overhead(c, cs, round, 'after-load', overheadOut);
  }
}

async function reloads(cs: Contender[], out: ReloadSample[]) {
  for (let round = 0; round < RELOAD_ROUNDS; round++) {
    for (const ct of rotate(cs, round)) {
      await ct.resetLimits();
      const before = await ct.pids();
      const l = load({ url: `http://127.0.0.1:${ct.port}/`, connections: CONNECTIONS, duration: 60 });
      await sleep(1000);
      const t = Date.now();
      await ct.reload();
      const reloadMs = Date.now() - t;
      await ct.waitAllUp(before);
      await sleep(1000);
      l.stop();
      const r = await l.done;
      out.push({ round, contender: ct.id, requests: r.requests, failed: failed(r), lost: r.lost, codes: r.codes, timeouts: r.timeouts, non2xx: r.non2xx, reloadMs });
      log(`fig 4 round ${round + 1} ${ct.info.label.padEnd(24)} reload ${reloadMs} ms: ${failed(r)} failed of ${r.requests} ${JSON.stringify({ ...r.codes, lost: r.lost })}`);
    }
  }
}

async function kills(c: Container, cs: Contender[], out: KillSample[]) {
  for (let round = 0; round < ROUNDS; round++) {
    for (const ct of rotate(cs, round)) {
      await ct.resetLimits();
      if (!(await ct.waitAllUp())) throw new Error(`${ct.id} is not up before the kill round`);
      const before = await ct.pids();
      const l = load({ url: `http://127.0.0.1:${ct.port}/`, connections: CONNECTIONS, duration: 60 });
      await sleep(1000);
      const { at, inflight } = await killWithInflight(c, ct.port, before[0]);
      await ct.waitAllUp([before[0]], 10_000);
      await sleep(1000);
      l.stop();
      const r = await l.done;
      const sample: KillSample = {
        round,
        contender: ct.id,
        instances: ct.info.instances,
        requests: r.requests,
        failed: failed(r),
        lost: r.lost,
        codes: r.codes,
        timeouts: r.timeouts,
        non2xx: r.non2xx,
        inflightOnKilled: inflight,
        refused: r.codes.ECONNREFUSED ?? 0,
        recoverMs: firstNewAnswer(r, before, at),
      };
      out.push(sample);
      log(
        `fig 5 round ${round + 1} ${ct.info.label.padEnd(24)} ${sample.failed} failed of ${r.requests} (in flight on the killed one: ≤${inflight}) refused ${sample.refused} serving again after ${sample.recoverMs ?? '-'} ms ${JSON.stringify({ ...r.codes, lost: r.lost })}`,
      );
    }
  }
}

/** nodeunit's kinds: contender id -> its units. */
async function starts(c: Container, nus: NodeunitContender[], pm: Pm2Contender, plain: PlainContender, out: StartSample[]) {
  const probe = async (port: number, argv: string[], env: Record<string, string> = {}) => {
    const r = await c.exec(['taskset', '-c', '0', LTS_NODE, '/opt/bench/serve-probe.cjs', String(port), ...argv], { env, timeoutMs: 60_000 });
    if (r.code !== 0) throw new Error(`start probe failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as { ms: number; commandMs: number };
  };
  const kinds = ['pm2-cold', 'pm2-warm', ...nus.map((n) => n.id), 'plain'];
  for (let round = 0; round < START_ROUNDS; round++) {
    for (const kind of rotate(kinds, round)) {
      let r: { ms: number; commandMs: number };
      const nu = nus.find((n) => n.id === kind);
      if (nu) {
        await nu.stop();
        r = await probe(nu.port, ['systemctl', 'start', '--no-block', `${nu.id}.target`]);
        if (!(await nu.waitAllUp())) throw new Error(`${nu.id} did not come up`);
        await nu.stop();
      } else if (kind === 'plain') {
        await plain.stop();
        r = await probe(plain.port, ['systemctl', 'start', '--no-block', plain.unit]);
        await plain.stop();
      } else {
        if (kind === 'pm2-cold') await pm.kill();
        else {
          await pm.pm2('ping'); // the daemon runs
          await pm.stop();
        }
        r = await probe(pm.port, pm.startArgv(), pm.env());
        await pm.stop();
      }
      out.push({ round, contender: kind, ...r });
      log(`fig 6 round ${round + 1} ${kind.padEnd(10)} serving after ${r.ms.toFixed(0)} ms (command ${r.commandMs.toFixed(0)} ms)`);
    }
  }
  await pm.kill();
}

async function hangs(cs: Contender[], out: HangSample[]) {
  for (let round = 0; round < ROUNDS; round++) {
    for (const ct of rotate(cs, round)) {
      await ct.resetLimits();
      await ct.start();
      const before = await ct.pids();
      const url = `http://127.0.0.1:${ct.port}/`;
      const l = load({ url, connections: 10, duration: HANG_WINDOW_SEC + 5, timeout: 2 });
      await sleep(500);
      const hangAt = Date.now();
      await fetch(`${url}hang`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(2000) })
        .then((res) => res.text())
        .catch(() => undefined);
      const recovered = await ct.waitAllUp(before, HANG_WINDOW_SEC * 1000 - (Date.now() - hangAt));
      if (recovered) await sleep(500);
      l.stop();
      const r = await l.done;
      const recoverMs = recovered ? firstNewAnswer(r, before, hangAt) : null;
      out.push({ round, contender: ct.id, windowSec: HANG_WINDOW_SEC, recoverMs, requests: r.requests, failed: failed(r), timeouts: r.timeouts });
      log(
        `fig 7 round ${round + 1} ${ct.info.label.padEnd(24)} ${recoverMs === null ? `not detected within ${HANG_WINDOW_SEC} s` : `serving again after ${recoverMs} ms`}; ${failed(r)} failed (${r.timeouts} timeouts) of ${r.requests}`,
      );
      if (!recovered && ct instanceof Pm2Contender) {
        await ct.pm2('restart', ct.id); // pm2 never noticed: restart by hand for the next round
        await ct.waitAllUp(before);
      }
    }
  }
}

// ---------------------------------------------------------------- main

export async function runPinned(o: SectionOptions): Promise<PinnedResults> {
  const QUICK = o.quick;
  ROUNDS = QUICK ? 1 : 3;
  RELOAD_ROUNDS = QUICK ? 1 : 5;
  START_ROUNDS = QUICK ? 1 : 5;
  LOAD_SEC = QUICK ? 2 : 4;
  HANG_WINDOW_SEC = QUICK ? 6 : 15;
  log = o.log;
  const t0 = Date.now();
  const startedAt = new Date();
  const loadAvgStart = os.loadavg();
  log(`${QUICK ? 'QUICK mode' : 'full run'}: ${ROUNDS} rounds, ${LOAD_SEC} s per load run, ${CONNECTIONS} connections`);
  const c = await bootBench({ platform: o.platform });
  const samples: PinnedResults['samples'] = { overhead: [], throughput: [], reload: [], kill: [], start: [], hang: [] };
  try {
    await c.writeFile('/opt/bench/serve-probe.cjs', readFileSync(resolve('bench/serve-probe.cjs')));
    const k = makeContenders(c);
    const all = Object.values(k);
    for (const ct of all) await ct.install();
    await c.exec(['systemctl', 'daemon-reload']);

    const machine: PinnedResults['machine'] = {
      cpuModel: (readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1] ?? 'unknown').trim(),
      cores: os.cpus().length,
      kernel: os.release(),
      appNode: (await c.exec([LTS_NODE, '--version'])).stdout.trim(),
      loadNode: process.version,
      pm2: JSON.parse(readFileSync(resolve('node_modules/pm2/package.json'), 'utf8')).version,
      systemd: (await c.exec(['systemctl', '--version'])).stdout.split('\n')[0].trim(),
      autocannon: JSON.parse(readFileSync(resolve('node_modules/autocannon/package.json'), 'utf8')).version,
      nodeunit: (await c.exec(['nodeunit', '--version'])).stdout.split('\n')[0].trim(),
      loadAvgStart,
      loadAvgEnd: [],
      pinning: 'servers (nodeunit instances, pm2 daemon + workers, plain node) on CPU 1; autocannon on CPU 0',
    };

    // Figures 1-3: every throughput contender runs; each warmed up with 1 s of each handler.
    const tp = [k.plain, k.bsh2, k.brp2, k.pm2c2, k.bsh4, k.brp4, k.pm2c4];
    for (const ct of tp) {
      if (ct instanceof NodeunitContender) await ct.enable(true);
      else await ct.start();
    }
    for (const ct of tp) await ct.waitAllUp();
    log('figure 1: resident memory, idle after a fresh start');
    for (let round = 0; round < ROUNDS; round++) {
      if (round > 0) {
        for (const ct of rotate(tp, round)) await ct.stop();
        for (const ct of rotate(tp, round)) await ct.start();
        for (const ct of tp) await ct.waitAllUp();
      }
      await sleep(1000);
      await overhead(c, tp, round, 'idle', samples.overhead);
    }
    log('warming up');
    for (const ct of tp) for (const path of ['/', '/cpu']) await load({ url: `http://127.0.0.1:${ct.port}${path}`, connections: CONNECTIONS, duration: 1 }).done;
    log('figures 1-3: overhead, keep-alive and new-connection throughput');
    await throughput(c, tp, samples.throughput, samples.overhead);
    await Promise.all([k.bsh4.stop(), k.brp4.stop(), k.pm2c4.kill()]);

    log('figure 4: rolling reload under keep-alive load');
    await reloads([k.bsh2, k.brp2, k.pm2c2], samples.reload);

    log('figure 5: SIGKILL one instance under keep-alive load');
    await k.bsh1.enable(true);
    await k.pm2c1.start();
    await kills(c, [k.bsh2, k.brp2, k.pm2c2, k.bsh1, k.pm2c1, k.plain], samples.kill);
    await Promise.all([k.bsh2.stop(), k.brp2.stop(), k.bsh1.stop(), k.plain.stop(), k.pm2c2.kill(), k.pm2c1.kill()]);

    log('figure 6: start until serving');
    const nus = [k.bst2, k.bst1, k.bst1open];
    for (const n of nus) await n.enable(false);
    await starts(c, nus, k.pm2st, k.plainst, samples.start);

    log('figure 7: a hung event loop');
    await k.bwd1.enable(true);
    await k.pm2hang.start();
    await hangs([k.bwd1, k.pm2hang], samples.hang);
    await Promise.all([k.bwd1.stop(), k.pm2hang.kill()]);

    machine.loadAvgEnd = os.loadavg();
    const contenders: ContenderInfo[] = all.map((ct) => ct.info);
    return {
      date: localDate(startedAt),
      startedAt: startedAt.toISOString(),
      durationSec: Math.round((Date.now() - t0) / 1000),
      quick: QUICK,
      note:
        'Absolute numbers depend on what else this 2-core machine does (see the load averages above); compare the ratios within one run.',
      machine,
      config: { rounds: ROUNDS, reloadRounds: RELOAD_ROUNDS, loadSec: LOAD_SEC, connections: CONNECTIONS, hangWindowSec: HANG_WINDOW_SEC },
      contenders,
      samples,
    };
  } finally {
    await c.stop();
  }
}
