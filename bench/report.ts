/**
 * Regenerates the markdown table and the SVG charts of one benchmark run
 * from its raw JSON:
 *   npx tsx bench/report.ts bench/results/<date>.json
 * writes bench/results/<date>.md and bench/results/<date>-*.svg next to it.
 * Charts: vega-lite specs compiled and rendered headless by vega (no canvas).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { median, summarize, sum, type Summary } from './lib/stats.js';
import type { BenchResults, ContenderInfo } from './lib/types.js';

const SCENARIO_TITLES: Record<string, string> = {
  'keepalive-hello': 'keep-alive, hello',
  'keepalive-cpu': 'keep-alive, CPU-busy (~1 ms)',
  'close-hello': 'new connection per request, hello',
};
const START_TITLES: Record<string, string> = {
  'pm2-cold': 'pm2 start -i 2 (daemon cold)',
  'pm2-warm': 'pm2 start -i 2 (daemon warm)',
  plain: 'plain node: systemctl start',
};
const TOOL_COLORS = { domain: ['nodeunit', 'pm2', 'plain'], range: ['#2b8a3e', '#c92a2a', '#868e96'] };

const f0 = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '–');
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');
const mb = (kb: number) => kb / 1024;
const spread = (s: Summary, fmt = f0) => (s.n > 1 ? `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})` : fmt(s.median));

/** Everything derived from the raw samples, used by the table and the charts alike. */
export function derive(r: BenchResults) {
  const info = new Map<string, ContenderInfo>(r.contenders.map((c) => [c.id, c]));
  const label = (id: string) => info.get(id)?.label ?? START_TITLES[id] ?? id;
  const tool = (id: string) => info.get(id)?.tool ?? (id.startsWith('pm2') ? 'pm2' : id);
  const ids = (xs: { contender: string }[]) => [...new Set(xs.map((x) => x.contender))];
  const pm2For = (id: string) => r.contenders.find((c) => c.tool === 'pm2' && c.instances === info.get(id)?.instances && ids(r.samples.throughput).includes(c.id))?.id;
  const plainId = r.contenders.find((c) => c.tool === 'plain')?.id ?? 'plain';

  // Figure 1: idle after a fresh start; RSS after load as a second look.
  const idle = r.samples.overhead.filter((s) => s.phase === 'idle');
  const plainRssKb = median(idle.filter((s) => s.contender === plainId).flatMap((s) => s.instanceRssKb));
  const overhead = ids(idle).map((id) => {
    const ss = idle.filter((s) => s.contender === id);
    const loaded = r.samples.overhead.filter((s) => s.phase === 'after-load' && s.contender === id);
    const instances = info.get(id)!.instances;
    const processes = median(ss.map((s) => s.processes));
    const instanceKb = median(ss.flatMap((s) => s.instanceRssKb));
    const managerKb = median(ss.map((s) => sum(s.managerRssKb)));
    const totalKb = median(ss.map((s) => sum(s.instanceRssKb) + sum(s.managerRssKb)));
    return {
      id,
      label: label(id),
      tool: tool(id),
      instances,
      processes,
      extra: processes - instances,
      instanceKb,
      managerKb,
      totalKb,
      overheadKb: totalKb - instances * plainRssKb,
      loadedInstanceKb: median(loaded.flatMap((s) => s.instanceRssKb)),
      loadedManagerKb: median(loaded.map((s) => sum(s.managerRssKb))),
    };
  });

  // Figures 2-3
  const throughput = [...new Set(r.samples.throughput.map((s) => s.scenario))].flatMap((scenario) =>
    ids(r.samples.throughput).map((id) => {
      const ss = r.samples.throughput.filter((s) => s.scenario === scenario && s.contender === id);
      const byPos = ss[0].perInstance.map((_, i) => sum(ss.map((s) => s.perInstance[i] ?? 0)));
      const total = sum(byPos);
      return {
        scenario,
        id,
        label: label(id),
        tool: tool(id),
        instances: info.get(id)!.instances,
        rps: summarize(ss.map((s) => s.rps)),
        p99: summarize(ss.map((s) => s.p99)),
        failed: sum(ss.map((s) => s.failed)),
        shares: byPos.map((n) => (total ? (100 * n) / total : 0)),
      };
    }),
  );
  const tpRow = (scenario: string, id: string | undefined) => throughput.find((t) => t.scenario === scenario && t.id === id);
  const ratio = (scenario: string, id: string, other: string | undefined) => {
    const a = tpRow(scenario, id);
    const b = tpRow(scenario, other);
    return a && b ? a.rps.median / b.rps.median : NaN;
  };

  // Figures 4-5
  const reload = ids(r.samples.reload).map((id) => {
    const ss = r.samples.reload.filter((s) => s.contender === id);
    return {
      id,
      label: label(id),
      tool: tool(id),
      failed: ss.map((s) => s.failed),
      lost: ss.map((s) => s.lost),
      requests: median(ss.map((s) => s.requests)),
      reloadMs: summarize(ss.map((s) => s.reloadMs)),
    };
  });
  const kill = ids(r.samples.kill).map((id) => {
    const ss = r.samples.kill.filter((s) => s.contender === id);
    const rec = ss.map((s) => s.recoverMs).filter((x): x is number => x !== null);
    return {
      id,
      label: label(id),
      tool: tool(id),
      instances: info.get(id)!.instances,
      failed: ss.map((s) => s.failed),
      inflight: ss.map((s) => s.inflightOnKilled),
      refused: ss.map((s) => s.refused),
      beyondInflight: ss.map((s) => Math.max(0, s.failed - s.inflightOnKilled)),
      recoverMs: rec.length ? summarize(rec) : undefined,
      requests: median(ss.map((s) => s.requests)),
    };
  });

  // Figures 6-7
  const start = ids(r.samples.start).map((id) => ({
    id,
    label: START_TITLES[id] ?? `${label(id)}: systemctl start`,
    tool: tool(id),
    instances: info.get(id)?.instances ?? 2,
    ms: summarize(r.samples.start.filter((s) => s.contender === id).map((s) => s.ms)),
  }));
  // The nodeunit start compared with pm2 -i 2: two instances, as enable writes them.
  const nuStartId = start.find((s) => s.tool === 'nodeunit' && s.instances === 2 && !s.label.includes('no sandbox'))?.id ?? 'nodeunit';
  const startMs = (id: string) => start.find((s) => s.id === id)?.ms.median ?? NaN;
  const hang = ids(r.samples.hang).map((id) => {
    const ss = r.samples.hang.filter((s) => s.contender === id);
    const rec = ss.map((s) => s.recoverMs).filter((x): x is number => x !== null);
    return {
      id,
      label: label(id),
      tool: tool(id),
      detected: rec.length,
      rounds: ss.length,
      windowSec: ss[0].windowSec,
      recoverMs: rec.length ? summarize(rec) : undefined,
      failed: summarize(ss.map((s) => s.failed)),
      requests: summarize(ss.map((s) => s.requests)),
    };
  });

  return { info, label, tool, pm2For, plainId, plainRssKb, overhead, throughput, tpRow, ratio, reload, kill, start, nuStartId, startMs, hang };
}

