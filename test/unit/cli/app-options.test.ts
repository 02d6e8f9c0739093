import { describe, expect, it } from 'vitest';
import {
  buildAppSpec,
  hiddenBySandbox,
  parseCpuQuota,
  parseEnvAssignment,
  parseInstances,
  parseMemoryMax,
  parsePort,
  parsePorts,
  parseWatchdog,
  validateAppName,
  type AppArgv,
  type AppHost,
} from '../../../src/cli/app-options.js';
import { UserError } from '../../../src/cli/user-error.js';

const host: AppHost = {
  cwd: '/srv/myapp',
  systemdVersion: 252,
  nodeunitPath: '/usr/bin/nodeunit',
  resolveNode: (flag) => (flag === undefined ? '/usr/bin/node' : flag.startsWith('/') ? flag : `/srv/myapp/${flag}`),
};

function userError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).not.toContain('\n');
    return (err as Error).message;
  }
  throw new Error('expected a UserError');
}

describe('validateAppName', () => {
  it.each(['myapp', 'my-app', 'my_app', 'api.v2', 'svc:blue', 'A1', '_x', 'x'.repeat(200)])('accepts %j', (name) => {
    expect(validateAppName(name)).toBe(name);
  });
  it.each([
    ['', /empty/],
    ['a/b', /contains '\/'/],
    ['a..b', /contains '\.\.'/],
    ['..', /contains '\.\.'/],
    ['a@b', /'@'/],
    ['a b', /spaces/],
    ['a\tb', /control characters|spaces/],
    ['a\nb', /control characters/],
    ['a\x01b', /control characters/],
    ['x'.repeat(201), /at most 200/],
    ['-flag', /starting with/],
    ['.hidden', /starting with/],
    ['a\\x2d', /use letters/],
    ['ünï', /use letters/],
    ['web.service', /unit type/],
  ])('rejects %j', (name, why) => {
    expect(userError(() => validateAppName(name))).toMatch(why);
  });
});

describe('parseInstances', () => {
  it('defaults to 1 and accepts 1..256', () => {
    expect(parseInstances(undefined)).toBe(1);
    expect(parseInstances('1')).toBe(1);
    expect(parseInstances('256')).toBe(256);
  });
  it.each(['0', '257', '300', '-1', '1.5', 'four', ''])('rejects %j', (v) => {
    expect(userError(() => parseInstances(v))).toMatch(/--instances/);
  });
});

describe('parsePort', () => {
  it.each([
    ['8080', { port: 8080 }],
    ['1', { port: 1 }],
    ['65535', { port: 65535 }],
    ['127.0.0.1:8080', { host: '127.0.0.1', port: 8080 }],
    ['0.0.0.0:80', { host: '0.0.0.0', port: 80 }],
    ['[::1]:8080', { host: '::1', port: 8080 }],
    ['[::]:443', { host: '::', port: 443 }],
    ['[fe80::1%eth0]:8080', { host: 'fe80::1%eth0', port: 8080 }],
  ])('%s', (v, want) => {
    expect(parsePort(v)).toEqual(want);
  });
  it.each([
    ['0', /1-65535/],
    ['65536', /1-65535/],
    ['70000', /1-65535/],
    ['-1', /1-65535/],
    ['http', /1-65535/],
    [':8080', /empty/],
    ['::1:8080', /brackets/],
    ['[127.0.0.1]:80', /brackets are for IPv6/],
    ['localhost:8080', /not an IP address/],
    ['127.0.0.1:', /1-65535/],
  ])('rejects %s', (v, why) => {
    expect(userError(() => parsePort(v))).toMatch(why);
  });
  it('rejects the same listen address twice but allows one port on two addresses', () => {
    expect(parsePorts(['127.0.0.1:80', '[::1]:80'])).toHaveLength(2);
    expect(userError(() => parsePorts(['8080', '8080']))).toMatch(/given twice/);
  });
});

describe('parseEnvAssignment', () => {
  it('splits at the first =', () => {
    expect(parseEnvAssignment('A=b=c')).toEqual(['A', 'b=c']);
    expect(parseEnvAssignment('EMPTY=')).toEqual(['EMPTY', '']);
    expect(parseEnvAssignment('Q=it\'s "x" $HOME 100%')).toEqual(['Q', 'it\'s "x" $HOME 100%']);
  });
  it.each([
    ['A=one\ntwo', /newline/],
    ['A=one\rtwo', /newline/],
    ['A=tab\there', /control character/],
    ['noequals', /NAME=value/],
    ['=value', /NAME=value/],
    ['1A=x', /variable name/],
    ['A-B=x', /variable name/],
  ])('rejects %j', (v, why) => {
    expect(userError(() => parseEnvAssignment(v))).toMatch(why);
  });
});

describe('resource and timing options', () => {
  it('memory', () => {
    expect(parseMemoryMax('512M')).toBe('512M');
    expect(parseMemoryMax('2g')).toBe('2G');
    expect(parseMemoryMax('50%')).toBe('50%');
    expect(parseMemoryMax('infinity')).toBe('infinity');
    expect(parseMemoryMax(undefined)).toBeUndefined();
    for (const bad of ['0', 'lots', '512MB', '150%', '-1M']) expect(userError(() => parseMemoryMax(bad))).toMatch(/--memory-max/);
  });
  it('cpu quota', () => {
    expect(parseCpuQuota('150')).toBe(150);
    expect(parseCpuQuota('50%')).toBe(50);
    for (const bad of ['0', '1.5', 'half']) expect(userError(() => parseCpuQuota(bad))).toMatch(/--cpu-quota/);
  });
  it('watchdog', () => {
    expect(parseWatchdog(undefined)).toBe(30);
    expect(parseWatchdog('0')).toBe(0);
    expect(parseWatchdog('10s')).toBe(10);
    expect(userError(() => parseWatchdog('soon'))).toMatch(/--watchdog/);
  });
});

