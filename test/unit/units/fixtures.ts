import { appSpecWithDefaults, type AppSpec } from '../../../src/units/app-spec.js';

/** What `nodeunit enable myapp /opt/apps/myapp/index.js` decides with every default. */
export function defaultSpec(overrides: Partial<AppSpec> = {}): AppSpec {
  return appSpecWithDefaults({
    name: 'myapp',
    script: '/opt/apps/myapp/index.js',
    user: { kind: 'static', name: 'myapp' },
    cwd: '/opt/apps/myapp',
    node: '/usr/bin/node',
    nodeunitPath: '/usr/bin/nodeunit',
    systemdVersion: 252,
    ...overrides,
  });
}

/** The snapshot matrix; the systemd-analyze test renders the same cases for real. */
export const MATRIX: Record<string, Partial<AppSpec>> = {
  defaults: {},
  'shared-4x8080': { instances: 4, ports: [{ port: 8080 }] },
  'reuseport-4x8080': { instances: 4, ports: [{ port: 8080 }], balance: 'reuseport' },
  'two-hosts-three-ports': {
    instances: 2,
    ports: [{ port: 8080 }, { host: '127.0.0.1', port: 8081 }, { host: '::1', port: 8082 }],
  },
  'reuseport-two-ports': {
    instances: 2,
    ports: [{ port: 8080 }, { host: '127.0.0.1', port: 8081 }],
    balance: 'reuseport',
  },
  'dynamic-user': { user: { kind: 'dynamic' } },
  'no-harden': { harden: false },
  'env-and-options': {
    env: [
      ['GREETING', 'hello world'],
      ['PERCENT', '100% %i'],
      ['DOLLAR', '$HOME ${PATH}'],
      ['QUOTES', `it's "quoted" \\ back`],
      ['EMPTY', ''],
      ['NODE_ENV', 'staging'],
    ],
    envFile: '/etc/myapp/secrets env',
    nodeOptions: ['--max-old-space-size=512', '--title=my app $1 50%'],
    ready: 'manual',
    drainTimeoutSec: 25,
    watchdogSec: 0,
    memoryMax: '512M',
    cpuQuota: 150,
  },
  'app-args': {
    // enable myapp index.js -- <these>: each must reach the app as one argument, verbatim.
    args: ['--port', '8080', 'with space', `it's "quoted"`, '100% %i', '$HOME ${PATH}', 'back\\slash\\', ';', '', 'tab\there', 'ünï'],
  },
  // From `nodeunit import`: a program that is not Node (pm2 interpreter: python3, none...).
  'exec-command': { command: ['/bin/sh', '-c', 'exec sleep 1000'], watchdogSec: 0, instances: 2 },
  // From `nodeunit import`: pm2 cron_restart, watch (--allow-watch), autorestart, restart_delay, listen_timeout.
  'cron-watch-restart': {
    ports: [{ port: 8080 }],
    cronRestart: { pattern: '0 3 * * *', onCalendar: '*-*-* 03:00:00' },
    watchPaths: ['/opt/apps/myapp/dist', '/opt/apps/my app 100%'],
    restart: 'always',
    restartSec: 0.5,
    timeoutStartSec: 10,
    restartPreventExitStatus: [0, 3],
  },
  // An app under /home (where pm2 users keep them), on an nvm node: the sandbox stays.
  'home-binds': { user: { kind: 'static', name: 'ubuntu' }, homeBinds: ['/home/ubuntu/htdocs/shop', '/home/ubuntu/.nvm/versions/node/v20.19.0'] },
  // --writable: under /home (also bound through ProtectHome=tmpfs, and the app's own directory bound writable once) and elsewhere.
  'writable-paths': {
    user: { kind: 'static', name: 'ubuntu' },
    homeBinds: ['/home/ubuntu/htdocs/shop', '/home/ubuntu/htdocs/blog'],
    writablePaths: ['/home/ubuntu/htdocs/shop/uploads', '/home/ubuntu/htdocs/blog', '/srv/shop data 100%'],
  },
  'systemd-247': { systemdVersion: 247, ports: [{ port: 8080 }] },
  'systemd-255': { systemdVersion: 255, ports: [{ port: 8080 }] },
  'log-rate-limit': { logRateLimit: { burst: 50000, intervalSec: 30 } },
};
