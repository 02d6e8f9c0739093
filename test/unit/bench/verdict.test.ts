import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { BalanceResults, BalanceSample, PinnedResults, RecoveryResults, StartResults } from '../../../bench/lib/types';
import { combine, runsNeeded, verdicts, verdictTable, type VerdictRow } from '../../../bench/lib/verdict';

const clock = { startedAt: '2026-11-27T00:00:00Z', durationSec: 1, loadAvgStart: [0, 0, 0], loadAvgEnd: [0, 0, 0] };
const row = (rows: VerdictRow[], goal: string) => {
  const r = rows.find((x) => x.goal.includes(goal));
  if (!r) throw new Error(`no row for ${goal}`);
  return r;
};

// ---------------------------------------------------------------- balance

const even = [1, 1, 1, 1];
const uneven = [1.6, 1, 0.8, 0.6];
function balance(opts: { inBand?: Partial<Record<string, number>>; runs?: number; paced?: number[]; pm2?: number[]; rps?: Partial<Record<string, [number, number]>> } = {}): BalanceResults {
  const runs = opts.runs ?? 10;
  const samples: BalanceSample[] = [];
  for (const scenario of ['keepalive-16', 'keepalive-32', 'keepalive-64', 'new-connections-32']) {
    const good = opts.inBand?.[scenario] ?? runs;
    const [nuRps, pmRps] = opts.rps?.[scenario] ?? [1100, 1000];
    for (let round = 0; round < runs; round++) {
      samples.push({ section: 'direct', round, scenario, contender: 'bpaced', rps: nuRps, p99: 5, failed: 0, shares: round < good ? (opts.paced ?? even) : uneven });
      samples.push({ section: 'direct', round, scenario, contender: 'bpm2', rps: pmRps, p99: 5, failed: 0, shares: opts.pm2 ?? even });
    }
  }
  return { ...clock, systemd: 'systemd 252', rounds: runs, loadSec: 3, instances: 4, contenders: [], samples, failures: [] };
}

