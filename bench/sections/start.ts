/**
 * Section "start" of npm run bench — time from `systemctl start` until the
 * port first accepts a connection, for the same app, nodeunit vs plain node:
 *   - nodeunit:   Type=notify, ExecStart=/usr/bin/nodeunit … (exec + preload)
 *   - plain node: Type=exec,   ExecStart=<node> …
 * for a hello app and for a real one (bench/apps/fastify-app.cjs: Fastify
 * with four plugins and JSON schemas). Both on the same node binary (the
 * pinned LTS), in one real-systemd container, in alternating rounds
 * (BENCH_START_ROUNDS, default 20). Then where nodeunit's extra milliseconds
 * go: the launcher (a Node runtime that starts, resolves node and the
 * script, and execs) and the preload, each timed on its own outside systemd.
 * The nodeunit units have CacheDirectory=, as `enable` writes them: the
 * preload keeps Node's compile cache there (src/preload/compile-cache.cjs);
 * the plain node units run node as it comes, without NODE_COMPILE_CACHE.
 * Goals: hello ratio <= 1.15 (issue 2); Fastify ratio <= 1.10 (issue 10).
 */
import { readFileSync } from 'node:fs';
import { LTS_NODE, writeUnit } from '../../test/e2e/harness/nodeunit.js';
import { quantile } from '../lib/stats.js';
import type { StartResults } from '../lib/types.js';
import { bootBench, envNumber, sectionClock, type SectionOptions } from './common.js';

const FASTIFY = '/opt/bench/apps/fastify-app.cjs';

/** The compared units: app -> [nodeunit unit, plain node unit]. */
export const START_APPS = [
  { app: 'hello', nodeunit: 'bench-nodeunit.service', plain: 'bench-plain.service' },
  { app: 'Fastify', nodeunit: 'bench-nodeunit-fastify.service', plain: 'bench-plain-fastify.service' },
] as const;

export const BREAKDOWN_KINDS = ['node', 'node + preload', 'launcher + node + preload'] as const;

