/**
 * The verdict table at the top of bench/results/<date>.md: one row per goal
 * of issues 5 and 10, computed from the raw samples of one run (a pure
 * function: test/unit/bench/verdict.test.ts). A row with several checks
 * (scenarios, systemd versions, contenders) is "met" when all pass,
 * "not met" when none does, "partly" otherwise. A section that did not run
 * gives "not run".
 */
import { derive } from './derive.js';
import { median, quantile } from './stats.js';
import type { CpuPerRequest } from './cpu-time.js';
import type { BalanceResults, BalanceSample, BenchRun, PinnedResults, RecoveryResults, StartResults } from './types.js';

export type Verdict = 'met' | 'not met' | 'partly' | 'shown' | 'met (unit test)' | 'not run';

export interface VerdictRow {
  issue: 5 | 10;
  goal: string;
  measured: string;
  verdict: Verdict;
}

// ---------------------------------------------------------------- thresholds

// Issue 5: "no process of its own" besides the app's instances.
export const MAX_EXTRA_PROCESSES = 0;
// Issue 5: keep-alive throughput >= 1.1x pm2's cluster (servers pinned to CPU 1).
export const PINNED_KEEPALIVE_MIN_RATIO = 1.1;
// Issue 5: new-connection throughput >= 1.4x pm2's cluster (pinned).
export const PINNED_NEWCONN_MIN_RATIO = 1.4;
// Issue 5: a rolling reload fails no request, in every round.
export const RELOAD_MAX_FAILED = 0;
// Issue 5: a killed instance: no refused connection, nothing failed beyond its in-flight requests.
export const KILL_MAX_BEYOND_INFLIGHT = 0;
// Issue 5: start-to-serving <= 1/3 of pm2's cold start (2 instances each).
export const START_MAX_FRACTION_OF_PM2_COLD = 1 / 3;
// Issue 10: every instance within 0.5-1.5x its fair share ...
export const SHARE_BAND: readonly [number, number] = [0.5, 1.5];
// ... in >= 9 of 10 runs (with another number of rounds: the same fraction, rounded up).
export const MIN_RUNS_IN_BAND = 9;
export const OF_RUNS = 10;
// Issue 10: "as even as pm2's round-robin". Operationalised: the default's worst
// deviation from a fair share over all runs (max of busiest-1 and 1-idlest) is at
// most pm2's worst deviation in the same run plus this tolerance (share units).
export const AS_EVEN_TOLERANCE = 0.1;
// Issue 10: keep-alive throughput with servers on all CPUs >= 1.1x pm2, at 16, 32 and 64 connections.
export const BALANCE_KEEPALIVE_MIN_RATIO = 1.1;
// Issue 10: SIGKILL of a lone instance -> first answer, median <= pm2's median in the same run.
export const RECOVERY_MAX_RATIO_TO_PM2 = 1;
// Issue 10: "a crash loop still backs off": on systemd >= 254 (RestartSteps=) the
// largest gap between starts is at least this many times the first gap.
export const BACKOFF_MIN_GROWTH = 5;
export const RESTART_STEPS_SINCE = 254;
// Issue 10: start-to-serving of a Fastify app <= 1.10x plain node (medians).
export const FASTIFY_MAX_RATIO = 1.1;

/** The contender ids of the balance sections (bench/sections/balance.ts). */
export const DEFAULT_BALANCE_ID = 'bpaced';
export const PM2_BALANCE_ID = 'bpm2';
/** Node's cluster module with no manager: an even spread with no manager code, the reference shown beside the throughput goal (not judged). */
export const CLUSTER_BALANCE_ID = 'bcluster';
export const BALANCE_SCENARIOS = ['keepalive-16', 'keepalive-32', 'keepalive-64', 'new-connections-32'] as const;
export const START_UNITS = {
  hello: { nodeunit: 'bench-nodeunit.service', plain: 'bench-plain.service' },
  Fastify: { nodeunit: 'bench-nodeunit-fastify.service', plain: 'bench-plain-fastify.service' },
} as const;

// ---------------------------------------------------------------- helpers

const f0 = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '–');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');
const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '–');

/** met / not met / partly from the outcomes of a row's checks (none: not run). */
export function combine(checks: boolean[]): Verdict {
  if (checks.length === 0) return 'not run';
  if (checks.every(Boolean)) return 'met';
  if (!checks.some(Boolean)) return 'not met';
  return 'partly';
}