export function renderMarkdown(r: BenchResults): string {
  const d = derive(r);
  const m = r.machine;
  const L: string[] = [];
  const table = (head: string[], rows: (string | number)[][]) => {
    L.push(`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`);
    for (const row of rows) L.push(`| ${row.join(' | ')} |`);
    L.push('');
  };
  L.push(`# nodeunit vs pm2 vs plain node — ${r.date}${r.quick ? ' (QUICK MODE: 1 round, short runs; not for citing)' : ''}`, '');
  L.push(
    `${m.cpuModel}, ${m.cores} cores, Linux ${m.kernel}; app node ${m.appNode} for every contender; pm2 ${m.pm2}; ${m.systemd.split(' (')[0]} in a systemd-nspawn container; ${m.nodeunit}; autocannon ${m.autocannon} on node ${m.loadNode}. ` +
      `${m.pinning}. ${r.config.connections} connections, ${r.config.loadSec} s per throughput run, ${r.config.rounds} rounds (reload: ${r.config.reloadRounds}), contenders alternating within each round. ` +
      `Figures are medians, (min–max) over rounds. Run took ${Math.round(r.durationSec / 60)} min; load average ${m.loadAvgStart.map(f2).join(' ')} at start, ${m.loadAvgEnd.map(f2).join(' ')} at the end.`,
    '',
  );
  L.push(`> ${r.note}`, '');

  L.push('## 1. Resident overhead (idle, 1 s after a fresh start)', '');
  table(
    ['contender', 'processes', 'extra processes', 'RSS per instance', 'manager RSS', 'total RSS', `overhead vs N × plain node (${f1(mb(d.plainRssKb))} MB)`, 'overhead ÷ pm2\'s', 'after load: per instance / manager'],
    d.overhead.map((o) => {
      const pm = d.overhead.find((x) => x.id === d.pm2For(o.id));
      return [
        o.label,
        f0(o.processes),
        f0(o.extra),
        `${f1(mb(o.instanceKb))} MB`,
        o.managerKb ? `${f1(mb(o.managerKb))} MB` : '–',
        `${f1(mb(o.totalKb))} MB`,
        `${f1(mb(o.overheadKb))} MB`,
        o.tool === 'nodeunit' && pm ? f2(o.overheadKb / pm.overheadKb) : '',
        `${f1(mb(o.loadedInstanceKb))} / ${o.loadedManagerKb ? f1(mb(o.loadedManagerKb)) : '–'} MB`,
      ];
    }),
  );

  for (const scenario of [...new Set(d.throughput.map((t) => t.scenario))]) {
    L.push(`## ${scenario.startsWith('close') ? '3' : '2'}. Throughput, ${SCENARIO_TITLES[scenario] ?? scenario}`, '');
    table(
      ['contender', 'req/s', 'p99 latency ms', 'share per instance %', 'vs pm2 (same N)', 'vs plain node', 'failed'],
      d.throughput
        .filter((t) => t.scenario === scenario)
        .map((t) => [
          t.label,
          spread(t.rps),
          spread(t.p99),
          t.instances > 1 ? t.shares.map(f0).join(' / ') : '100',
          t.tool === 'nodeunit' ? `${f2(d.ratio(scenario, t.id, d.pm2For(t.id)))}×` : '',
          t.tool === 'plain' ? '' : `${f2(d.ratio(scenario, t.id, d.plainId))}×`,
          t.failed,
        ]),
    );
  }

  L.push('## 4. Rolling reload under keep-alive load: failed requests', '');
  table(
    ['contender', 'failed per round', 'of which lost (FIN, no answer)', 'requests per round', 'reload took ms'],
    d.reload.map((x) => [x.label, x.failed.join(', '), x.lost.join(', '), f0(x.requests), spread(x.reloadMs)]),
  );

  L.push('## 5. One instance SIGKILLed under keep-alive load', '');
  table(
    ['contender', 'failed per round', 'in flight on the killed instance', 'failed beyond those', 'refused connections', 'serving again after ms (replacement\'s first answer)'],
    d.kill.map((x) => [x.label, x.failed.join(', '), x.inflight.join(', '), x.beyondInflight.join(', '), x.refused.join(', '), x.recoverMs ? spread(x.recoverMs) : '–']),
  );

  L.push('## 6. Start until the app serves', '');
  const cold = d.startMs('pm2-cold');
  L.push('First 200 from 127.0.0.1, timed from just before the start command. nodeunit: `systemctl start --no-block <app>.target` of the units enable writes (socket + instances).', '');
  table(
    ['how', 'ms to first 200', 'vs pm2 cold', 'vs pm2 warm', 'vs plain node'],
    d.start.map((s) => [s.label, spread(s.ms), f2(s.ms.median / cold), f2(s.ms.median / d.startMs('pm2-warm')), f2(s.ms.median / d.startMs('plain'))]),
  );

  L.push('## 7. A hung event loop (GET /hang blocks it forever)', '');
  table(
    ['contender', 'detected and replaced', 'serving again after ms', 'failed requests in the window', 'requests'],
    d.hang.map((h) => [
      h.label,
      `${h.detected} of ${h.rounds}`,
      h.recoverMs ? spread(h.recoverMs) : `not detected within ${h.windowSec} s`,
      spread(h.failed),
      spread(h.requests),
    ]),
  );

  L.push('## Goals', '');
  const nuIds = d.overhead.filter((o) => o.tool === 'nodeunit');
  const ka = d.throughput.filter((t) => t.scenario === 'keepalive-hello' && t.tool === 'nodeunit');
  const nc = d.throughput.filter((t) => t.scenario === 'close-hello' && t.tool === 'nodeunit');
  const nuReload = d.reload.filter((x) => x.tool === 'nodeunit');
  const nuKill = d.kill.filter((x) => x.tool === 'nodeunit');
  const nuStart = d.startMs(d.nuStartId);
  const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');
  table(
    ['goal', 'measured', 'verdict'],
    [
      ['0 extra processes', nuIds.map((o) => `${o.label}: ${f0(o.extra)}`).join('; '), verdict(nuIds.every((o) => o.extra === 0))],
      ['keep-alive throughput ≥ 1.1× pm2 cluster', ka.map((t) => `${t.label}: ${f2(d.ratio(t.scenario, t.id, d.pm2For(t.id)))}×`).join('; '), verdict(ka.every((t) => d.ratio(t.scenario, t.id, d.pm2For(t.id)) >= 1.1))],
      ['new-connection throughput ≥ 1.4× pm2 cluster', nc.map((t) => `${t.label}: ${f2(d.ratio(t.scenario, t.id, d.pm2For(t.id)))}×`).join('; '), verdict(nc.every((t) => d.ratio(t.scenario, t.id, d.pm2For(t.id)) >= 1.4))],
      ['0 failed requests on reload, every round', nuReload.map((x) => `${x.label}: ${x.failed.join(', ')}`).join('; '), verdict(nuReload.every((x) => x.failed.every((n) => n === 0)))],
      [
        'killed instance: no refused connection, no failure beyond its in-flight requests',
        nuKill.map((x) => `${x.label}: refused ${x.refused.join(', ')}; beyond in-flight ${x.beyondInflight.join(', ')}`).join('; '),
        verdict(nuKill.every((x) => x.refused.every((n) => n === 0) && x.beyondInflight.every((n) => n === 0))),
      ],
      ['start-to-serving ≤ 1/3 of pm2 cold start (2 instances each)', `${f0(nuStart)} ms vs ${f0(cold)} ms = ${f2(nuStart / cold)}`, verdict(nuStart / cold <= 1 / 3)],
    ],
  );
  const rp = (n: number) => d.throughput.filter((t) => t.tool === 'nodeunit' && t.instances === n);
  if (rp(2).length) {
    L.push('## --balance: shared vs reuseport', '');
    const rows: string[][] = [];
    for (const scenario of [...new Set(d.throughput.map((t) => t.scenario))]) {
      for (const n of [2, 4]) {
        const sh = d.throughput.find((t) => t.scenario === scenario && t.tool === 'nodeunit' && t.instances === n && d.info.get(t.id)?.balance === 'shared');
        const re = d.throughput.find((t) => t.scenario === scenario && t.tool === 'nodeunit' && t.instances === n && d.info.get(t.id)?.balance === 'reuseport');
        if (!sh || !re) continue;
        rows.push([`${SCENARIO_TITLES[scenario] ?? scenario}, ×${n}`, f2(re.rps.median / sh.rps.median), `${f0(sh.p99.median)} / ${f0(re.p99.median)}`, `${sh.shares.map(f0).join('/')} vs ${re.shares.map(f0).join('/')}`]);
      }
    }
    table(['scenario', 'req/s reuseport ÷ shared', 'p99 ms shared / reuseport', 'shares % shared vs reuseport'], rows);
  }
  return L.join('\n');
}

