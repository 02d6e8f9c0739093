/**
 * One section of npm run bench in a process of its own, so that bench/run.ts
 * can run it under `flock /tmp/nodeunit-e2e.lock` (the lock is held per
 * section, not for the whole run):
 *   tsx bench/sections/child.ts <section> <out.json>
 * Writes the section's raw samples to out.json. BENCH_QUICK=1 and
 * BENCH_PLATFORM as for npm run bench.
 */
import { writeFileSync } from 'node:fs';
import { SECTIONS, type SectionName } from '../lib/types.js';
import { runBalance } from './balance.js';
import { BENCH_PLATFORM, type SectionOptions } from './common.js';
import { runPinned } from './pinned.js';
import { runRecovery } from './recovery.js';
import { runStart } from './start.js';

const [name, out] = process.argv.slice(2) as [SectionName, string];
if (!SECTIONS.includes(name) || !out) {
  console.error(`usage: tsx bench/sections/child.ts <${SECTIONS.join('|')}> <out.json>`);
  process.exit(2);
}
const t0 = Date.now();
// bench/run.ts passes when it spawned this section: the difference is the wait
// for the lock (plus ~1-2 s for this process to start and load its modules).
const lockWaitSec = process.env.BENCH_SPAWNED_AT ? Math.max(0, Math.round((t0 - Number(process.env.BENCH_SPAWNED_AT)) / 1000)) : 0;
if (lockWaitSec > 3) console.log(`[${name}] waited ~${lockWaitSec} s for the lock`);
const o: SectionOptions = {
  quick: process.env.BENCH_QUICK === '1',
  platform: BENCH_PLATFORM,
  log: (m) => console.log(`[${name} ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)}s] ${m}`),
};
const result =
  name === 'pinned' ? await runPinned(o) : name === 'balance' || name === 'nginx' ? await runBalance(name, o) : name === 'recovery' ? await runRecovery(o) : await runStart(o);
writeFileSync(out, JSON.stringify({ lockWaitSec, result }) + '\n');
// Load generators and containers are gone; exit even if a stray handle remains.
process.exit(0);