describe('buildAppSpec', () => {
  const argv = (over: Partial<AppArgv> = {}): AppArgv => ({ name: 'myapp', script: 'index.js', ...over });

  it('fills in every default', () => {
    expect(buildAppSpec(argv(), host)).toEqual({
      name: 'myapp',
      script: '/srv/myapp/index.js',
      instances: 1,
      ports: [],
      user: { kind: 'static', name: 'myapp' },
      cwd: '/srv/myapp',
      env: [],
      node: '/usr/bin/node',
      nodeOptions: [],
      watchdogSec: 30,
      ready: 'listen',
      drainTimeoutSec: 10,
      balance: 'shared',
      harden: true,
      nodeunitPath: '/usr/bin/nodeunit',
      systemdVersion: 252,
    });
  });

  it('takes every option, repeated ones in order, the last of a single-valued one', () => {
    const spec = buildAppSpec(
      argv({
        script: '/opt/app/server.js',
        instances: ['2', '4'],
        port: ['8080', '127.0.0.1:9000'],
        dynamicUser: true,
        cwd: '/opt/app/run',
        env: ['A=1', 'B=two words'],
        envFile: 'secrets.env',
        node: 'bin/node',
        nodeOption: ['--max-old-space-size=512', '--enable-source-maps'],
        memoryMax: '1G',
        cpuQuota: '150',
        watchdog: '0',
        ready: 'manual',
        drainTimeout: '25',
        balance: 'reuseport',
        harden: false,
      }),
      host,
    );
    expect(spec).toMatchObject({
      script: '/opt/app/server.js',
      instances: 4,
      ports: [{ port: 8080 }, { host: '127.0.0.1', port: 9000 }],
      user: { kind: 'dynamic' },
      cwd: '/opt/app/run',
      env: [
        ['A', '1'],
        ['B', 'two words'],
      ],
      envFile: '/srv/myapp/secrets.env',
      node: '/srv/myapp/bin/node',
      nodeOptions: ['--max-old-space-size=512', '--enable-source-maps'],
      memoryMax: '1G',
      cpuQuota: 150,
      watchdogSec: 0,
      ready: 'manual',
      drainTimeoutSec: 25,
      balance: 'reuseport',
      harden: false,
    });
  });

  it('user choices', () => {
    expect(buildAppSpec(argv({ user: 'www-data' }), host).user).toEqual({ kind: 'static', name: 'www-data' });
    expect(userError(() => buildAppSpec(argv({ user: 'www-data', dynamicUser: true }), host))).toMatch(/exclude each other/);
    expect(userError(() => buildAppSpec(argv({ user: 'bad user' }), host))).toMatch(/not a valid user name/);
    // A valid unit name that is not a valid user name needs an explicit choice.
    expect(userError(() => buildAppSpec(argv({ name: 'api.v2' }), host))).toMatch(/pass --user NAME or --dynamic-user/);
    expect(buildAppSpec(argv({ name: 'api.v2', dynamicUser: true }), host).user).toEqual({ kind: 'dynamic' });
  });

  it('the first bad option is one line', () => {
    expect(userError(() => buildAppSpec(argv({ name: 'a/b' }), host))).toMatch(/'\/'/);
    expect(userError(() => buildAppSpec(argv({ instances: '0' }), host))).toMatch(/--instances must be 1-256, not 0/);
    expect(userError(() => buildAppSpec(argv({ port: '70000' }), host))).toMatch(/1-65535/);
    expect(userError(() => buildAppSpec(argv({ env: 'A=x\ny' }), host))).toMatch(/newline/);
    expect(userError(() => buildAppSpec(argv({ ready: 'soon' }), host))).toMatch(/--ready/);
    expect(userError(() => buildAppSpec(argv({ balance: 'random' }), host))).toMatch(/--balance/);
    expect(userError(() => buildAppSpec(argv({ drainTimeout: 'x' }), host))).toMatch(/--drain-timeout/);
    expect(userError(() => buildAppSpec(argv({ script: '' }), host))).toMatch(/no script/);
  });
});

describe('hiddenBySandbox', () => {
  const hardened = { harden: true, user: { kind: 'static', name: 'x' } } as const;
  it('ProtectHome and PrivateTmp hide these paths from a hardened service', () => {
    expect(hiddenBySandbox('/home/me/app/index.js', hardened)).toMatch(/ProtectHome/);
    expect(hiddenBySandbox('/root/.nvm/versions/node/v20/bin/node', hardened)).toMatch(/ProtectHome/);
    expect(hiddenBySandbox('/tmp/app.js', hardened)).toMatch(/PrivateTmp/);
    expect(hiddenBySandbox('/srv/app/index.js', hardened)).toBeUndefined();
    expect(hiddenBySandbox('/homework/app.js', hardened)).toBeUndefined();
  });
  it('--no-harden shows them, except /tmp for a dynamic user (always PrivateTmp)', () => {
    expect(hiddenBySandbox('/home/me/app.js', { harden: false, user: { kind: 'static', name: 'x' } })).toBeUndefined();
    expect(hiddenBySandbox('/tmp/app.js', { harden: false, user: { kind: 'dynamic' } })).toMatch(/PrivateTmp/);
  });
});
