/**
 * One autocannon run (bench/load.cjs) in its own process on CPU 0, and the
 * figures derived from its result. Shared by the benchmark's sections.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { LoadResult } from './types.js';

const LOAD_SCRIPT = resolve('bench/load.cjs');

const loadChildren = new Set<ChildProcess>();
process.on('exit', () => loadChildren.forEach((ch) => ch.kill('SIGKILL')));

export interface LoadOptions {
  url: string;
  connections: number;
  /** Upper bound, seconds; stop() ends it earlier. */
  duration: number;
  close?: boolean;
  timeout?: number;
}

/** One autocannon run on `cpus` (default CPU 0), in its own process. */
export function load(o: LoadOptions, cpus = '0'): { done: Promise<LoadResult>; stop: () => void } {
  const child = spawn('taskset', ['-c', cpus, process.execPath, LOAD_SCRIPT, JSON.stringify(o)], { stdio: ['ignore', 'pipe', 'pipe'] });
  loadChildren.add(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (b) => (out += b));
  child.stderr!.on('data', (b) => (err += b));
  // Hard bound in case autocannon never returns.
  const bound = setTimeout(() => child.kill('SIGKILL'), (o.duration + 20) * 1000);
  const done = new Promise<LoadResult>((res, rej) =>
    child.on('close', (code) => {
      clearTimeout(bound);
      loadChildren.delete(child);
      try {
        res(JSON.parse(out));
      } catch {
        rej(new Error(`load run failed (exit ${code}): ${err}`));
      }
    }),
  );
  return { done, stop: () => child.kill('SIGTERM') };
}

/** autocannon counts timeouts within errors. */
export const failed = (r: LoadResult) => r.errors + r.non2xx + r.mismatches + r.lost;

/** ms from `since` until the first answer from a pid not in `old`; null if none. */
export function firstNewAnswer(r: LoadResult, old: number[], since: number): number | null {
  const firsts = Object.entries(r.pids)
    .filter(([pid]) => !old.includes(Number(pid)))
    .map(([, p]) => p.first);
  return firsts.length ? Math.max(0, Math.min(...firsts) - since) : null;
}
