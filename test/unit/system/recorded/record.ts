/**
 * Records what `systemctl show` says about a running nodeunit instance on
 * each e2e platform, for the status unit tests (instances.test.ts). Needs
 * root and the e2e lock:
 *
 *   flock /tmp/nodeunit-e2e.lock npx tsx test/unit/system/recorded/record.ts
 *
 * Writes test/unit/system/recorded/show-<platform>.txt: the STATUS_PROPS of
 * instance 1 of an app enabled with 2 instances, under a little load.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { STATUS_PROPS } from '../../../../src/system/instances.js';
import { bootWithNodeunit, get, LTS_NODE } from '../../../e2e/harness/nodeunit.js';
import { parsePlatform, platformName } from '../../../e2e/harness/platform.js';

const specs = process.argv.slice(2).length ? process.argv.slice(2) : ['trixie-v2', 'bookworm-v2', 'bullseye-v2', 'bookworm-hybrid'];
for (const spec of specs) {
  const platform = parsePlatform(spec);
  const c = await bootWithNodeunit({ platform });
  try {
    await c.sh('install -D -m 0644 /opt/apps/hello.js /srv/rec/index.js');
    const r = await c.exec(['nodeunit', 'enable', 'rec', '/srv/rec/index.js', '--instances', '2', '--port', '127.0.0.1:18820', '--node', LTS_NODE]);
    if (r.code !== 0) throw new Error(r.stdout + r.stderr);
    for (let i = 0; i < 20; i++) await get(c, 'http://127.0.0.1:18820/', true);
    const version = (await c.exec(['systemctl', '--version'])).stdout.split('\n')[0];
    const show = await c.exec(['systemctl', 'show', 'rec@1.service', ...STATUS_PROPS.map((p) => `--property=${p}`)]);
    const file = resolve(`test/unit/system/recorded/show-${platformName(platform)}.txt`);
    writeFileSync(file, `# ${version}; cgroup ${platform.cgroup}; systemctl show rec@1.service (nodeunit enable, 2 instances)\n${show.stdout}`);
    console.log(`${file}\n${show.stdout}`);
  } finally {
    await c.stop();
  }
}
