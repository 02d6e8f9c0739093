import { showUnits, systemctl, type Props } from './systemctl';

export type Phase = 'starting' | 'ready' | 'failed';

/**
 * Where one instance is, from `systemctl show` and whether a job for it is
 * still queued. A Type=notify service is `active` only after READY=1.
 * `auto-restart` means it already died once: reported as failed, because an
 * app that crashes on start should be looked at, not waited out.
 */
export function classify(p: Props, hasJob: boolean): Phase {
  if (p.ActiveState === 'active' && !hasJob) return 'ready';
  if (p.ActiveState === 'failed' || p.SubState === 'auto-restart') return 'failed';
  if (p.ActiveState === 'inactive' && !hasJob) return 'failed';
  return 'starting';
}

/** Units with a queued job (`systemctl list-jobs`). */
export async function unitsWithJobs(): Promise<Set<string>> {
  const r = await systemctl(['list-jobs', '--plain', '--no-legend', '--no-pager']);
  const out = new Set<string>();
  for (const line of r.stdout.split('\n')) {
    const unit = line.trim().split(/\s+/)[1];
    if (unit) out.add(unit);
  }
  return out;
}

export interface WaitResult {
  ready: string[];
  failed: string[];
  /** Still starting when the time ran out. */
  pending: string[];
  props: Map<string, Props>;
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Called on every phase change (and once per unit at the first poll). */
  onPhase?: (unit: string, phase: Phase, props: Props, elapsedMs: number) => void;
  /** Called after every poll with every unit's phase. */
  onPoll?: (phases: Map<string, Phase>, elapsedMs: number) => void;
}

/**
 * Polls until every unit is ready, or one failed and the rest settled, or the
 * time is up. Stopping early on the first failure would leave the others
 * unreported, so the loop continues until nothing is starting.
 */
export async function waitForUnits(units: readonly string[], opts: WaitOptions): Promise<WaitResult> {
  const t0 = Date.now();
  const last = new Map<string, Phase>();
  // A unit seen inactive without a job right after `start --no-block` may just not be
  // queued yet on a busy system: it must look that way twice in a row to count as failed.
  const idleOnce = new Set<string>();
  let props = new Map<string, Props>();
  for (;;) {
    props = await showUnits(units, ['ActiveState', 'SubState', 'Result', 'MainPID', 'NRestarts', 'StatusText']);
    const jobs = await unitsWithJobs();
    const phases = new Map<string, Phase>();
    for (const unit of units) {
      const p = props.get(unit) ?? {};
      let phase = classify(p, jobs.has(unit));
      if (phase === 'failed' && p.ActiveState === 'inactive' && p.SubState !== 'auto-restart' && !idleOnce.has(unit)) {
        idleOnce.add(unit);
        phase = 'starting';
      }
      phases.set(unit, phase);
      if (last.get(unit) !== phase) opts.onPhase?.(unit, phase, p, Date.now() - t0);
      last.set(unit, phase);
    }
    opts.onPoll?.(phases, Date.now() - t0);
    const all = [...phases.values()];
    if (!all.includes('starting') || Date.now() - t0 > opts.timeoutMs) {
      return {
        ready: units.filter((u) => phases.get(u) === 'ready'),
        failed: units.filter((u) => phases.get(u) === 'failed'),
        pending: units.filter((u) => phases.get(u) === 'starting'),
        props,
      };
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 200));
  }
}