describe('balance verdicts (issue 10)', () => {
  const band = 'within 0.5–1.5×';
  it('9 of 10 runs within the band in every load: met', () => {
    const v = verdicts({ balance: balance({ inBand: { 'keepalive-16': 9, 'keepalive-32': 9, 'keepalive-64': 9, 'new-connections-32': 9 } }) });
    expect(row(v, band).verdict).toBe('met');
    expect(row(v, band).measured).toContain('keep-alive 16: 9 of 10');
  });
  it('8 of 10 in one load: that load misses (partly); 8 of 10 in all: not met', () => {
    expect(row(verdicts({ balance: balance({ inBand: { 'keepalive-16': 8 } }) }), band).verdict).toBe('partly');
    const all8 = { 'keepalive-16': 8, 'keepalive-32': 8, 'keepalive-64': 8, 'new-connections-32': 8 };
    expect(row(verdicts({ balance: balance({ inBand: all8 }) }), band).verdict).toBe('not met');
  });
  it('the band is inclusive: shares of exactly 0.5 and 1.5 count as within', () => {
    expect(row(verdicts({ balance: balance({ paced: [1.5, 1, 1, 0.5] }) }), band).verdict).toBe('met');
    expect(row(verdicts({ balance: balance({ paced: [1.51, 1, 1, 0.49] }) }), band).verdict).toBe('not met');
  });
  it('other numbers of rounds need the same fraction, rounded up', () => {
    expect(runsNeeded(10)).toBe(9);
    expect(runsNeeded(20)).toBe(18);
    expect(runsNeeded(3)).toBe(3);
    expect(runsNeeded(1)).toBe(1);
  });
  it('as even as pm2: worst deviation at most pm2 + 0.1', () => {
    const goal = "as even as pm2's";
    // pm2 worst deviation 0.2 (1.2 / 0.8); default 0.3 (1.3 / 0.7): exactly at the tolerance -> met
    expect(row(verdicts({ balance: balance({ paced: [1.3, 1, 1, 0.7], pm2: [1.2, 1, 1, 0.8] }) }), goal).verdict).toBe('met');
    expect(row(verdicts({ balance: balance({ paced: [1.31, 1, 1, 0.69], pm2: [1.2, 1, 1, 0.8] }) }), goal).verdict).toBe('not met');
    expect(row(verdicts({ balance: balance({ paced: [1.3, 1, 1, 0.7], pm2: [1.2, 1, 1, 0.8] }) }), goal).measured).toContain('keep-alive 16 1.30/0.70 vs 1.20/0.80');
  });
  it('keep-alive throughput: ratio exactly 1.1 met, below it not; new connections do not count', () => {
    const goal = 'keep-alive throughput, servers on all CPUs';
    const at = (r: number) => ({ 'keepalive-16': [r * 1000, 1000], 'keepalive-32': [r * 1000, 1000], 'keepalive-64': [r * 1000, 1000], 'new-connections-32': [1, 1000] }) as Record<string, [number, number]>;
    expect(row(verdicts({ balance: balance({ rps: at(1.1) }) }), goal).verdict).toBe('met');
    expect(row(verdicts({ balance: balance({ rps: at(1.09) }) }), goal).verdict).toBe('not met');
    expect(row(verdicts({ balance: balance({ rps: { ...at(1.1), 'keepalive-16': [600, 1000] } }) }), goal).verdict).toBe('partly');
  });
  it('keep-alive throughput after the first second is shown beside the judged figure, never judged', () => {
    const goal = 'keep-alive throughput, servers on all CPUs';
    const b = balance();
    expect(row(verdicts({ balance: b }), goal).measured).not.toContain('after the first second'); // results without it
    for (const s of b.samples) s.settledRps = s.contender === 'bpaced' ? 2000 : 1000;
    const r = row(verdicts({ balance: b }), goal);
    expect(r.measured).toContain('after the first second (shown, not judged): keep-alive 16 2.00×; keep-alive 32 2.00×; keep-alive 64 2.00×');
    for (const s of b.samples) if (s.contender === 'bpaced') s.rps = 900;
    expect(row(verdicts({ balance: b }), goal).verdict).toBe('not met'); // judged on the whole run
  });
  it("the reference (Node's cluster with no manager) is shown beside the throughput goal when it ran, never judged", () => {
    const goal = 'keep-alive throughput, servers on all CPUs';
    const b = balance();
    expect(row(verdicts({ balance: b }), goal).measured).not.toContain('reference'); // results without it
    for (const s of b.samples.filter((x) => x.contender === 'bpm2')) b.samples.push({ ...s, contender: 'bcluster', rps: s.rps * 1.25 });
    const r = row(verdicts({ balance: b }), goal);
    expect(r.measured).toContain("reference, Node's cluster module with no manager / pm2 (shown, not judged): keep-alive 16 1.25×; keep-alive 32 1.25×; keep-alive 64 1.25×");
    expect(r.verdict).toBe('met'); // 1100 vs 1000: the reference does not change it
  });
  it('CPU time per request is shown beside the throughput goal when every run measured it (medians), never judged', () => {
    const goal = 'keep-alive throughput, servers on all CPUs';
    const b = balance();
    expect(row(verdicts({ balance: b }), goal).measured).not.toContain('CPU µs per request'); // results without it
    b.samples.forEach((s, i) => (s.cpu = s.contender === 'bpaced' ? { clientUs: 60 + (i % 3), restUs: 70, busy: 0.9 } : { clientUs: 61, restUs: 72.4, busy: 0.88 }));
    const r = row(verdicts({ balance: b }), goal);
    expect(r.measured).toContain('CPU µs per request, load generator + the rest (servers, their manager, interrupts), default vs pm2 (shown, not judged): keep-alive 16 61 + 70 vs 61 + 72 (all CPUs busy 90 % vs 88 %)');
    expect(r.verdict).toBe('met'); // 1100 vs 1000: judged on req/s alone, whatever each request cost
    delete b.samples.find((s) => s.scenario === 'keepalive-64' && s.contender === 'bpm2')!.cpu;
    expect(row(verdicts({ balance: b }), goal).measured).not.toContain('CPU µs per request'); // one run without it: not shown
  });
  it('a section that did not run: not run', () => {
    expect(row(verdicts({}), band).verdict).toBe('not run');
  });
});

// ---------------------------------------------------------------- nginx, recovery, start