/** Runs needed within the band out of n: 9 of 10, the same fraction (rounded up) for other n. */
export function runsNeeded(n: number): number {
  return Math.ceil((n * MIN_RUNS_IN_BAND) / OF_RUNS - 1e-9);
}

const inBand = (shares: number[]) => shares.length > 0 && shares.every((x) => x >= SHARE_BAND[0] && x <= SHARE_BAND[1]);

/** Median req/s after each run's first second; undefined unless every run measured it (runs before it was recorded did not). */
export function settledMedian(xs: BalanceSample[]): number | undefined {
  return xs.length && xs.every((s) => typeof s.settledRps === 'number') ? median(xs.map((s) => s.settledRps!)) : undefined;
}

/** Medians of the CPU time per request (bench/lib/cpu-time.ts); undefined unless every run measured it. */
export function cpuMedians(xs: BalanceSample[]): CpuPerRequest | undefined {
  if (!xs.length || !xs.every((s) => s.cpu)) return undefined;
  return { clientUs: median(xs.map((s) => s.cpu!.clientUs)), restUs: median(xs.map((s) => s.cpu!.restUs)), busy: median(xs.map((s) => s.cpu!.busy)) };
}

/** Per scenario and contender of a balance section: runs, runs within the band, worst busiest/idlest, median req/s. */
export function balanceStats(b: BalanceResults, scenario: string, contender: string) {
  const xs = b.samples.filter((s) => s.scenario === scenario && s.contender === contender);
  return {
    runs: xs.length,
    inBand: xs.filter((s) => inBand(s.shares)).length,
    busiest: xs.length ? Math.max(...xs.map((s) => s.shares[0] ?? 0)) : NaN,
    idlest: xs.length ? Math.min(...xs.map((s) => s.shares[s.shares.length - 1] ?? 0)) : NaN,
    rps: median(xs.map((s) => s.rps)),
    settledRps: settledMedian(xs),
    cpu: cpuMedians(xs),
    p99: median(xs.map((s) => s.p99)),
  };
}

const deviation = (s: { busiest: number; idlest: number }) => Math.max(s.busiest - 1, 1 - s.idlest);
const short = (scenario: string) => scenario.replace('keepalive-', 'keep-alive ').replace('new-connections-', 'new conns ');

// ---------------------------------------------------------------- issue 5

function pinnedRows(p: PinnedResults | undefined): VerdictRow[] {
  const goals = [
    `${MAX_EXTRA_PROCESSES} extra processes (pinned, CPU 1)`,
    `keep-alive throughput ≥ ${PINNED_KEEPALIVE_MIN_RATIO}× pm2 cluster (pinned, CPU 1)`,
    `new-connection throughput ≥ ${PINNED_NEWCONN_MIN_RATIO}× pm2 cluster (pinned, CPU 1)`,
    `${RELOAD_MAX_FAILED} failed requests on a rolling reload, every round`,
    'killed instance: no refused connection, nothing failed beyond its in-flight requests',
    'start-to-serving ≤ 1/3 of pm2 cold start (2 instances each)',
  ];
  if (!p) return goals.map((goal) => ({ issue: 5, goal, measured: 'section pinned not run', verdict: 'not run' }));
  const d = derive(p);
  const nu = d.overhead.filter((o) => o.tool === 'nodeunit');
  const ratioRows = (scenario: string, min: number) => {
    const rows = d.throughput.filter((t) => t.scenario === scenario && t.tool === 'nodeunit').map((t) => ({ t, ratio: d.ratio(scenario, t.id, d.pm2For(t.id)) }));
    return { measured: rows.map((x) => `${x.t.label}: ${f2(x.ratio)}×`).join('; '), verdict: combine(rows.map((x) => x.ratio >= min)) };
  };
  const ka = ratioRows('keepalive-hello', PINNED_KEEPALIVE_MIN_RATIO);
  const nc = ratioRows('close-hello', PINNED_NEWCONN_MIN_RATIO);
  const reload = d.reload.filter((x) => x.tool === 'nodeunit');
  const kill = d.kill.filter((x) => x.tool === 'nodeunit');
  const nuStart = d.startMs(d.nuStartId);
  const cold = d.startMs('pm2-cold');
  return [
    { issue: 5, goal: goals[0], measured: nu.map((o) => `${o.label}: ${f0(o.extra)}`).join('; '), verdict: combine(nu.map((o) => o.extra <= MAX_EXTRA_PROCESSES)) },
    { issue: 5, goal: goals[1], ...ka },
    { issue: 5, goal: goals[2], ...nc },
    {
      issue: 5,
      goal: goals[3],
      measured: reload.map((x) => `${x.label}: ${x.failed.join(', ')}`).join('; '),
      verdict: combine(reload.map((x) => x.failed.every((n) => n <= RELOAD_MAX_FAILED))),
    },
    {
      issue: 5,
      goal: goals[4],
      measured: kill.map((x) => `${x.label}: refused ${x.refused.join(', ')}; beyond in-flight ${x.beyondInflight.join(', ')}`).join('; '),
      verdict: combine(kill.map((x) => x.refused.every((n) => n === 0) && x.beyondInflight.every((n) => n <= KILL_MAX_BEYOND_INFLIGHT))),
    },
    {
      issue: 5,
      goal: goals[5],
      measured: `${f0(nuStart)} ms vs ${f0(cold)} ms = ${f2(nuStart / cold)}`,
      verdict: Number.isFinite(nuStart / cold) ? combine([nuStart / cold <= START_MAX_FRACTION_OF_PM2_COLD]) : 'not run',
    },
  ];
}

