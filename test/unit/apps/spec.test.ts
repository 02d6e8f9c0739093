import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildAppSpec } from '../../../src/apps/spec.js';
import { appCommand } from '../../../src/apps/status.js';
import { renderApp } from '../../../src/units/index.js';
import { hiddenBySandbox } from '../../../src/units/sandbox.js';

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

describe('apps under /home keep the sandbox', () => {
  const home = { ...host, cwd: '/home/ubuntu', ownerOf: (p: string) => (p.startsWith('/home/ubuntu') ? 'ubuntu' : undefined) };

  it('binds the app directory and an nvm node in read-only, and runs as the owner', () => {
    const spec = buildAppSpec({ name: 'shop', script: 'htdocs/shop/server.js', node: '/home/ubuntu/.nvm/versions/node/v20.19.0/bin/node' }, { ...home, resolveNode: (f) => f! });
    expect(spec.homeBinds).toEqual(['/home/ubuntu/htdocs/shop', '/home/ubuntu/.nvm/versions/node/v20.19.0']);
    expect(spec.user).toEqual({ kind: 'static', name: 'ubuntu' });
    const service = renderApp(spec).find((f) => f.path === 'shop@.service')!.content;
    expect(service).toContain('ProtectHome=tmpfs\n');
    expect(service).toContain('BindReadOnlyPaths=/home/ubuntu/htdocs/shop\n');
    expect(service).toContain('StateDirectory=shop\n');
    expect(hiddenBySandbox('/home/ubuntu/htdocs/shop/server.js', spec)).toBeUndefined();
    expect(hiddenBySandbox('/home/ubuntu/.ssh/id_rsa', spec)).toMatch(/ProtectHome/);
  });

  it('--user wins over the owner; --no-harden binds nothing; outside /home nothing changes', () => {
    expect(buildAppSpec({ name: 'shop', script: 'htdocs/shop/server.js', user: 'www' }, home).user).toEqual({ kind: 'static', name: 'www' });
    expect(buildAppSpec({ name: 'shop', script: 'htdocs/shop/server.js', harden: false }, home).homeBinds).toBeUndefined();
    expect(buildAppSpec({ name: 'shop', script: 'server.js' }, host).homeBinds).toBeUndefined();
  });
});

describe('--writable DIR: write access only where the app writes', () => {
  const home = { ...host, cwd: '/home/ubuntu', ownerOf: (p: string) => (p.startsWith('/home/ubuntu') ? 'ubuntu' : undefined) };

  it('under /home: BindPaths= (visible through ProtectHome=tmpfs) and ReadWritePaths=; elsewhere ReadWritePaths= only', () => {
    const spec = buildAppSpec({ name: 'shop', script: 'htdocs/shop/server.js', writable: ['/home/ubuntu/htdocs/shop/uploads/', '/srv/cache', '/srv/cache'] }, home);
    expect(spec.writablePaths).toEqual(['/home/ubuntu/htdocs/shop/uploads', '/srv/cache']);
    const service = renderApp(spec).find((f) => f.path === 'shop@.service')!.content;
    expect(service).toContain('BindReadOnlyPaths=/home/ubuntu/htdocs/shop\n');
    expect(service).toContain('BindPaths=/home/ubuntu/htdocs/shop/uploads\n');
    expect(service).toContain('ReadWritePaths=/home/ubuntu/htdocs/shop/uploads\n');
    expect(service).toContain('ReadWritePaths=/srv/cache\n');
    expect(service).not.toContain('BindPaths=/srv/cache');
    expect(service).toContain('StateDirectory=shop\n'); // still there by default
    expect(hiddenBySandbox('/home/ubuntu/data/x', { ...spec, writablePaths: ['/home/ubuntu/data'] })).toBeUndefined();
  });

  it('an app outside /home writing under /home gets ProtectHome=tmpfs with that directory bound; the app dir writable is bound once', () => {
    const out = renderApp(buildAppSpec({ name: 'shop', script: 'server.js', writable: '/home/ubuntu/uploads' }, host)).find((f) => f.path === 'shop@.service')!.content;
    expect(out).toContain('ProtectHome=tmpfs\n');
    expect(out).toContain('BindPaths=/home/ubuntu/uploads\n');
    const whole = renderApp(buildAppSpec({ name: 'shop', script: 'htdocs/shop/server.js', writable: '/home/ubuntu/htdocs' }, home)).find((f) => f.path === 'shop@.service')!.content;
    expect(whole).not.toContain('BindReadOnlyPaths=/home/ubuntu/htdocs/shop\n');
    expect(whole).toContain('BindPaths=/home/ubuntu/htdocs\n');
    const plain = renderApp(buildAppSpec({ name: 'shop', script: 'server.js' }, host)).find((f) => f.path === 'shop@.service')!.content;
    expect(plain).toContain('ProtectHome=yes\n');
    expect(plain).not.toContain('ReadWritePaths=');
  });

  it('refuses a relative path, /, a path a unit cannot hold, and --no-harden, each with one line', () => {
    const build = (writable: string, harden = true) => () => buildAppSpec({ name: 'shop', script: 'server.js', writable, harden }, host);
    expect(build('uploads')).toThrow("--writable 'uploads' is not an absolute path; give the directory's full path, starting with /");
    expect(build('/')).toThrow(/^--writable \/: that makes the whole file system writable/);
    expect(build('/srv/a\nb')).toThrow('cannot be written into a unit file');
    expect(build('/home/u/a:b')).toThrow(/BindPaths=, which cannot hold ':'/);
    expect(build('/srv/x', false)).toThrow(/^--writable has no effect with --no-harden/);
  });
});