export async function runStart(o: SectionOptions): Promise<StartResults> {
  const rounds = envNumber('BENCH_START_ROUNDS', o.quick ? 3 : 20);
  const repeats = o.quick ? 5 : 20;
  const clock = sectionClock();
  const c = await bootBench({ platform: o.platform });
  try {
    await writeUnit(c, 'bench-nodeunit.service', `[Service]\nType=notify\nExecStart=/usr/bin/nodeunit --node ${LTS_NODE} /opt/apps/hello.js\nEnvironment=PORT=18191\nCacheDirectory=bench-nodeunit\n`);
    await writeUnit(c, 'bench-plain.service', `[Service]\nType=exec\nExecStart=${LTS_NODE} /opt/apps/hello.js\nEnvironment=PORT=18192\n`);
    await writeUnit(c, 'bench-nodeunit-fastify.service', `[Service]\nType=notify\nExecStart=/usr/bin/nodeunit --node ${LTS_NODE} ${FASTIFY}\nEnvironment=PORT=18193\nCacheDirectory=bench-nodeunit-fastify\n`);
    await writeUnit(c, 'bench-plain-fastify.service', `[Service]\nType=exec\nExecStart=${LTS_NODE} ${FASTIFY}\nEnvironment=PORT=18194\n`);
    await c.writeFile('/opt/bench/start-probe.cjs', readFileSync(new URL('../start-probe.cjs', import.meta.url)));
    const pairs = ['bench-nodeunit.service=18191', 'bench-plain.service=18192', 'bench-nodeunit-fastify.service=18193', 'bench-plain-fastify.service=18194'];
    // One warm-up round each, so page-cache effects hit no contender's first sample.
    await c.exec([LTS_NODE, '/opt/bench/start-probe.cjs', '1', ...pairs]);
    o.log(`start until serving: ${rounds} alternating rounds`);
    const run = await c.exec([LTS_NODE, '/opt/bench/start-probe.cjs', String(rounds), ...pairs], { timeoutMs: 400_000 });
    if (run.code !== 0) throw new Error(run.stderr);
    const samples: Record<string, number[]> = JSON.parse(run.stdout);
    for (const a of START_APPS) {
      const ratio = quantile(samples[a.nodeunit], 0.5) / quantile(samples[a.plain], 0.5);
      o.log(`${a.app}: nodeunit ${quantile(samples[a.nodeunit], 0.5).toFixed(1)} ms, plain node ${quantile(samples[a.plain], 0.5).toFixed(1)} ms, ratio ${ratio.toFixed(3)}`);
    }

    // Where the extra milliseconds go, outside systemd: an empty script run by
    // node, by node with the preload, and through the launcher (which execs node
    // with the preload), alternating, `repeats` times.
    const preload = (await c.sh('ls -d /usr/lib/nodeunit/*/preload/index.cjs 2>/dev/null || ls /usr/lib/nodeunit/*/preload.cjs')).stdout.trim().split('\n')[0];
    await c.writeFile('/opt/bench/empty.js', '');
    const kinds: Record<(typeof BREAKDOWN_KINDS)[number], string> = {
      node: `${LTS_NODE} /opt/bench/empty.js`,
      'node + preload': `${LTS_NODE} --require ${preload} /opt/bench/empty.js`,
      'launcher + node + preload': `/usr/bin/nodeunit --node ${LTS_NODE} /opt/bench/empty.js`,
    };
    const script = Object.entries(kinds)
      .map(([k, cmd]) => `s=$(date +%s%N); ${cmd} >/dev/null 2>&1; e=$(date +%s%N); echo "${k}=$(( (e - s) / 1000 ))"`)
      .join('\n');
    const breakdown: Record<string, number[]> = {};
    for (let i = 0; i < repeats; i++) {
      const r = await c.sh(script);
      for (const line of r.stdout.trim().split('\n')) {
        const [k, us] = line.split('=');
        (breakdown[k] ??= []).push(Number(us) / 1000);
      }
    }
    return {
      ...clock(),
      systemd: (await c.exec(['systemctl', '--version'])).stdout.split('\n')[0].trim(),
      node: (await c.exec([LTS_NODE, '--version'])).stdout.trim(),
      rounds,
      samples,
      breakdown,
      preload,
    };
  } finally {
    await c.stop();
  }
}

/** The section's text: medians and spread per app, the ratios, and where the time goes. */
export function startTable(r: StartResults): string {
  const L = ['| app | nodeunit, median (p10–p90) | plain node, median (p10–p90) | ratio (medians) | difference |', '|---|---|---|---|---|'];
  const cell = (xs: number[]) => `${quantile(xs, 0.5).toFixed(1)} ms (${quantile(xs, 0.1).toFixed(1)}–${quantile(xs, 0.9).toFixed(1)})`;
  for (const a of START_APPS) {
    const nu = r.samples[a.nodeunit] ?? [];
    const pl = r.samples[a.plain] ?? [];
    L.push(`| ${a.app} | ${cell(nu)} | ${cell(pl)} | ${(quantile(nu, 0.5) / quantile(pl, 0.5)).toFixed(3)} | +${(quantile(nu, 0.5) - quantile(pl, 0.5)).toFixed(1)} ms |`);
  }
  const med = (k: string) => quantile(r.breakdown[k] ?? [], 0.5);
  const n = r.breakdown.node?.length ?? 0;
  L.push(
    '',
    `Where the time goes (an empty script, outside systemd, medians of ${n}; preload \`${r.preload}\`):`,
    '',
    '| how | ms | added |',
    '|---|---|---|',
    `| node | ${med('node').toFixed(1)} | |`,
    `| node + preload | ${med('node + preload').toFixed(1)} | preload +${(med('node + preload') - med('node')).toFixed(1)} ms |`,
    `| launcher + node + preload | ${med('launcher + node + preload').toFixed(1)} | launcher (its own runtime start, resolve, exec) +${(med('launcher + node + preload') - med('node + preload')).toFixed(1)} ms |`,
  );
  return L.join('\n');
}
