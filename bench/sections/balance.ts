/**
 * Sections "balance" and "nginx" of npm run bench — how evenly 4 instances
 * share the load with every server free on all CPUs (nothing pinned but the
 * load generator, on CPU 0), nodeunit vs pm2's round-robin cluster in the
 * same run (issue 10):
 *
 *   balance (direct): autocannon with 16, 32 and 64 keep-alive connections
 *      and with a new connection per request (32 at a time): req/s, p99 and
 *      each instance's share of requests (1.00 = a fair quarter). 10 rounds
 *      (BENCH_ROUNDS overrides): the goal is "in >= 9 of 10 runs".
 *   nginx: Debian's nginx (2 workers, `upstream … keepalive 32`) on the host
 *      as the client-facing proxy for each contender: the same figures at 64
 *      client connections, then failed requests during a rolling reload and
 *      during SIGKILL of one instance. 2 rounds (BENCH_NGINX_ROUNDS).
 *
 * Contenders: nodeunit `--balance shared` (the default, with accept pacing),
 * the same without pacing (a drop-in sets NODEUNIT_INSTANCES=1: what shared
 * did before), `--balance reuseport`, the default with NODEUNIT_CPU_SHARE=0
 * (each instance's autogroup weighs as a whole service, as before
 * src/preload/cpu-share.cjs), `pm2 start -i 4`, and (balance only) Node's
 * cluster module with no manager: 4 bare workers fed round-robin, what an
 * even spread with no manager code does on this machine. Rounds alternate
 * the order. Each section boots its own container and returns its samples;
 * summary() and chart() render them (bench/report.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { Container } from '../../test/e2e/harness/container.js';
import { ClusterContender, Contender, killWithInflight, NodeunitContender, Pm2Contender } from '../lib/contenders.js';
import { machineCpuTimes, perRequest } from '../lib/cpu-time.js';
import { failed, load } from '../lib/load-run.js';
import { quantile } from '../lib/stats.js';
import type { BalanceFailureRun, BalanceResults, BalanceSample, ContenderInfo, LoadResult } from '../lib/types.js';
import { CLUSTER_BALANCE_ID, cpuMedians, DEFAULT_BALANCE_ID, PM2_BALANCE_ID, settledMedian } from '../lib/verdict.js';
import { bootBench, envNumber, rotate, sectionClock, sleep, type SectionOptions } from './common.js';

const INSTANCES = 4;
const ALL_CPUS = `0-${os.cpus().length - 1}`;
let ROUNDS = 10;
let NGINX_ROUNDS = 2;
let LOAD_SEC = 3;
let log: (m: string) => void = console.log;

/** Each instance's share of the answered requests, 1.00 = fair; instances that answered nothing count as 0. */
function shares(r: LoadResult, pids: number[]): number[] {
  const counts = pids.map((p) => r.pids[String(p)]?.count ?? 0);
  const total = counts.reduce((a, b) => a + b, 0) || 1;
  return counts.map((n) => (n * pids.length) / total).sort((a, b) => b - a);
}

/** Connections each instance held when the run ended (the pid of each client's last answer), most first. */
function held(r: LoadResult, pids: number[]): number[] | undefined {
  if (!r.held) return undefined;
  return pids.map((p) => r.held![String(p)] ?? 0).sort((a, b) => b - a);
}

type Sample = BalanceSample;
type FailureRun = BalanceFailureRun;