// ---------------------------------------------------------------- charts

async function svg(spec: TopLevelSpec): Promise<string> {
  // Errors only: vega-lite warns about facets with independent scales, which is intended here.
  const view = new vega.View(vega.parse(compile(spec, { logger: vega.logger(vega.Error) }).spec), { renderer: 'none' });
  const out = await view.toSVG();
  view.finalize();
  return out + '\n';
}

const base = { background: 'white', config: { font: 'sans-serif', view: { stroke: null }, axis: { labelLimit: 260 } } } as const;

export function chartSpecs(r: BenchResults): Record<string, TopLevelSpec> {
  const d = derive(r);
  const sub = `${r.machine.cpuModel}, ${r.machine.cores} cores; node ${r.machine.appNode}, pm2 ${r.machine.pm2}; ${r.date}${r.quick ? ' (quick mode)' : ''}`;
  const color = { field: 'tool', type: 'nominal', scale: TOOL_COLORS, legend: { title: null, orient: 'bottom' } } as const;
  const tp = d.throughput.map((t) => ({ scenario: SCENARIO_TITLES[t.scenario] ?? t.scenario, label: t.label, tool: t.tool, median: t.rps.median, min: t.rps.min, max: t.rps.max, p99: t.p99.median, p99min: t.p99.min, p99max: t.p99.max }));
  const order = [...new Set(d.throughput.map((t) => t.label))];
  const barsWithRange = (field: string, lo: string, hi: string, title: string) => ({
    layer: [
      { mark: { type: 'bar' }, encoding: { y: { field: 'label', type: 'nominal', sort: order, title: null, axis: { labelLimit: 320 } }, x: { field, type: 'quantitative', title }, color } },
      { mark: { type: 'rule' }, encoding: { y: { field: 'label', type: 'nominal', sort: order }, x: { field: lo, type: 'quantitative' }, x2: { field: hi } } },
    ],
  });
  const specs: Record<string, TopLevelSpec> = {};
  specs.throughput = {
    ...base,
    title: { text: 'Throughput (median, min–max over rounds)', subtitle: sub },
    data: { values: tp },
    facet: { row: { field: 'scenario', type: 'nominal', title: null, sort: Object.values(SCENARIO_TITLES), header: { labelAngle: 0, labelAlign: 'left', labelAnchor: 'start', labelOrient: 'top' } } },
    spec: { width: 420, ...barsWithRange('median', 'min', 'max', 'requests/s') },
    resolve: { scale: { x: 'independent' } },
  } as TopLevelSpec;
  specs.latency = {
    ...base,
    title: { text: 'p99 latency (median, min–max over rounds)', subtitle: sub },
    data: { values: tp },
    facet: { row: { field: 'scenario', type: 'nominal', title: null, sort: Object.values(SCENARIO_TITLES), header: { labelAngle: 0, labelAlign: 'left', labelAnchor: 'start', labelOrient: 'top' } } },
    spec: { width: 420, ...barsWithRange('p99', 'p99min', 'p99max', 'ms') },
    resolve: { scale: { x: 'independent' } },
  } as TopLevelSpec;
  specs.balance = {
    ...base,
    title: { text: "Each instance's share of requests (busiest first)", subtitle: sub },
    data: {
      values: d.throughput
        .filter((t) => t.instances > 1)
        .flatMap((t) => t.shares.map((share, i) => ({ scenario: SCENARIO_TITLES[t.scenario] ?? t.scenario, label: t.label, instance: `#${i + 1}`, share }))),
    },
    facet: { row: { field: 'scenario', type: 'nominal', title: null, sort: Object.values(SCENARIO_TITLES), header: { labelAngle: 0, labelAlign: 'left', labelAnchor: 'start', labelOrient: 'top' } } },
    spec: {
      width: 420,
      mark: 'bar',
      encoding: {
        y: { field: 'label', type: 'nominal', sort: order, title: null, axis: { labelLimit: 320 } },
        x: { field: 'share', type: 'quantitative', title: '% of requests', scale: { domain: [0, 100] } },
        color: { field: 'instance', type: 'ordinal', title: 'instance', scale: { scheme: 'blues', reverse: true } },
        order: { field: 'instance' },
      },
    },
  } as TopLevelSpec;
  const failures = [
    ...r.samples.reload.map((s) => ({ figure: '4. rolling reload (keep-alive load)', label: d.label(s.contender), tool: d.tool(s.contender), failed: s.failed })),
    ...r.samples.kill.map((s) => ({ figure: '5. SIGKILL one instance (keep-alive load)', label: d.label(s.contender), tool: d.tool(s.contender), failed: s.failed })),
  ];
  specs.failures = {
    ...base,
    title: { text: 'Failed requests, every round (symlog scale)', subtitle: sub },
    data: { values: failures },
    facet: { row: { field: 'figure', type: 'nominal', title: null, header: { labelAngle: 0, labelAlign: 'left', labelAnchor: 'start', labelOrient: 'top' } } },
    spec: {
      width: 420,
      mark: { type: 'tick', thickness: 3 },
      encoding: {
        y: { field: 'label', type: 'nominal', title: null, axis: { labelLimit: 320 } },
        x: { field: 'failed', type: 'quantitative', title: 'failed requests', scale: { type: 'symlog' } },
        color,
      },
    },
    resolve: { scale: { y: 'independent' } },
  } as TopLevelSpec;
  const times = [
    ...d.start.map((s) => ({ figure: '6. start until the app serves', label: s.label, tool: s.tool, median: s.ms.median, min: s.ms.min, max: s.ms.max, note: '' })),
    ...d.kill
      .filter((k) => k.instances === 1)
      .map((k) => ({ figure: '5. single instance SIGKILLed: serving again', label: k.label, tool: k.tool, median: k.recoverMs?.median ?? 0, min: k.recoverMs?.min ?? 0, max: k.recoverMs?.max ?? 0, note: k.recoverMs ? '' : 'no answer' })),
    ...d.hang.map((h) => ({
      figure: '7. hung event loop: replaced and serving again',
      label: h.label,
      tool: h.tool,
      median: h.recoverMs?.median ?? h.windowSec * 1000,
      min: h.recoverMs?.min ?? h.windowSec * 1000,
      max: h.recoverMs?.max ?? h.windowSec * 1000,
      note: h.recoverMs ? '' : `not detected within ${h.windowSec} s`,
    })),
  ];
  specs.times = {
    ...base,
    title: { text: 'Times (median, min–max over rounds)', subtitle: sub },
    data: { values: times },
    facet: { row: { field: 'figure', type: 'nominal', title: null, sort: ['6. start until the app serves'], header: { labelAngle: 0, labelAlign: 'left', labelAnchor: 'start', labelOrient: 'top' } } },
    spec: {
      width: 420,
      layer: [
        { mark: 'bar', encoding: { y: { field: 'label', type: 'nominal', title: null, axis: { labelLimit: 320 } }, x: { field: 'median', type: 'quantitative', title: 'ms' }, color, opacity: { condition: { test: "datum.note !== ''", value: 0.35 }, value: 1 } } },
        { mark: 'rule', encoding: { y: { field: 'label', type: 'nominal' }, x: { field: 'min', type: 'quantitative' }, x2: { field: 'max' } } },
        { mark: { type: 'text', align: 'left', dx: 4 }, encoding: { y: { field: 'label', type: 'nominal' }, x: { value: 4 }, text: { field: 'note' } } },
      ],
    },
    resolve: { scale: { x: 'independent', y: 'independent' } },
  } as TopLevelSpec;
  specs.overhead = {
    ...base,
    title: { text: 'Resident memory: app instances vs process manager (median)', subtitle: sub },
    data: {
      values: d.overhead.flatMap((o) => [
        { label: o.label, part: 'app instances', mb: mb(o.totalKb - o.managerKb) },
        { label: o.label, part: 'process manager (pm2 daemon)', mb: mb(o.managerKb) },
      ]),
    },
    width: 420,
    mark: 'bar',
    encoding: {
      y: { field: 'label', type: 'nominal', title: null, sort: d.overhead.map((o) => o.label) },
      x: { field: 'mb', type: 'quantitative', title: 'RSS, MB' },
      color: { field: 'part', type: 'nominal', title: null, scale: { range: ['#4c6ef5', '#c92a2a'] }, legend: { orient: 'bottom' } },
    },
  } as TopLevelSpec;
  return specs;
}

/** Writes <date>.md and <date>-<chart>.svg into dir; returns the paths. */
export async function writeReport(r: BenchResults, dir: string): Promise<string[]> {
  const written: string[] = [];
  const md = join(dir, `${r.date}.md`);
  const specs = chartSpecs(r);
  const charts = Object.keys(specs).map((name) => `![${name}](${r.date}-${name}.svg)`);
  writeFileSync(md, renderMarkdown(r) + '\n## Charts\n\n' + charts.join('\n\n') + '\n');
  written.push(md);
  for (const [name, spec] of Object.entries(specs)) {
    const p = join(dir, `${r.date}-${name}.svg`);
    writeFileSync(p, await svg(spec));
    written.push(p);
  }
  return written;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: tsx bench/report.ts bench/results/<date>.json');
    process.exit(2);
  }
  const r = JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
  const written = await writeReport(r, dirname(resolve(file)));
  console.log(`${basename(file)} -> ${written.join(', ')}`);
}