// ---------------------------------------------------------------- issue 10

function balanceRows(b: BalanceResults | undefined): VerdictRow[] {
  const bandText = `${SHARE_BAND[0]}–${SHARE_BAND[1]}×`;
  const goals = [
    `keep-alive 16/32/64 and new connections, servers on all CPUs: default \`shared\` has every instance within ${bandText} of fair share in ≥ ${MIN_RUNS_IN_BAND} of ${OF_RUNS} runs`,
    `as even as pm2's round-robin (worst deviation from fair ≤ pm2's + ${AS_EVEN_TOLERANCE})`,
    `keep-alive throughput, servers on all CPUs, ≥ ${BALANCE_KEEPALIVE_MIN_RATIO}× pm2 at 16, 32 and 64 connections`,
  ];
  if (!b) return goals.map((goal) => ({ issue: 10, goal, measured: 'section balance not run', verdict: 'not run' }));
  const scenarios = BALANCE_SCENARIOS.filter((sc) => b.samples.some((s) => s.scenario === sc && s.contender === DEFAULT_BALANCE_ID));
  const band = scenarios.map((sc) => ({ sc, s: balanceStats(b, sc, DEFAULT_BALANCE_ID) }));
  const even = scenarios.map((sc) => ({ sc, nu: balanceStats(b, sc, DEFAULT_BALANCE_ID), pm: balanceStats(b, sc, PM2_BALANCE_ID) }));
  const ka = scenarios.filter((sc) => sc.startsWith('keepalive-')).map((sc) => ({ sc, nu: balanceStats(b, sc, DEFAULT_BALANCE_ID), pm: balanceStats(b, sc, PM2_BALANCE_ID) }));
  const reference = ka.map(({ sc, pm }) => ({ sc, pm, cl: balanceStats(b, sc, CLUSTER_BALANCE_ID) })).filter(({ cl }) => cl.runs > 0);
  return [
    {
      issue: 10,
      goal: goals[0],
      measured: band.map(({ sc, s }) => `${short(sc)}: ${s.inBand} of ${s.runs} (worst ${f2(s.busiest)} / ${f2(s.idlest)})`).join('; '),
      verdict: combine(band.map(({ s }) => s.inBand >= runsNeeded(s.runs))),
    },
    {
      issue: 10,
      goal: goals[1],
      measured: `busiest / idlest, default vs pm2: ${even.map(({ sc, nu, pm }) => `${short(sc)} ${f2(nu.busiest)}/${f2(nu.idlest)} vs ${f2(pm.busiest)}/${f2(pm.idlest)}`).join('; ')}`,
      verdict: combine(even.map(({ nu, pm }) => pm.runs > 0 && deviation(nu) <= deviation(pm) + AS_EVEN_TOLERANCE + 1e-9)),
    },
    {
      issue: 10,
      goal: goals[2],
      measured:
        `default / pm2, median req/s: ${ka.map(({ sc, nu, pm }) => `${short(sc)} ${f2(nu.rps / pm.rps)}× (${f0(nu.rps)} vs ${f0(pm.rps)})`).join('; ')}` +
        (ka.every(({ nu, pm }) => nu.settledRps !== undefined && pm.settledRps !== undefined)
          ? `; after the first second (shown, not judged): ${ka.map(({ sc, nu, pm }) => `${short(sc)} ${f2(nu.settledRps! / pm.settledRps!)}×`).join('; ')}`
          : '') +
        (reference.length
          ? `; reference, Node's cluster module with no manager / pm2 (shown, not judged): ${reference.map(({ sc, cl, pm }) => `${short(sc)} ${f2(cl.rps / pm.rps)}×`).join('; ')}`
          : '') +
        (ka.every(({ nu, pm }) => nu.cpu && pm.cpu)
          ? `; CPU µs per request, load generator + the rest (servers, their manager, interrupts), default vs pm2 (shown, not judged): ${ka
              .map(({ sc, nu, pm }) => `${short(sc)} ${f0(nu.cpu!.clientUs)} + ${f0(nu.cpu!.restUs)} vs ${f0(pm.cpu!.clientUs)} + ${f0(pm.cpu!.restUs)} (all CPUs busy ${f0(nu.cpu!.busy * 100)} % vs ${f0(pm.cpu!.busy * 100)} %)`)
              .join('; ')}`
          : ''),
      verdict: combine(ka.map(({ nu, pm }) => nu.rps / pm.rps >= BALANCE_KEEPALIVE_MIN_RATIO)),
    },
  ];
}