describe('nginx, recovery and start verdicts (issue 10)', () => {
  it('behind nginx: figures shown', () => {
    const n = balance({ runs: 2 });
    n.samples = n.samples.filter((s) => s.scenario === 'keepalive-16').map((s) => ({ ...s, section: 'nginx', scenario: 'nginx-keepalive-64' }));
    n.failures = [
      { round: 0, contender: 'bpaced', what: 'reload', requests: 100, failed: 0, codes: {} },
      { round: 0, contender: 'bpaced', what: 'kill', requests: 100, failed: 2, codes: {} },
    ];
    const r = row(verdicts({ nginx: n }), 'behind nginx');
    expect(r.verdict).toBe('shown');
    expect(r.measured).toContain('reload 0, SIGKILL 2');
  });

  const distro = (systemdVersion: number, nu: number[], pm: number[], starts: number[], gaveUp: boolean) => ({
    label: `systemd ${systemdVersion}`,
    systemdVersion,
    kills: [...nu.map((recoverMs, round) => ({ tool: 'nodeunit', round, recoverMs, refused: 0 })), ...pm.map((recoverMs, round) => ({ tool: 'pm2', round, recoverMs, refused: 100 }))],
    crashLoop: { starts, gaveUp, gaveUpAtSec: gaveUp ? starts[starts.length - 1] : null, windowSec: 180, finalState: '', lastMessages: [] },
  });
  const fixed = [0, 0.2, 0.4, 0.6, 0.8, 1, 1.2, 1.4, 1.6, 1.8];
  const growing = [0, 0.35, 0.78, 1.21, 1.66, 2.66, 5.3, 12.34, 32.9, 93.17];
  const recovery = (...results: ReturnType<typeof distro>[]): RecoveryResults => ({ ...clock, rounds: 3, results });

  it('SIGKILL → first answer: median equal to pm2 met, above it not met, one of two partly', () => {
    const goal = 'SIGKILL of a lone instance';
    expect(row(verdicts({ recovery: recovery(distro(252, [100, 200, 300], [150, 200, 250], fixed, true), distro(257, [1, 2, 3], [5, 6, 7], growing, true)) }), goal).verdict).toBe('met');
    expect(row(verdicts({ recovery: recovery(distro(252, [100, 201, 300], [150, 200, 250], fixed, true), distro(257, [9, 9, 9], [5, 6, 7], growing, true)) }), goal).verdict).toBe('not met');
    expect(row(verdicts({ recovery: recovery(distro(252, [100, 201, 300], [150, 200, 250], fixed, true), distro(257, [1, 2, 3], [5, 6, 7], growing, true)) }), goal).verdict).toBe('partly');
    // 257 missing: at most partly
    expect(row(verdicts({ recovery: recovery(distro(252, [1, 2, 3], [5, 6, 7], fixed, true)) }), goal).verdict).toBe('partly');
  });

  it('crash loop: stopped by the start limit (and backing off on 257) met; backoff without the limit partly', () => {
    const goal = 'crash loop';
    expect(row(verdicts({ recovery: recovery(distro(252, [1], [2], fixed, true), distro(257, [1], [2], [...growing, 153], true)) }), goal).verdict).toBe('met');
    const r = row(verdicts({ recovery: recovery(distro(252, [1], [2], fixed, true), distro(257, [1], [2], growing, false)) }), goal);
    expect(r.verdict).toBe('partly');
    expect(r.measured).toContain('257: 10 starts');
    expect(r.measured).toContain('(backs off), still retrying after 180 s');
    // 257 with a fixed delay stopped by the limit: no backoff where systemd can grow it
    expect(row(verdicts({ recovery: recovery(distro(252, [1], [2], fixed, false), distro(257, [1], [2], fixed, true)) }), goal).verdict).toBe('not met');
  });

  const start = (fastify: [number, number]): StartResults => ({
    ...clock,
    systemd: 'systemd 252',
    node: 'v24',
    rounds: 3,
    samples: {
      'bench-nodeunit.service': [75, 75, 75],
      'bench-plain.service': [50, 50, 50],
      'bench-nodeunit-fastify.service': [fastify[0], fastify[0], fastify[0]],
      'bench-plain-fastify.service': [fastify[1], fastify[1], fastify[1]],
    },
    breakdown: {},
    preload: '',
  });
  it('Fastify start: ratio exactly 1.10 met, above not met; hello shown', () => {
    const goal = 'Fastify app';
    expect(row(verdicts({ start: start([275, 250]) }), goal).verdict).toBe('met');
    expect(row(verdicts({ start: start([276, 250]) }), goal).verdict).toBe('not met');
    expect(row(verdicts({ start: start([275, 250]) }), goal).measured).toBe('Fastify 275.0 vs 250.0 ms = 1.100×; hello 75.0 vs 50.0 ms = 1.500×');
  });

  it('loop delay: the unit test is the measurement', () => {
    const r = row(verdicts({}), 'loop delay');
    expect(r.verdict).toBe('met (unit test)');
    expect(r.measured).toContain('test/unit/preload/loop-delay.test.ts');
    expect(existsSync('test/unit/preload/loop-delay.test.ts')).toBe(true);
  });
});

// ---------------------------------------------------------------- issue 5