function contenders(c: Container, kind: 'balance' | 'nginx') {
  const nu = (id: string, balance: 'shared' | 'reuseport', port: number, label: string, extra = '') =>
    new NodeunitContender(c, { id, label, tool: 'nodeunit', instances: INSTANCES, balance, port }, 30, true, false, extra);
  const pm = new Pm2Contender(c, { id: PM2_BALANCE_ID, label: 'pm2 -i 4 (round-robin)', tool: 'pm2', instances: INSTANCES, port: 18434 });
  pm.cpus = ALL_CPUS;
  return [
    nu(DEFAULT_BALANCE_ID, 'shared', 18431, 'nodeunit shared (paced, default)'),
    nu('bunpaced', 'shared', 18432, 'nodeunit shared, no pacing', 'Environment=NODEUNIT_INSTANCES=1'),
    nu('breuse', 'reuseport', 18433, 'nodeunit reuseport'),
    // What the default did before its instances shared one CPU weight (src/preload/cpu-share.cjs).
    nu('bweigh', 'shared', 18435, 'nodeunit shared, NODEUNIT_CPU_SHARE=0', 'Environment=NODEUNIT_CPU_SHARE=0'),
    pm,
    // An even spread with no manager code at all, for reference
    // (bench/apps/cluster.cjs). Direct loads only: it has no rolling reload.
    ...(kind === 'balance' ? [new ClusterContender(c, { id: CLUSTER_BALANCE_ID, label: "node's cluster ×4, no manager", tool: 'plain', instances: INSTANCES, port: 18436 })] : []),
  ];
}

// ---------------------------------------------------------------- nginx on the host

const NGINX_DIR = '/tmp/nodeunit-bench-nginx';
let nginx: ChildProcess | undefined;
process.on('exit', () => nginx?.kill('SIGKILL'));

async function startNginx(backends: Array<{ id: string; port: number; front: number }>) {
  rmSync(NGINX_DIR, { recursive: true, force: true });
  mkdirSync(NGINX_DIR, { recursive: true });
  const ups = backends
    .map(
      (b) => `  upstream ${b.id} { server 127.0.0.1:${b.port}; keepalive 32; }
  server {
    listen 127.0.0.1:${b.front};
    location / { proxy_pass http://${b.id}; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }`,
    )
    .join('\n');
  writeFileSync(
    join(NGINX_DIR, 'nginx.conf'),
    `daemon off;
worker_processes 2;
pid ${NGINX_DIR}/nginx.pid;
error_log ${NGINX_DIR}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${NGINX_DIR}/body;
  proxy_temp_path ${NGINX_DIR}/proxy;
  fastcgi_temp_path ${NGINX_DIR}/fastcgi;
  uwsgi_temp_path ${NGINX_DIR}/uwsgi;
  scgi_temp_path ${NGINX_DIR}/scgi;
${ups}
}
`,
  );
  nginx = spawn('nginx', ['-p', NGINX_DIR, '-c', join(NGINX_DIR, 'nginx.conf'), '-e', join(NGINX_DIR, 'error.log')], { stdio: 'inherit' });
  for (const b of backends) {
    for (let i = 0; ; i++) {
      try {
        await fetch(`http://127.0.0.1:${b.front}/`, { signal: AbortSignal.timeout(2000) });
        break;
      } catch (e) {
        if (i > 50) throw new Error(`nginx does not answer on ${b.front}: ${e}`);
        await sleep(100);
      }
    }
  }
}

// ---------------------------------------------------------------- runs

/** A contender that answered nothing: what systemd and the journal say. */
async function diagnose(ct: Contender) {
  if (!(ct instanceof NodeunitContender)) return;
  const r = await ct.c.sh(
    `systemctl --no-pager list-units '${ct.id}*' ; for i in 1 2 3 4; do systemctl show -p MainPID -p NRestarts -p ActiveState -p Result ${ct.id}@$i.service | tr '\n' ' '; echo; done; ss -Hltn 'sport = :${ct.port}'; journalctl --no-pager -n 30 -u '${ct.id}@*'`,
  );
  log(`${ct.id} answered nothing:\n${r.stdout}${r.stderr}`);
}