function nginxRow(n: BalanceResults | undefined): VerdictRow {
  const goal = 'behind nginx (keepalive 32, 64 clients): req/s, p99, shares, failed requests on reload and SIGKILL';
  if (!n) return { issue: 10, goal, measured: 'section nginx not run', verdict: 'not run' };
  const sc = n.samples[0]?.scenario ?? 'nginx-keepalive-64';
  const nu = balanceStats(n, sc, DEFAULT_BALANCE_ID);
  const pm = balanceStats(n, sc, PM2_BALANCE_ID);
  const fails = (id: string, what: 'reload' | 'kill') =>
    n.failures
      .filter((f) => f.contender === id && f.what === what)
      .map((f) => f.failed)
      .join(', ') || '–';
  return {
    issue: 10,
    goal,
    measured:
      `default \`shared\` ${f0(nu.rps)} req/s (${f2(nu.rps / pm.rps)}× pm2), p99 ${f0(nu.p99)} ms (pm2 ${f0(pm.p99)}); ` +
      `shares worst ${f2(nu.busiest)} / ${f2(nu.idlest)} (pm2 ${f2(pm.busiest)} / ${f2(pm.idlest)}); ` +
      `failed per run: reload ${fails(DEFAULT_BALANCE_ID, 'reload')}, SIGKILL ${fails(DEFAULT_BALANCE_ID, 'kill')} (pm2: reload ${fails(PM2_BALANCE_ID, 'reload')}, SIGKILL ${fails(PM2_BALANCE_ID, 'kill')})`,
    verdict: nu.runs > 0 ? 'shown' : 'not run',
  };
}

/** Median ms from SIGKILL to the replacement's first answer, per tool. */
export function recoveryMedians(d: RecoveryResults['results'][number]) {
  const ms = (tool: string) => d.kills.filter((k) => k.tool === tool && k.recoverMs !== null).map((k) => k.recoverMs as number);
  return { nodeunit: quantile(ms('nodeunit'), 0.5), pm2: quantile(ms('pm2'), 0.5) };
}

/** Gaps (s) between the starts of a crash loop. */
export const gaps = (starts: number[]) => starts.slice(1).map((t, i) => t - starts[i]);

/** systemd >= 254 grows the restart delay: the largest gap is >= BACKOFF_MIN_GROWTH × the first. */
export function backsOff(starts: number[]): boolean {
  const g = gaps(starts);
  return g.length >= 2 && g[0] > 0 && Math.max(...g) >= BACKOFF_MIN_GROWTH * g[0];
}

