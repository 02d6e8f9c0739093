import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildAppSpec } from '../../../src/apps/spec.js';
import { appCommand } from '../../../src/apps/status.js';
import { renderApp } from '../../../src/units/index.js';

const host = { cwd: '/srv/app', systemdVersion: 252, nodeunitPath: '/usr/bin/nodeunit', resolveNode: () => '/usr/bin/node' };
const dir = mkdtempSync(join(tmpdir(), 'nodeunit-apps-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the app arguments', () => {
  const args = ['--trust-proxy', 'a b', `"q" 'q'`, '50%', '$X', 'c:\\d\\'];

  it('go into the spec verbatim, and into ExecStart= after the script', () => {
    const spec = buildAppSpec({ name: 'web', script: 'server.js', args }, host);
    expect(spec.args).toEqual(args);
    const service = renderApp(spec).find((f) => f.path === 'web@.service')!.content;
    expect(service).toContain('ExecStart=/usr/bin/nodeunit --node /usr/bin/node /srv/app/server.js --trust-proxy "a b" "\\"q\\" \'q\'" 50%% $$X "c:\\\\d\\\\"');
  });

  it('no arguments: no args key, the units are unchanged', () => {
    expect(buildAppSpec({ name: 'web', script: 'server.js', args: [] }, host).args).toBeUndefined();
  });

  it('status reads them back from the unit file it wrote', () => {
    const spec = buildAppSpec({ name: 'web', script: 'server.js', args, nodeOption: '--max-old-space-size=64' }, host);
    for (const f of renderApp(spec)) writeFileSync(join(dir, f.path), f.content);
    expect(appCommand('web', dir)).toEqual(['/usr/bin/node', '--max-old-space-size=64', '/srv/app/server.js', ...args]);
    expect(appCommand('missing', dir)).toBeUndefined();
  });
});