async function direct(cs: Contender[], out: Sample[]) {
  const scenarios = [
    { id: 'keepalive-16', connections: 16, close: false },
    { id: 'keepalive-32', connections: 32, close: false },
    { id: 'keepalive-64', connections: 64, close: false },
    { id: 'new-connections-32', connections: 32, close: true },
  ];
  for (let round = 0; round < ROUNDS; round++) {
    for (const sc of scenarios) {
      for (const ct of rotate(cs, round + scenarios.indexOf(sc))) {
        const pids = await ct.pids();
        const before = machineCpuTimes();
        const r = await load({ url: `http://127.0.0.1:${ct.port}/`, connections: sc.connections, duration: LOAD_SEC, close: sc.close }).done;
        const cpu = perRequest(before, machineCpuTimes(), r.cpuUs, r.requests);
        const s: Sample = { section: 'direct', round, scenario: sc.id, contender: ct.id, rps: r.rps, settledRps: r.settledRps, p99: r.latency.p99, failed: failed(r), shares: shares(r, pids), held: sc.close ? undefined : held(r, pids), cpu };
        out.push(s);
        if (r.requests === 0) await diagnose(ct);
        log(`direct r${round + 1} ${sc.id.padEnd(18)} ${ct.info.label.padEnd(34)} ${r.rps.toFixed(0).padStart(6)} req/s p99 ${r.latency.p99} ms shares ${s.shares.map((x) => x.toFixed(2)).join('/')}${s.held ? ` held ${s.held.join('/')}` : ''}${cpu ? ` cpu/req ${cpu.clientUs.toFixed(1)}+${cpu.restUs.toFixed(1)} µs busy ${(cpu.busy * 100).toFixed(0)}%` : ''}`);
      }
    }
  }
}

async function behindNginx(cs: Contender[], front: Map<string, number>, out: Sample[], failures: FailureRun[]) {
  for (let round = 0; round < NGINX_ROUNDS; round++) {
    for (const ct of rotate(cs, round)) {
      const pids = await ct.pids();
      const r = await load({ url: `http://127.0.0.1:${front.get(ct.id)}/`, connections: 64, duration: LOAD_SEC }).done;
      const s: Sample = { section: 'nginx', round, scenario: 'nginx-keepalive-64', contender: ct.id, rps: r.rps, settledRps: r.settledRps, p99: r.latency.p99, failed: failed(r), shares: shares(r, pids) };
      out.push(s);
      log(`nginx  r${round + 1} ${ct.info.label.padEnd(34)} ${r.rps.toFixed(0).padStart(6)} req/s p99 ${r.latency.p99} ms shares ${s.shares.map((x) => x.toFixed(2)).join('/')}`);
    }
    for (const what of ['reload', 'kill'] as const) {
      for (const ct of rotate(cs, round)) {
        await ct.resetLimits();
        if (!(await ct.waitAllUp())) throw new Error(`${ct.id} is not up`);
        const before = await ct.pids();
        const l = load({ url: `http://127.0.0.1:${front.get(ct.id)}/`, connections: 32, duration: 60 });
        await sleep(1000);
        if (what === 'reload') await ct.reload();
        else await killWithInflight(ct.c, ct.port, before[1]);
        await ct.waitAllUp(what === 'reload' ? before : [before[1]], 15_000);
        await sleep(1000);
        l.stop();
        const r = await l.done;
        failures.push({ round, contender: ct.id, what, requests: r.requests, failed: failed(r), codes: r.codes });
        log(`nginx  r${round + 1} ${what.padEnd(6)} ${ct.info.label.padEnd(34)} ${failed(r)} failed of ${r.requests} ${JSON.stringify(r.codes)}`);
      }
    }
  }
}

// ---------------------------------------------------------------- report