function recoveryRows(r: RecoveryResults | undefined): VerdictRow[] {
  const goals = ['SIGKILL of a lone instance → first answer: median ≤ pm2’s median in the same run, on systemd 252 and 257', 'a crash loop backs off; the start limit stops a hopeless loop'];
  if (!r) return goals.map((goal) => ({ issue: 10, goal, measured: 'section recovery not run', verdict: 'not run' }));
  const missing = [252, 257].filter((v) => !r.results.some((d) => d.systemdVersion === v)).map((v) => `systemd ${v} not measured`);
  const kill = r.results.map((d) => ({ d, m: recoveryMedians(d) }));
  const loops = r.results.map((d) => {
    const l = d.crashLoop;
    const expectBackoff = d.systemdVersion >= RESTART_STEPS_SINCE;
    const back = backsOff(l.starts);
    // Met: stopped by the start limit (and, where systemd grows the delay, backed off first).
    // Partly: backed off, but the start limit was not reached within the window.
    const v: Verdict = l.gaveUp && (!expectBackoff || back) ? 'met' : expectBackoff && back ? 'partly' : 'not met';
    const g = gaps(l.starts);
    return {
      v,
      text:
        `${d.systemdVersion}: ${l.starts.length} starts, gaps ${g.length ? `${g[0].toFixed(2)}…${Math.max(...g).toFixed(2)} s` : '–'}` +
        `${expectBackoff ? (back ? ' (backs off)' : ' (no backoff)') : ''}, ` +
        (l.gaveUp ? `stopped by the start limit at ${l.gaveUpAtSec ?? '?'} s` : `still retrying after ${l.windowSec} s`),
    };
  });
  const loopVerdict: Verdict =
    loops.length === 0 ? 'not run' : loops.every((l) => l.v === 'met') && !missing.length ? 'met' : loops.every((l) => l.v === 'not met') ? 'not met' : 'partly';
  const killChecks = [...kill.map(({ m }) => m.nodeunit <= m.pm2 * RECOVERY_MAX_RATIO_TO_PM2), ...missing.map(() => false)];
  return [
    {
      issue: 10,
      goal: goals[0],
      measured: [...kill.map(({ d, m }) => `${d.systemdVersion}: ${f0(m.nodeunit)} ms vs pm2 ${f0(m.pm2)} ms`), ...missing].join('; '),
      verdict: kill.length ? combine(killChecks) : 'not run',
    },
    { issue: 10, goal: goals[1], measured: [...loops.map((l) => l.text), ...missing].join('; '), verdict: loopVerdict },
  ];
}

function startRow(s: StartResults | undefined): VerdictRow {
  const goal = `start-to-serving of a Fastify app (4 plugins) ≤ ${FASTIFY_MAX_RATIO.toFixed(2)}× plain node (medians; hello shown)`;
  if (!s) return { issue: 10, goal, measured: 'section start not run', verdict: 'not run' };
  const r = (u: { nodeunit: string; plain: string }) => {
    const a = median(s.samples[u.nodeunit] ?? []);
    const b = median(s.samples[u.plain] ?? []);
    return { a, b, ratio: a / b };
  };
  const fa = r(START_UNITS.Fastify);
  const he = r(START_UNITS.hello);
  return {
    issue: 10,
    goal,
    measured: `Fastify ${fa.a.toFixed(1)} vs ${fa.b.toFixed(1)} ms = ${f3(fa.ratio)}×; hello ${he.a.toFixed(1)} vs ${he.b.toFixed(1)} ms = ${f3(he.ratio)}×`,
    verdict: Number.isFinite(fa.ratio) ? combine([fa.ratio <= FASTIFY_MAX_RATIO + 1e-9]) : 'not run',
  };
}

const LOOP_DELAY_ROW: VerdictRow = {
  issue: 10,
  goal: 'status line: loop delay ~0 when idle, ≥ 150 ms for a loop blocked 200 ms per second',
  measured: 'a unit test on the real histogram, not a benchmark figure: test/unit/preload/loop-delay.test.ts',
  verdict: 'met (unit test)',
};

/** Every goal's row, from the samples of one run (sections that did not run: "not run"). */
export function verdicts(run: Pick<BenchRun, 'pinned' | 'balance' | 'nginx' | 'recovery' | 'start'>): VerdictRow[] {
  return [...pinnedRows(run.pinned), ...balanceRows(run.balance), nginxRow(run.nginx), ...recoveryRows(run.recovery), startRow(run.start), LOOP_DELAY_ROW];
}

/** The verdict table as markdown. */
export function verdictTable(rows: VerdictRow[]): string {
  const bold = (v: Verdict) => (v === 'not met' || v === 'partly' ? `**${v}**` : v);
  return ['| goal | measured | verdict |', '|---|---|---|', ...rows.map((r) => `| issue ${r.issue}: ${r.goal} | ${r.measured.replace(/\|/g, '\\|')} | ${bold(r.verdict)} |`)].join('\n');
}
