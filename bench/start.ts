/**
 * npm run bench:start — time from `systemctl start` until the port first
 * accepts a connection, for the same hello app:
 *   - nodeunit:   Type=notify, ExecStart=/usr/bin/nodeunit … (exec + preload)
 *   - plain node: Type=exec,   ExecStart=<node> …
 * Both use the same node binary (the pinned LTS), in one real-systemd
 * container, in alternating rounds. Prints medians, spread and the ratio.
 * Goal (issue 2): ratio <= 1.15.
 */
import { readFileSync } from 'node:fs';
import { bootWithNodeunit, LTS_NODE, writeUnit } from '../test/e2e/harness/nodeunit.js';
import { quantile } from './lib/stats.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);

const c = await bootWithNodeunit();
try {
  await writeUnit(c, 'bench-nodeunit.service', `[Service]\nType=notify\nExecStart=/usr/bin/nodeunit --node ${LTS_NODE} /opt/apps/hello.js\nEnvironment=PORT=18191\n`);
  await writeUnit(c, 'bench-plain.service', `[Service]\nType=exec\nExecStart=${LTS_NODE} /opt/apps/hello.js\nEnvironment=PORT=18192\n`);
  await c.writeFile('/opt/bench/start-probe.cjs', readFileSync(new URL('./start-probe.cjs', import.meta.url)));
  // One warm-up round each, so page-cache effects hit neither contender's first sample.
  await c.exec([LTS_NODE, '/opt/bench/start-probe.cjs', '1', 'bench-nodeunit.service=18191', 'bench-plain.service=18192']);
  const run = await c.exec([LTS_NODE, '/opt/bench/start-probe.cjs', String(ROUNDS), 'bench-nodeunit.service=18191', 'bench-plain.service=18192'], {
    timeoutMs: 300_000,
  });
  if (run.code !== 0) throw new Error(run.stderr);
  const samples: Record<string, number[]> = JSON.parse(run.stdout);
  const row = (label: string, xs: number[]) =>
    `${label.padEnd(12)} median ${quantile(xs, 0.5).toFixed(1).padStart(7)} ms   p10 ${quantile(xs, 0.1).toFixed(1).padStart(7)}   p90 ${quantile(xs, 0.9).toFixed(1).padStart(7)}   (n=${xs.length})`;
  const a = samples['bench-nodeunit.service'];
  const b = samples['bench-plain.service'];
  const ratio = quantile(a, 0.5) / quantile(b, 0.5);
  console.log(`start until the port answers, ${ROUNDS} alternating rounds, node ${(await c.exec([LTS_NODE, '--version'])).stdout.trim()}, systemd in a container`);
  console.log(row('nodeunit', a));
  console.log(row('plain node', b));
  console.log(`ratio (nodeunit / plain node, medians): ${ratio.toFixed(3)}   goal <= 1.15: ${ratio <= 1.15 ? 'met' : 'MISSED'}`);
} finally {
  await c.stop();
}
