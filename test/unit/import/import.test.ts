import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { instancesCpus, parseImportWritable } from '../../../src/cli/import.js';
import { formatImportedApp } from '../../../src/cli/import-plan.js';
import { convertApps, instanceCount, memorySize, unitNameFor, type ImportedApp, type ImportHost } from '../../../src/import/convert.js';
import { fileSystemHost } from '../../../src/import/host.js';
import { loadConfig } from '../../../src/import/load.js';
import { renderApp } from '../../../src/units/index.js';

const FIXTURES = resolve('test/unit/import/fixtures');
const PATHS: Record<string, string> = { python3: '/usr/bin/python3', bun: '/usr/local/bin/bun', bash: '/usr/bin/bash', node: '/usr/bin/node' };

function host(dir: string, over: Partial<ImportHost> = {}): ImportHost {
  return {
    ...fileSystemHost(),
    which: (c) => PATHS[c],
    cwd: dir,
    cpus: 4,
    cpusFrom: 'this host',
    ports: new Map(),
    allowWatch: false,
    systemdVersion: 252,
    nodeunitPath: '/usr/bin/nodeunit',
    resolveNode: (flag) => flag ?? '/usr/bin/node',
    ...over,
  };
}

async function load(file: string, over: Partial<ImportHost> = {}): Promise<ImportedApp[]> {
  const config = await loadConfig(join(FIXTURES, file));
  return convertApps(config.apps, host(join(FIXTURES, file, '..'), { deploy: config.deploy, ...over }));
}
const verdict = (app: ImportedApp, key: string) => app.verdicts.filter((v) => v.key === key).map((v) => `${v.kind}: ${v.text}`);

describe('loading files as pm2 does', () => {
  it('a JS file that requires dotenv, path and a sibling config, with the file directory as cwd', async () => {
    const [api] = await load('shop/ecosystem.config.js');
    expect(api.spec!.script).toBe(join(FIXTURES, 'shop/dist/server.js'));
    expect(Object.fromEntries(api.spec!.env)).toMatchObject({ SHARED: 'eu-west', PORT: '3000' });
    // The secret-looking key went to the credentials, out of the unit's env.
    expect(Object.fromEntries(api.secrets!)).toEqual({ DB_PASSWORD: 's3cret-from-dotenv' });
    expect(api.spec!.env.map(([k]) => k)).not.toContain('DB_PASSWORD');
    expect(process.env.DB_PASSWORD).toBe('s3cret-from-dotenv'); // dotenv ran, in this process, like in pm2's
  });

  it('an app object without apps is a list of one; instances "4" is 4', async () => {
    const apps = await load('solo.config.js');
    expect(apps.map((a) => [a.name, a.spec?.instances, a.spec?.ports])).toEqual([['solo', 4, [{ port: 4000 }]]]);
  });

  it('"JSON" with comments, trailing commas and single quotes; a name with spaces and /', async () => {
    const [app] = await load('process.json');
    expect(app.pm2Name).toBe('my api/v2');
    expect(app.name).toBe('my-api-v2');
    expect(app.spec!.instances).toBe(4); // instances 0 = every CPU
    expect(app.spec!.user).toEqual({ kind: 'static', name: 'my-api-v2' });
    expect(verdict(app, 'name')[0]).toMatch(/unit name my-api-v2/);
  });

  it('YAML with node_args as a bare string, interpreters, a script with spaces, a .sh script', async () => {
    const [yaml, py, bun, queue, sh] = await load('ecosystem.yml');
    expect(yaml.spec!.nodeOptions).toEqual(['--max-old-space-size=256', '--enable-source-maps']);
    expect(py.kind).toBe('exec');
    expect(py.spec!.command).toEqual(['/usr/bin/python3', join(FIXTURES, 'worker.py')]);
    expect(bun.spec!.command).toEqual(['/usr/local/bin/bun', join(FIXTURES, 'shop/dist/server.js')]);
    // "node ace queue:listen": pm2 names it after the whole script and runs bash -c; node is resolved instead.
    expect(queue.kind).toBe('node');
    expect(queue.spec!.script).toBe(join(FIXTURES, 'ace'));
    expect(queue.spec!.args).toEqual(['queue:listen', '--verbose']);
    expect(sh.spec!.command).toEqual(['/usr/bin/bash', join(FIXTURES, 'cleanup.sh')]);
    const units = renderApp(py.spec!).find((f) => f.path === 'py@.service')!.content;
    expect(units).toContain('Type=exec');
    expect(units).toContain(`ExecStart=/usr/bin/python3 ${join(FIXTURES, 'worker.py')}`);
    expect(units).not.toContain('/usr/bin/nodeunit');
    expect(units).not.toContain('WatchdogSec');
  });

  it('.mjs through import()', async () => {
    const [app] = await load('ecosystem.config.mjs');
    expect(app.name).toBe('esm-app');
    expect(app.spec!.ports).toEqual([{ port: 7000 }]);
  });

  it('a syntax error is one line naming the file and the line; other names are refused', async () => {
    await expect(loadConfig(join(FIXTURES, 'broken.config.js'))).rejects.toThrow(new RegExp(`^cannot load ${join(FIXTURES, 'broken.config.js')}:4: syntax error: `));
    await expect(loadConfig(join(FIXTURES, 'shop/dist/server.js'))).rejects.toThrow(/pm2 reads configuration only from names containing/);
    await expect(loadConfig(join(FIXTURES, 'missing.config.js'))).rejects.toThrow(/cannot read: ENOENT/);
  });
});