/** The section's table: per load and contender, req/s, ratio to pm2, the same after the first second, p99, worst shares, runs within 0.5–1.5×. */
export function summary(cs: ContenderInfo[], samples: Sample[], failures: FailureRun[]): string {
  const label = new Map(cs.map((c) => [c.id, c.label]));
  const lines = [
    '| where | load | contender | req/s (median) | ratio to pm2 | after the 1st s: req/s, ratio | p99 ms (median) | busiest / idlest share, worst run | runs with every instance in 0.5–1.5× | connections held at the end: runs within one of each other, most uneven run | CPU µs per request, median: load generator + the rest (all CPUs busy) |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  const keys = [...new Set(samples.map((s) => `${s.section}|${s.scenario}`))];
  for (const key of keys) {
    const [section, scenario] = key.split('|');
    const pm = samples.filter((s) => `${s.section}|${s.scenario}` === key && s.contender === PM2_BALANCE_ID);
    const pmRps = quantile(pm.map((s) => s.rps), 0.5);
    const pmSettled = settledMedian(pm);
    for (const ct of cs) {
      const xs = samples.filter((s) => `${s.section}|${s.scenario}` === key && s.contender === ct.id);
      if (!xs.length) continue;
      const rps = quantile(xs.map((s) => s.rps), 0.5);
      const worstHigh = Math.max(...xs.map((s) => s.shares[0]));
      const worstLow = Math.min(...xs.map((s) => s.shares[s.shares.length - 1]));
      const within = xs.filter((s) => s.shares.every((x) => x >= 0.5 && x <= 1.5)).length;
      const after = settledMedian(xs);
      const counted = xs.filter((s) => s.held);
      const spread = (h: number[]) => h[0] - h[h.length - 1];
      const unevenest = counted.reduce<number[] | undefined>((w, s) => (w === undefined || spread(s.held!) > spread(w) ? s.held : w), undefined);
      const heldText = unevenest ? `${counted.filter((s) => spread(s.held!) <= 1).length} of ${counted.length}, ${unevenest.join('/')}` : '–';
      const afterText = after === undefined ? '–' : `${after.toFixed(0)}, ${pmSettled === undefined ? '–' : (after / pmSettled).toFixed(2)}`;
      const cpu = cpuMedians(xs);
      const cpuText = cpu ? `${cpu.clientUs.toFixed(0)} + ${cpu.restUs.toFixed(0)} (${(cpu.busy * 100).toFixed(0)} %)` : '–';
      lines.push(
        `| ${section} | ${scenario} | ${label.get(ct.id)} | ${rps.toFixed(0)} | ${(rps / pmRps).toFixed(2)} | ${afterText} | ${quantile(xs.map((s) => s.p99), 0.5).toFixed(0)} | ${worstHigh.toFixed(2)} / ${worstLow.toFixed(2)} | ${within} of ${xs.length} | ${heldText} | ${cpuText} |`,
      );
    }
  }
  if (failures.length) {
    lines.push('', '| behind nginx, 32 connections | contender | failed requests per run |', '|---|---|---|');
    for (const what of ['reload', 'kill'] as const) {
      for (const ct of cs) {
        const xs = failures.filter((f) => f.what === what && f.contender === ct.id);
        if (xs.length) lines.push(`| ${what === 'reload' ? 'rolling reload' : 'SIGKILL of one of 4'} | ${label.get(ct.id)} | ${xs.map((f) => `${f.failed} of ${f.requests}`).join(', ')} |`);
      }
    }
  }
  return lines.join('\n');
}

/**
 * A small SVG: for each load and contender, the range of instance shares over
 * all runs (lowest idlest .. highest busiest) as a bar, the median run's
 * busiest and idlest as ticks; the 0.5-1.5 band shaded.
 */
export function chart(cs: ContenderInfo[], samples: Sample[]): string {
  const keys = [...new Set(samples.map((s) => `${s.section}|${s.scenario}`))];
  const rowH = 16;
  const groupGap = 12;
  const left = 330;
  const width = 760;
  const x = (share: number) => left + (Math.min(share, 4) / 4) * (width - left - 20);
  let y = 40;
  const parts: string[] = [];
  for (const key of keys) {
    parts.push(`<text x="8" y="${y + 11}" font-weight="bold">${key.replace('|', ': ')}</text>`);
    y += rowH;
    for (const ct of cs) {
      const xs = samples.filter((s) => `${s.section}|${s.scenario}` === key && s.contender === ct.id);
      if (!xs.length) continue;
      const lo = Math.min(...xs.map((s) => s.shares[s.shares.length - 1]));
      const hi = Math.max(...xs.map((s) => s.shares[0]));
      const color = ct.tool === 'pm2' ? '#888' : ct.tool === 'plain' ? '#bbb' : ct.id === DEFAULT_BALANCE_ID ? '#1f77b4' : '#9ecae1';
      parts.push(`<text x="20" y="${y + 11}">${ct.label}</text>`);
      parts.push(`<rect x="${x(lo)}" y="${y + 2}" width="${Math.max(2, x(hi) - x(lo))}" height="${rowH - 5}" fill="${color}"/>`);
      y += rowH;
    }
    y += groupGap;
  }
  const axis = [0, 0.5, 1, 1.5, 2, 3, 4]
    .map((v) => `<line x1="${x(v)}" y1="28" x2="${x(v)}" y2="${y}" stroke="#ccc"/><text x="${x(v) - 8}" y="22">${v}×</text>`)
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 10}" font-family="sans-serif" font-size="12">
<rect x="${x(0.5)}" y="28" width="${x(1.5) - x(0.5)}" height="${y - 28}" fill="#e5f5e0"/>
${axis}
<text x="8" y="12">Per-instance share of requests (1× = fair), range over all runs: 4 instances free on all CPUs</text>
${parts.join('\n')}
</svg>
`;
}

// ---------------------------------------------------------------- section

/** Runs section 'balance' (direct) or 'nginx' in a container of its own and returns its samples. */
export async function runBalance(kind: 'balance' | 'nginx', o: SectionOptions): Promise<BalanceResults> {
  ROUNDS = envNumber('BENCH_ROUNDS', o.quick ? 1 : 10);
  NGINX_ROUNDS = envNumber('BENCH_NGINX_ROUNDS', o.quick ? 1 : 2);
  LOAD_SEC = o.quick ? 2 : 3;
  log = o.log;
  const clock = sectionClock();
  const c = await bootBench({ platform: o.platform });
  const samples: Sample[] = [];
  const failures: FailureRun[] = [];
  let cs: Contender[] = [];
  let systemd = '';
  try {
    systemd = (await c.exec(['systemctl', '--version'])).stdout.split('\n')[0].trim();
    cs = contenders(c, kind);
    for (const ct of cs) await ct.install();
    await c.exec(['systemctl', 'daemon-reload']);
    for (const ct of cs) {
      if (ct instanceof NodeunitContender) await ct.enable(true);
      else await ct.start();
    }
    for (const ct of cs) if (!(await ct.waitAllUp())) throw new Error(`${ct.id} did not come up`);
    const rounds = kind === 'balance' ? ROUNDS : NGINX_ROUNDS;
    log(`${kind}: warming up; ${rounds} rounds, ${LOAD_SEC} s per run, servers on CPUs ${ALL_CPUS}, autocannon on CPU 0`);
    for (const ct of cs) await load({ url: `http://127.0.0.1:${ct.port}/`, connections: 32, duration: 1 }).done;
    if (kind === 'balance') await direct(cs, samples);
    else {
      const front = new Map(cs.map((ct, i) => [ct.id, 18481 + i]));
      await startNginx(cs.map((ct) => ({ id: ct.id, port: ct.port, front: front.get(ct.id)! })));
      await behindNginx(cs, front, samples, failures);
    }
  } finally {
    nginx?.kill('SIGTERM');
    nginx = undefined;
    await c.stop();
  }
  return {
    ...clock(),
    systemd,
    rounds: kind === 'balance' ? ROUNDS : NGINX_ROUNDS,
    loadSec: LOAD_SEC,
    instances: INSTANCES,
    contenders: cs.map((ct) => ct.info),
    samples,
    failures,
  };
}
