/** Figures derived from the pinned section's raw samples, shared by the report and the verdict. */
import { median, summarize, sum } from './stats.js';
import type { ContenderInfo, PinnedResults } from './types.js';

export const SCENARIO_TITLES: Record<string, string> = {
  'keepalive-hello': 'keep-alive, hello',
  'keepalive-cpu': 'keep-alive, CPU-busy (~1 ms)',
  'close-hello': 'new connection per request, hello',
};
export const START_TITLES: Record<string, string> = {
  'pm2-cold': 'pm2 start -i 2 (daemon cold)',
  'pm2-warm': 'pm2 start -i 2 (daemon warm)',
  plain: 'plain node: systemctl start',
};
/**
 * One contender's samples of a kill or hang figure (5, 7) and its recovery:
 * how many rounds recovered, and the summary of their times (undefined when none did).
 */
function recoverySummary<S extends { contender: string; recoverMs: number | null }>(samples: S[], id: string) {
  const ss = samples.filter((s) => s.contender === id);
  const rec = ss.map((s) => s.recoverMs).filter((x): x is number => x !== null);
  return { ss, recovered: rec.length, recoverMs: rec.length ? summarize(rec) : undefined };
}

/** Everything derived from the raw samples, used by the table and the charts alike. */
export function derive(r: PinnedResults) {
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
    const { ss, recoverMs } = recoverySummary(r.samples.kill, id);
    return {
      id,
      label: label(id),
      tool: tool(id),
      instances: info.get(id)!.instances,
      failed: ss.map((s) => s.failed),
      inflight: ss.map((s) => s.inflightOnKilled),
      refused: ss.map((s) => s.refused),
      beyondInflight: ss.map((s) => Math.max(0, s.failed - s.inflightOnKilled)),
      recoverMs,
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
    const { ss, recovered, recoverMs } = recoverySummary(r.samples.hang, id);
    return {
      id,
      label: label(id),
      tool: tool(id),
      detected: recovered,
      rounds: ss.length,
      windowSec: ss[0].windowSec,
      recoverMs,
      failed: summarize(ss.map((s) => s.failed)),
      requests: summarize(ss.map((s) => s.requests)),
    };
  });

  return { info, label, tool, pm2For, plainId, plainRssKb, overhead, throughput, tpRow, ratio, reload, kill, start, nuStartId, startMs, hang };
}