describe('options', () => {
  it('every key ends in one verdict; env_production applies only with --env production; deploy env merges under it', async () => {
    const [api, worker] = await load('shop/ecosystem.config.js', { envName: 'production' });
    for (const a of [api, worker]) {
      const raw = Object.keys(a === api ? (await loadConfig(join(FIXTURES, 'shop/ecosystem.config.js'))).apps[0] : (await loadConfig(join(FIXTURES, 'shop/ecosystem.config.js'))).apps[1]);
      for (const k of raw) expect(a.verdicts.some((v) => v.key === k), `${a.name}.${k}`).toBe(true);
    }
    expect(Object.fromEntries(api.spec!.env)).toMatchObject({ NODE_ENV: 'production', FEATURE: '{"a":1}', DEPLOYED: 'yes' });
    expect(api.refused).toEqual([]);
    expect(worker.refused).toEqual([]);
    expect(api.spec!.instances).toBe(4);
    expect(api.summary).toBe('4 instances (pm2: instances "max" on this 4-CPU host), port 3000 from env PORT');
    expect(api.spec!.memoryMax).toBe('1G');
    expect(api.spec!.restartSec).toBe(0.5);
    expect(api.spec!.ready).toBe('manual');
    expect(api.spec!.timeoutStartSec).toBe(10);
    expect(api.spec!.cronRestart).toEqual({ pattern: '0 3 * * *', onCalendar: '*-*-* 03:00:00' });
    expect(api.spec!.args).toEqual(['--trust-proxy']);
    expect(verdict(api, 'description')).toEqual(['unknown: not a pm2 option: pm2 drops it silently']);
    expect(verdict(api, 'log_date_format')).toEqual(['ignored: the journal timestamps every line']);
    expect(worker.spec!.instances).toBe(3); // -1 on 4 CPUs
    expect(worker.spec!.restart).toBe('no');
    expect(worker.spec!.restartPreventExitStatus).toEqual([0]);
    expect(worker.spec!.drainTimeoutSec).toBe(3);
    expect(worker.spec!.ports).toEqual([]);
    const without = await load('shop/ecosystem.config.js');
    expect(without[0].spec!.env.find(([k]) => k === 'NODE_ENV')).toBeUndefined();
    expect(verdict(without[0], 'env_production')).toEqual(['ignored: used only with --env production']);
  });

  it('the plan is shaped like the issue shows, and prints no secret', async () => {
    const [api] = await load('shop/ecosystem.config.js', { envName: 'production' });
    const text = formatImportedApp(api);
    expect(text).toContain('shop-api  4 instances (pm2: instances "max" on this 4-CPU host), port 3000 from env PORT');
    expect(text).toMatch(/^ {2}memory {6}MemoryMax=1G \(max_memory_restart 1G: pm2 reloads at 1G RSS; systemd OOM-kills and restarts\)$/m);
    expect(text).toMatch(/^ {2}restarts {4}Restart=always \(pm2's default autorestart\), RestartSec=0.5 \(restart_delay 500\)$/m);
    expect(text).toMatch(/^ {2}cron {8}shop-api-restart.timer, OnCalendar=\*-\*-\* 03:00:00/m);
    expect(text).toMatch(/^ {2}ignored {5}.*log_date_format \(the journal timestamps every line\)/m);
    expect(text).toMatch(/^ {2}unknown {5}description/m);
    expect(text).not.toContain('s3cret');
    expect(text).toMatch(/^ {2}secrets {5}DB_PASSWORD {3}\(secret-looking env keys: stored as systemd credentials, not in the unit; the app still reads process.env\)$/m);
    expect(renderApp(api.spec!).map((f) => f.content).join('')).not.toContain('s3cret');
  });

  it('secret-looking keys stay in the env of a non-Node app (no preload), with a note saying so', async () => {
    const [app] = convertApps([{ name: 'q', script: 'worker.py', env: { API_TOKEN: 't0k', MODE: 'x' } }], host(FIXTURES));
    expect(app.kind).toBe('exec');
    expect(app.secrets).toBeUndefined();
    expect(app.spec!.env.map(([k]) => k)).toContain('API_TOKEN');
    expect(verdict(app, 'env').join('\n')).toMatch(/API_TOKEN look secret but stay in the unit's Environment=/);
  });

  it('npm/yarn scripts resolve to a node entry, or are refused with the enable command', async () => {
    const [start, build, next, yarn, space, prod] = await load('npm.config.js');
    expect(start.spec!.script).toBe(join(FIXTURES, 'npmapp/dist/index.js'));
    expect(start.spec!.nodeOptions).toEqual(['--enable-source-maps']);
    expect(start.spec!.args).toEqual(['--port', '3100']);
    expect(start.spec!.env).toContainEqual(['NODE_ENV', 'production']);
    expect(start.spec!.ports).toEqual([{ port: 3100 }]);
    expect(build.refused[0]).toMatch(/"tsc && webpack".*a shell command line.*nodeunit enable npm-run-build /);
    expect(next.spec!.script).toBe(join(FIXTURES, 'nextapp/node_modules/next/dist/bin/next'));
    expect(next.spec!.args).toEqual(['start', '-p', '3200']);
    expect(yarn.spec!.script).toBe(join(FIXTURES, 'npmapp/dist/index.js'));
    expect(space.spec!.script).toBe(join(FIXTURES, 'npmapp/dist/index.js'));
    expect(prod.refused[0]).toContain(`run the node step directly: nodeunit enable npm-prod ${join(FIXTURES, 'npmapp/dist/index.js')} --node-option=--enable-source-maps -- --port 3100`);
  });

  it('watch is refused unless --allow-watch; increment_var is refused; cron with ranges and names', async () => {
    const [w] = await load('watch-cron.config.js');
    expect(w.refused.map((r) => r.split(':')[0]).sort()).toEqual(['increment_var', 'watch']);
    const [allowed] = await load('watch-cron.config.js', { allowWatch: true });
    expect(verdict(allowed, 'watch')[0]).toMatch(/^emulated: w-watch.path/);
    expect(allowed.cron?.onCalendar).toBe('Mon,Tue,Wed,Thu,Fri *-*-* 09,10,11,12,13,14,15,16,17:00,15,30,45:00');
  });

  it('import --writable DIR (every app) and APP=DIR: ReadWritePaths=, shown in the plan next to the StateDirectory=', async () => {
    const writable = parseImportWritable(['/srv/shared', 'shop-api=/srv/uploads/', 'shop-api=/srv/uploads']);
    expect([...writable]).toEqual([['', ['/srv/shared']], ['shop-api', ['/srv/uploads']]]);
    const [api, worker] = await load('shop/ecosystem.config.js', { writable });
    expect(api.spec!.writablePaths).toEqual(['/srv/shared', '/srv/uploads']);
    expect(worker.spec!.writablePaths).toEqual(['/srv/shared']);
    expect(formatImportedApp(api)).toContain('  writes      /var/lib/shop-api (StateDirectory=, $STATE_DIRECTORY), /srv/shared (--writable: ReadWritePaths=), /srv/uploads (--writable: ReadWritePaths=)\n');
    expect(renderApp(api.spec!).find((f) => f.path === 'shop-api@.service')!.content).toContain('ReadWritePaths=/srv/uploads\n');
    const [plain] = await load('shop/ecosystem.config.js');
    expect(formatImportedApp(plain)).toContain('  writes      /var/lib/shop-api (StateDirectory=, $STATE_DIRECTORY)\n');
    expect(() => parseImportWritable(['shop-api=uploads'])).toThrow("--writable 'shop-api=uploads': the directory is not an absolute path");
    expect(() => parseImportWritable(['uploads'])).toThrow("--writable 'uploads' is not an absolute path");
  });

  it('instances as pm2 computes them', () => {
    expect(instanceCount('max', 4).count).toBe(4);
    expect(instanceCount(0, 4).count).toBe(4);
    expect(instanceCount(-1, 4).count).toBe(3);
    expect(instanceCount(-8, 4).count).toBe(1);
    expect(instanceCount('4', 8).count).toBe(4);
    expect(instanceCount('auto', 2).count).toBe(2);
    expect(instanceCount(undefined, 4).count).toBe(1);
  });

  it('--instances-from-host (the default) computes "max"/0/-k on this host and says so; --instances-for N fixes the count', async () => {
    expect(instancesCpus({}, 2)).toEqual({ cpus: 2, cpusFrom: 'this host' });
    expect(instancesCpus({ instancesFromHost: true }, 2)).toEqual({ cpus: 2, cpusFrom: 'this host' });
    expect(instancesCpus({ instancesFromHost: false, instancesFor: '8' }, 2)).toEqual({ cpus: 8, cpusFrom: '--instances-for 8' });
    expect(instancesCpus({ instancesFor: '8' }, 2)).toEqual({ cpus: 8, cpusFrom: '--instances-for 8' });
    expect(instancesCpus({ cpus: '6' }, 2)).toEqual({ cpus: 6, cpusFrom: '--cpus 6' });
    expect(() => instancesCpus({ instancesFromHost: false }, 2)).toThrow(/^--no-instances-from-host needs a fixed count: add --instances-for N/);
    expect(() => instancesCpus({ instancesFromHost: true, instancesFor: '8' }, 2)).toThrow('--instances-from-host and --instances-for 8 exclude each other: drop one');
    expect(() => instancesCpus({ instancesFor: '0' }, 2)).toThrow("--instances-for must be a whole number >= 1, not '0'");
    expect(() => instancesCpus({ instancesFor: 'max' }, 2)).toThrow("--instances-for must be a whole number >= 1, not 'max'");
    expect(() => instancesCpus({ instancesFor: '8', cpus: '8' }, 2)).toThrow('--instances-for and --cpus are the same option; give one');
    const [api, worker] = await load('shop/ecosystem.config.js', { cpus: 8, cpusFrom: '--instances-for 8' });
    expect(api.summary).toBe('8 instances (pm2: instances "max" for 8 CPUs, --instances-for 8), port 3000 from env PORT');
    expect(worker.spec!.instances).toBe(7); // -1 for 8 CPUs
    expect(instanceCount('max', 4).note).toBe('instances "max" on this 4-CPU host');
    expect(instanceCount(-1, 8, '--cpus 8').note).toBe('instances -1 for 8 CPUs, --cpus 8');
  });

  it('sizes and names', () => {
    expect(memorySize('1G')).toBe('1G');
    expect(memorySize('1536M')).toBe('1536M');
    expect(memorySize(1073741824)).toBe('1G');
    expect(memorySize('300K')).toBe('300K');
    expect(memorySize('1.5G')).toBeUndefined();
    expect(unitNameFor('node ace queue:listen')).toBe('node-ace-queue:listen');
    expect(unitNameFor('api.service')).toBe('api-service');
  });
});

describe('pm2 dump records', () => {
  it('4 records of one cluster app become 4 instances; the shell environment is filtered; a stopped app is not started', async () => {
    const { appsFromRecords, readDump } = await import('../../../src/import/dump.js');
    const dump = appsFromRecords(readDump(join(FIXTURES, 'dump.pm2')));
    expect(dump.map((d) => [d.app.name, d.processes])).toEqual([['shop-api', 4], ['shop-worker', 1]]);
    expect(dump[0].keptEnv.sort()).toEqual(['DB_URL', 'NODE_ENV', 'PATH', 'PORT']);
    expect(dump[0].droppedEnv).toEqual(expect.arrayContaining(['SSH_CLIENT', 'LS_COLORS', 'npm_config_cache', 'PM2_HOME', 'HOME', 'unique_id', 'shop-api', '_']));
    const [api, worker] = convertApps(dump.map((d) => d.app), host(FIXTURES, { fileExists: () => true }));
    expect(api.refused).toEqual([]);
    expect(api.spec!.instances).toBe(4);
    expect(api.spec!.ports).toEqual([{ port: 3000 }]);
    expect(api.spec!.script).toBe('/srv/shop/dist/server.js');
    expect(api.spec!.cwd).toBe('/srv/shop');
    expect(api.spec!.args).toEqual(['--trust-proxy']);
    expect(api.spec!.nodeOptions).toEqual(['--max-old-space-size=1024']);
    expect(api.spec!.memoryMax).toBe('1G');
    expect(api.spec!.drainTimeoutSec).toBe(2);
    expect(worker.autostart).toBe(false);
    expect(worker.spec!.restart).toBe('no');
    expect(worker.cron?.onCalendar).toBe('*-*-* 00,06,12,18:00:00');
    expect(Object.fromEntries(worker.spec!.env)).toEqual({ PATH: '/usr/bin:/bin', QUEUE: 'jobs' });
  });
});

describe('apps under /home', () => {
  it("cwd: '/home/ubuntu/htdocs/shop' keeps the sandbox: the directory bound in read-only, the owner as the user", () => {
    const [app] = convertApps([{ name: 'shop', script: 'server.js', cwd: '/home/ubuntu/htdocs/shop', env: { PORT: 3000 } }], host(FIXTURES, { fileExists: () => true, ownerOf: () => 'ubuntu' }));
    expect(app.refused).toEqual([]);
    expect(app.spec!.homeBinds).toEqual(['/home/ubuntu/htdocs/shop']);
    expect(app.spec!.user).toEqual({ kind: 'static', name: 'ubuntu' });
    expect(formatImportedApp(app)).toContain('ProtectHome=tmpfs, BindReadOnlyPaths=/home/ubuntu/htdocs/shop');
    const [named] = convertApps([{ name: 'shop', script: 'server.js', cwd: '/home/ubuntu/htdocs/shop', user: 'www-data' }], host(FIXTURES, { fileExists: () => true, ownerOf: () => 'ubuntu' }));
    expect(named.spec!.user).toEqual({ kind: 'static', name: 'www-data' });
  });
});

describe('import --port APP=PORT', () => {
  it('gives a cluster app without a known port its socket, and PORT', () => {
    const [app] = convertApps([{ name: 'api', script: 'shop/dist/server.js', instances: 2, exec_mode: 'cluster' }], host(FIXTURES));
    expect(app.summary).toMatch(/no port known .* pass --port api=PORT/);
    const [fixed] = convertApps([{ name: 'api', script: 'shop/dist/server.js', instances: 2, exec_mode: 'cluster' }], host(FIXTURES, { ports: new Map([['api', 3300]]) }));
    expect(fixed.spec!.ports).toEqual([{ port: 3300 }]);
    expect(fixed.spec!.env).toContainEqual(['PORT', '3300']);
  });
});
