/**
 * What every benchmark section shares: its options, the container it boots
 * (the harness's, with the benchmark's apps and node_modules bound in), and
 * the record of when and under what load it ran.
 */
import os from 'node:os';
import { resolve } from 'node:path';
import type { Container } from '../../test/e2e/harness/container.js';
import { bootWithNodeunit } from '../../test/e2e/harness/nodeunit.js';
import type { SectionRun } from '../lib/types.js';

export interface SectionOptions {
  /** BENCH_QUICK=1: one round, short loads (a smoke run, not for citing). */
  quick: boolean;
  /** The harness platform of the section's container (BENCH_PLATFORM, default bookworm: systemd 252). */
  platform: string;
  log: (msg: string) => void;
}

/** The platform of the pinned, balance, nginx and start sections: Debian 12 (systemd 252), as in the published figures. */
export const BENCH_PLATFORM = process.env.BENCH_PLATFORM ?? 'bookworm';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const rotate = <T>(xs: T[], k: number): T[] => xs.map((_, i) => xs[(i + k) % xs.length]);

export function localDate(d = new Date()): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

export function bootBench(opts: { platform?: string; directory?: string } = {}): Promise<Container> {
  return bootWithNodeunit({
    platform: opts.platform,
    directory: opts.directory,
    binds: [
      { host: resolve('bench/apps'), container: '/opt/bench/apps', readOnly: true },
      { host: resolve('node_modules'), container: '/opt/bench/node_modules', readOnly: true },
    ],
  });
}

/** Call at the start of a section; the returned function gives its SectionRun at the end. */
export function sectionClock(): () => SectionRun {
  const startedAt = new Date();
  const loadAvgStart = os.loadavg();
  return () => ({ startedAt: startedAt.toISOString(), durationSec: Math.round((Date.now() - startedAt.getTime()) / 1000), loadAvgStart, loadAvgEnd: os.loadavg() });
}

/** Env override as a number, else the default. */
export function envNumber(name: string, dflt: number): number {
  const v = process.env[name];
  return v === undefined || v === '' ? dflt : Number(v);
}