function pinned(o: { kaRatio?: number; ncRatio?: number; reloadFailed?: number[]; extraProcesses?: number; beyond?: number; startMs?: number; coldMs?: number } = {}): PinnedResults {
  const contenders = [
    { id: 'plain', label: 'plain node', tool: 'plain' as const, instances: 1, port: 1 },
    { id: 'bsh2', label: 'nodeunit shared ×2', tool: 'nodeunit' as const, instances: 2, balance: 'shared' as const, port: 2 },
    { id: 'pm2c2', label: 'pm2 -i 2', tool: 'pm2' as const, instances: 2, port: 3 },
    { id: 'bst2', label: 'nodeunit shared ×2', tool: 'nodeunit' as const, instances: 2, balance: 'shared' as const, port: 4 },
  ];
  const tp = (scenario: string, ratio: number) => [
    { round: 0, scenario, contender: 'plain', rps: 1000, p50: 1, p99: 2, failed: 0, perInstance: [1000] },
    { round: 0, scenario, contender: 'bsh2', rps: 1000 * ratio, p50: 1, p99: 2, failed: 0, perInstance: [500, 500] },
    { round: 0, scenario, contender: 'pm2c2', rps: 1000, p50: 1, p99: 2, failed: 0, perInstance: [500, 500] },
  ];
  const oh = (contender: string, instances: number, processes: number) => ({ round: 0, phase: 'idle' as const, contender, instances, processes, instanceRssKb: Array(instances).fill(50_000), managerRssKb: [] });
  const fail = { lost: 0, codes: {}, timeouts: 0, non2xx: 0, requests: 1000 };
  return {
    date: '2026-11-27',
    startedAt: clock.startedAt,
    durationSec: 1,
    quick: false,
    note: '',
    machine: { cpuModel: 'x', cores: 2, kernel: 'k', appNode: 'v24', loadNode: 'v24', pm2: '7', systemd: 'systemd 252', autocannon: '9', nodeunit: '0.1', loadAvgStart: [], loadAvgEnd: [], pinning: '' },
    config: { rounds: 1, reloadRounds: 2, loadSec: 1, connections: 50, hangWindowSec: 6 },
    contenders,
    samples: {
      overhead: [oh('plain', 1, 1), oh('bsh2', 2, 2 + (o.extraProcesses ?? 0)), oh('pm2c2', 2, 3)],
      throughput: [...tp('keepalive-hello', o.kaRatio ?? 1.1), ...tp('close-hello', o.ncRatio ?? 1.4)],
      reload: (o.reloadFailed ?? [0, 0]).map((failed, round) => ({ round, contender: 'bsh2', failed, reloadMs: 100, ...fail })),
      kill: [{ round: 0, contender: 'bsh2', instances: 2, failed: 3 + (o.beyond ?? 0), inflightOnKilled: 3, refused: 0, recoverMs: 100, ...fail }],
      start: [
        { round: 0, contender: 'bst2', ms: o.startMs ?? 100, commandMs: 1 },
        { round: 0, contender: 'pm2-cold', ms: o.coldMs ?? 300, commandMs: 1 },
      ],
      hang: [],
    },
  };
}

describe('pinned verdicts (issue 5)', () => {
  it('everything at its threshold: met', () => {
    const v = verdicts({ pinned: pinned() }).filter((r) => r.issue === 5);
    expect(v.map((r) => r.verdict)).toEqual(['met', 'met', 'met', 'met', 'met', 'met']);
  });
  it('just past each threshold: not met', () => {
    const v = (o: Parameters<typeof pinned>[0], goal: string) => row(verdicts({ pinned: pinned(o) }), goal).verdict;
    expect(v({ extraProcesses: 1 }, 'extra processes')).toBe('not met');
    expect(v({ kaRatio: 1.09 }, 'keep-alive throughput ≥ 1.1×')).toBe('not met');
    expect(v({ ncRatio: 1.39 }, 'new-connection throughput')).toBe('not met');
    expect(v({ reloadFailed: [0, 1] }, 'rolling reload')).toBe('not met');
    expect(v({ beyond: 1 }, 'killed instance')).toBe('not met');
    expect(v({ startMs: 101 }, 'start-to-serving ≤ 1/3')).toBe('not met');
  });
});

describe('the verdict table', () => {
  it('has one row per goal with goal / measured / verdict, misses in bold', () => {
    expect(combine([])).toBe('not run');
    const rows = verdicts({});
    expect(rows).toHaveLength(14);
    expect(rows.filter((r) => r.verdict === 'not run')).toHaveLength(13);
    const md = verdictTable([{ issue: 10, goal: 'g', measured: 'a | b', verdict: 'not met' }]);
    expect(md.split('\n')).toEqual(['| goal | measured | verdict |', '|---|---|---|', '| issue 10: g | a \\| b | **not met** |']);
  });
});
