/**
 * Renders one benchmark run from its raw JSON (bench/run.ts writes it):
 *   npm run bench:report -- bench/results/<date>.json
 * writes next to it <date>.md (the verdict table of bench/lib/verdict.ts,
 * then each section's tables), <date>-readme.md (the verdict table and the
 * chart links, to paste into README.md) and <date>-*.svg: the pinned
 * section's vega-lite charts, compiled and rendered headless by vega (no
 * canvas), and the per-instance shares of the balance and nginx sections.
 * Also reads the pinned-only JSON of runs before the sections were merged.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { derive, SCENARIO_TITLES } from './lib/derive.js';
import { type Summary } from './lib/stats.js';
import type { BenchRun, PinnedResults, SectionName } from './lib/types.js';
import { chart as sharesChart, summary as balanceSummary } from './sections/balance.js';
import { recoveryTable } from './sections/recovery.js';
import { startTable } from './sections/start.js';
import { verdicts, verdictTable } from './lib/verdict.js';

const TOOL_COLORS = { domain: ['nodeunit', 'pm2', 'plain'], range: ['#2b8a3e', '#c92a2a', '#868e96'] };

const f0 = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '–');
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');
const mb = (kb: number) => kb / 1024;
const spread = (s: Summary, fmt = f0) => (s.n > 1 ? `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})` : fmt(s.median));

/** Issue 5's pinned section: its figures' tables (headings from ###). */
export function renderPinned(r: PinnedResults): string {
  const d = derive(r);
  const m = r.machine;
  const L: string[] = [];
  const table = (head: string[], rows: (string | number)[][]) => {
    L.push(`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`);
    for (const row of rows) L.push(`| ${row.join(' | ')} |`);
    L.push('');
  };
  L.push('## Issue 5: nodeunit vs pm2 vs plain node, servers pinned to CPU 1 (section pinned)', '');
  L.push(
    `${m.cpuModel}, ${m.cores} cores, Linux ${m.kernel}; app node ${m.appNode} for every contender; pm2 ${m.pm2}; ${m.systemd.split(' (')[0]} in a systemd-nspawn container; ${m.nodeunit}; autocannon ${m.autocannon} on node ${m.loadNode}. ` +
      `${m.pinning}. ${r.config.connections} connections, ${r.config.loadSec} s per throughput run, ${r.config.rounds} rounds (reload: ${r.config.reloadRounds}), contenders alternating within each round. ` +
      `Figures are medians, (min–max) over rounds. Section took ${Math.round(r.durationSec / 60)} min; load average ${m.loadAvgStart.map(f2).join(' ')} at start, ${m.loadAvgEnd.map(f2).join(' ')} at the end.`,
    '',
  );
  L.push('### 1. Resident overhead (idle, 1 s after a fresh start)', '');
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
    L.push(`### ${scenario.startsWith('close') ? '3' : '2'}. Throughput, ${SCENARIO_TITLES[scenario] ?? scenario}`, '');
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

  L.push('### 4. Rolling reload under keep-alive load: failed requests', '');
  table(
    ['contender', 'failed per round', 'of which lost (FIN, no answer)', 'requests per round', 'reload took ms'],
    d.reload.map((x) => [x.label, x.failed.join(', '), x.lost.join(', '), f0(x.requests), spread(x.reloadMs)]),
  );

  L.push('### 5. One instance SIGKILLed under keep-alive load', '');
  table(
    ['contender', 'failed per round', 'in flight on the killed instance', 'failed beyond those', 'refused connections', 'serving again after ms (replacement\'s first answer)'],
    d.kill.map((x) => [x.label, x.failed.join(', '), x.inflight.join(', '), x.beyondInflight.join(', '), x.refused.join(', '), x.recoverMs ? spread(x.recoverMs) : '–']),
  );

  L.push('### 6. Start until the app serves', '');
  const cold = d.startMs('pm2-cold');
  L.push('First 200 from 127.0.0.1, timed from just before the start command. nodeunit: `systemctl start --no-block <app>.target` of the units enable writes (socket + instances).', '');
  table(
    ['how', 'ms to first 200', 'vs pm2 cold', 'vs pm2 warm', 'vs plain node'],
    d.start.map((s) => [s.label, spread(s.ms), f2(s.ms.median / cold), f2(s.ms.median / d.startMs('pm2-warm')), f2(s.ms.median / d.startMs('plain'))]),
  );

  L.push('### 7. A hung event loop (GET /hang blocks it forever)', '');
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

  const rp = (n: number) => d.throughput.filter((t) => t.tool === 'nodeunit' && t.instances === n);
  if (rp(2).length) {
    L.push('### --balance: shared vs reuseport', '');
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

export function chartSpecs(r: PinnedResults): Record<string, TopLevelSpec> {
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

// ---------------------------------------------------------------- the whole run

const f1x = (xs: number[]) => xs.map(f2).join(' ');

/** The charts of a run: file suffix -> title, for the links. */
function chartNames(run: BenchRun): Array<[string, string]> {
  const names: Array<[string, string]> = [];
  const titles: Record<string, string> = {
    throughput: 'pinned: throughput',
    latency: 'pinned: p99 latency',
    balance: 'pinned: share of requests per instance',
    failures: 'pinned: failed requests on reload and SIGKILL',
    times: 'pinned: start, recovery and hang times',
    overhead: 'pinned: resident memory',
  };
  if (run.pinned) for (const name of Object.keys(chartSpecs(run.pinned))) names.push([name, titles[name] ?? `pinned: ${name}`]);
  if (run.balance || run.nginx) names.push(['shares-all-cpus', 'per-instance shares, servers on all CPUs']);
  return names;
}

/** The whole report: the verdict table first, then each section's own tables. */
export function renderRun(run: BenchRun, base: string): string {
  const m = run.machine;
  const L: string[] = [];
  L.push(`# nodeunit benchmark — ${run.date}${run.quick ? ' (QUICK MODE: 1 round, short loads; a smoke run, not for citing)' : ''}`, '');
  L.push(
    `\`npm run bench\`${run.sections.length < 5 ? ` (sections ${run.sections.join(', ')})` : ''}: ${m.cpuModel}, ${m.cores} cores, Linux ${m.kernel}` +
      `${m.autogroup ? `, autogrouping ${m.autogroup === '1' ? 'on' : m.autogroup === '0' ? 'off' : 'not in this kernel'} (kernel.sched_autogroup_enabled)` : ''}. ` +
      `Run took ${Math.round(run.durationSec / 60)} min; load average ${f1x(m.loadAvgStart)} at start, ${f1x(m.loadAvgEnd)} at the end. ` +
      `Raw samples: \`${base}.json\`.`,
    '',
  );
  const timing = Object.entries(run.timing ?? {});
  if (timing.length)
    L.push(`Sections (wall time, of it waiting for the machine-wide lock): ${timing.map(([k, t]) => `${k} ${t.wallSec} s${t.lockWaitSec ? ` (${t.lockWaitSec} s)` : ''}`).join(', ')}.`, '');
  L.push(`> ${run.note}`, '');
  L.push('## Verdict', '');
  L.push(verdictTable(verdicts(run)), '');
  L.push(
    'Computed from the samples by `bench/lib/verdict.ts` (thresholds there, each citing its issue): a goal with several checks (scenarios, systemd versions, contenders) is met when all pass, not met when none does, partly otherwise.',
    '',
  );
  const errors = Object.entries(run.errors);
  if (errors.length) L.push('**Sections that failed** (their rows say "not run"): ' + errors.map(([k, v]) => `${k}: ${v}`).join('; '), '');
  const sectionLine = (name: SectionName, s: { durationSec: number; loadAvgStart: number[]; loadAvgEnd: number[] }) =>
    `Section \`${name}\` took ${Math.round(s.durationSec / 60)} min (${s.durationSec} s); load average ${f1x(s.loadAvgStart)} at its start, ${f1x(s.loadAvgEnd)} at its end.`;

  if (run.pinned) L.push(renderPinned(run.pinned));
  if (run.balance) {
    const b = run.balance;
    L.push('## Issue 10: balance over 4 instances, servers free on all CPUs (section balance)', '');
    L.push(
      `${b.systemd.split(' (')[0]} in a container, the pinned LTS node, ${b.instances} instances each, no CPU pinning for the servers, autocannon on CPU 0, ${b.loadSec} s per run, ${b.rounds} rounds in alternating order. ` +
        `Shares are each instance's fraction of the answered requests × ${b.instances} (1.00 = fair). ${sectionLine('balance', b)}`,
      '',
      balanceSummary(b.contenders, b.samples, []),
      '',
    );
  }
  if (run.nginx) {
    const n = run.nginx;
    L.push('## Issue 10: behind nginx (section nginx)', '');
    L.push(
      `Debian's nginx on the host (2 workers, \`upstream … keepalive 32\`) in front of each contender, 64 client connections, ${n.loadSec} s per run, ${n.rounds} rounds; then 32 connections during a rolling reload and during SIGKILL of one instance. ${sectionLine('nginx', n)}`,
      '',
      balanceSummary(n.contenders, n.samples, n.failures),
      '',
    );
  }
  if (run.balance || run.nginx) L.push(`![per-instance shares](${base}-shares-all-cpus.svg)`, '');
  if (run.recovery) {
    const r = run.recovery;
    L.push('## Issue 10: recovery and crash loops (section recovery)', '');
    L.push(`SIGKILL of a lone instance under 10 keep-alive connections, ${r.rounds} rounds alternating nodeunit and pm2; a crash loop of an app that exits at once. ${sectionLine('recovery', r)}`, '', recoveryTable(r), '');
    for (const d of r.results) L.push(`- systemd ${d.systemdVersion}: starts at ${d.crashLoop.starts.map((t) => t.toFixed(2)).join(', ')} s; final state ${d.crashLoop.finalState}`);
    L.push('');
  }
  if (run.start) {
    const s = run.start;
    L.push('## Issue 10: start of a real app (section start)', '');
    L.push(
      `\`systemctl start\` until the port accepts a connection, ${s.rounds} alternating rounds, node ${s.node}, ${s.systemd.split(' (')[0]} in a container. ${sectionLine('start', s)}`,
      '',
      startTable(s),
      '',
    );
  }
  const charts = chartNames(run);
  if (charts.length) L.push('## Charts', '', ...charts.map(([name, title]) => `![${title}](${base}-${name}.svg)\n`));
  return L.join('\n');
}

/** What the lead pastes into README.md: the verdict table and the chart links (paths from the repository root). */
export function renderReadmeSnippet(run: BenchRun, base: string, dirFromRoot = 'bench/results'): string {
  return [
    `Verdict of \`npm run bench\` on ${run.date} (${run.machine.cpuModel}, ${run.machine.cores} cores; full report: [${base}.md](${dirFromRoot}/${base}.md)):`,
    '',
    verdictTable(verdicts(run)),
    '',
    ...chartNames(run).map(([name, title]) => `![${title}](${dirFromRoot}/${base}-${name}.svg)`),
    '',
  ].join('\n');
}

/** Writes <base>.md, <base>-readme.md and <base>-<chart>.svg into dir; returns the paths. */
export async function writeReport(run: BenchRun, dir: string, base = run.date): Promise<string[]> {
  const written: string[] = [];
  const md = join(dir, `${base}.md`);
  writeFileSync(md, renderRun(run, base) + '\n');
  written.push(md);
  const snippet = join(dir, `${base}-readme.md`);
  // Links from the repository root (where README.md is); absolute for a directory outside it (e.g. /tmp).
  const rel = relative(resolve('.'), resolve(dir));
  writeFileSync(snippet, renderReadmeSnippet(run, base, rel === '' ? '.' : rel.startsWith('..') ? resolve(dir) : rel));
  written.push(snippet);
  if (run.pinned) {
    for (const [name, spec] of Object.entries(chartSpecs(run.pinned))) {
      const p = join(dir, `${base}-${name}.svg`);
      writeFileSync(p, await svg(spec));
      written.push(p);
    }
  }
  if (run.balance || run.nginx) {
    const p = join(dir, `${base}-shares-all-cpus.svg`);
    const contenders = (run.balance ?? run.nginx)!.contenders;
    writeFileSync(p, sharesChart(contenders, [...(run.balance?.samples ?? []), ...(run.nginx?.samples ?? [])]));
    written.push(p);
  }
  return written;
}

/** A results file of either format: before the sections were merged, <date>.json held the pinned section only. */
export function asRun(json: BenchRun | PinnedResults): BenchRun {
  if ((json as BenchRun).format === 2) return json as BenchRun;
  const p = json as PinnedResults;
  return {
    format: 2,
    date: p.date,
    startedAt: p.startedAt,
    durationSec: p.durationSec,
    quick: p.quick,
    note: p.note,
    sections: ['pinned'],
    machine: { cpuModel: p.machine.cpuModel, cores: p.machine.cores, kernel: p.machine.kernel, loadAvgStart: p.machine.loadAvgStart, loadAvgEnd: p.machine.loadAvgEnd },
    pinned: p,
    errors: {},
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: tsx bench/report.ts bench/results/<date>.json');
    process.exit(2);
  }
  const run = asRun(JSON.parse(readFileSync(file, 'utf8')));
  const written = await writeReport(run, dirname(resolve(file)), basename(file).replace(/\.json$/, ''));
  console.log(`${basename(file)} -> ${written.join(', ')}`);
}
