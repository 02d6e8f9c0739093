import { describe, expect, it } from 'vitest';
import {
  GENERATED_MARKER,
  isGeneratedByNodeunit,
  renderApp,
  unitsToEnable,
  type RenderedFile,
} from '../../../src/units/index.js';
import { defaultSpec, MATRIX } from './fixtures.js';

function byPath(files: RenderedFile[]): Record<string, string> {
  return Object.fromEntries(files.map((f) => [f.path, f.content]));
}

function service(files: RenderedFile[]): string {
  const file = files.find((f) => f.path.endsWith('@.service'));
  if (file === undefined) throw new Error('no service template rendered');
  return file.content;
}

/** Directive lines `Key=value` of one file, comments and headers dropped. */
function directives(content: string, key: string): string[] {
  return content
    .split('\n')
    .filter((line) => line.startsWith(`${key}=`))
    .map((line) => line.slice(key.length + 1));
}

describe('renderApp snapshots', () => {
  for (const [name, overrides] of Object.entries(MATRIX)) {
    it(name, async () => {
      for (const file of renderApp(defaultSpec(overrides))) {
        await expect(file.content).toMatchFileSnapshot(`__snapshots__/${name}/${file.path}`);
      }
    });
  }
});

describe('renderApp', () => {
  it('is deterministic (enable twice is a no-op)', () => {
    for (const overrides of Object.values(MATRIX)) {
      expect(renderApp(defaultSpec(overrides))).toEqual(renderApp(defaultSpec(overrides)));
    }
  });

  it('marks every file as generated on its first line, with no version or date', () => {
    for (const overrides of Object.values(MATRIX)) {
      for (const file of renderApp(defaultSpec(overrides))) {
        expect(file.content.startsWith(GENERATED_MARKER)).toBe(true);
        expect(isGeneratedByNodeunit(file.content)).toBe(true);
        const header = file.content.split('\n\n', 1)[0]!;
        expect(header).not.toMatch(/\d/);
        expect(file.content.endsWith('\n')).toBe(true);
        expect(file.content.endsWith('\n\n')).toBe(false);
      }
    }
  });

  it('renders only target and service without ports', () => {
    expect(renderApp(defaultSpec()).map((f) => f.path)).toEqual(['myapp.target', 'myapp@.service']);
    expect(service(renderApp(defaultSpec()))).not.toMatch(/^(Sockets|Requires)=/m);
  });

  it('shared: one socket unit per port, all instances inherit it, instance 1 is triggered', () => {
    const files = byPath(renderApp(defaultSpec(MATRIX['two-hosts-three-ports'])));
    expect(Object.keys(files)).toEqual([
      'myapp.target',
      'myapp@.service',
      'myapp-8080.socket',
      'myapp-8081.socket',
      'myapp-8082.socket',
    ]);
    expect(directives(files['myapp@.service']!, 'Sockets')).toEqual([
      'myapp-8080.socket myapp-8081.socket myapp-8082.socket',
    ]);
    expect(directives(files['myapp-8081.socket']!, 'ListenStream')).toEqual(['127.0.0.1:8081']);
    expect(directives(files['myapp-8082.socket']!, 'ListenStream')).toEqual(['[::1]:8082']);
    expect(directives(files['myapp-8082.socket']!, 'FileDescriptorName')).toEqual(['8082']);
    expect(directives(files['myapp-8080.socket']!, 'Service')).toEqual(['myapp@1.service']);
    expect(directives(files['myapp-8080.socket']!, 'ReusePort')).toEqual(['no']);
  });

  it('groups several hosts of one port into one socket unit', () => {
    const files = byPath(renderApp(defaultSpec({ ports: [{ host: '127.0.0.1', port: 80 }, { host: '[::1]', port: 80 }] })));
    expect(directives(files['myapp-80.socket']!, 'ListenStream')).toEqual(['127.0.0.1:80', '[::1]:80']);
  });

  it('reuseport: a socket template per port, bound to the same instance', () => {
    const files = byPath(renderApp(defaultSpec(MATRIX['reuseport-two-ports'])));
    expect(Object.keys(files)).toContain('myapp-8080@.socket');
    expect(directives(files['myapp-8080@.socket']!, 'ReusePort')).toEqual(['yes']);
    expect(directives(files['myapp-8080@.socket']!, 'Service')).toEqual(['myapp@%i.service']);
    expect(directives(files['myapp@.service']!, 'Requires')).toEqual(['myapp-8080@%i.socket myapp-8081@%i.socket']);
  });

  it('lists the units to enable', () => {
    expect(unitsToEnable(defaultSpec({ instances: 2, ports: [{ port: 80 }] }))).toEqual([
      'myapp.target',
      'myapp@1.service',
      'myapp@2.service',
      'myapp-80.socket',
    ]);
    expect(unitsToEnable(defaultSpec({ instances: 2, ports: [{ port: 80 }], balance: 'reuseport' }))).toEqual([
      'myapp.target',
      'myapp@1.service',
      'myapp@2.service',
      'myapp-80@1.socket',
      'myapp-80@2.socket',
    ]);
  });

  it('emits RestartSteps=/RestartMaxDelaySec= only on systemd >= 254', () => {
    const old = service(renderApp(defaultSpec({ systemdVersion: 253 })));
    const now = service(renderApp(defaultSpec({ systemdVersion: 254 })));
    expect(old).not.toMatch(/^Restart(Steps|MaxDelaySec)=/m);
    expect(now).toMatch(/^RestartSteps=/m);
    expect(now).toMatch(/^RestartMaxDelaySec=/m);
    // The explaining comment goes with the directive.
    expect(old).not.toContain('back off from');
  });

  it('restarts at once: RestartSec=0 before systemd 254, 1ms (the start of the backoff) since; a crash loop still ends at the start limit', () => {
    for (const [systemdVersion, delay] of [
      [247, '0'],
      [252, '0'],
      [253, '0'],
      [254, '1ms'],
      [257, '1ms'],
    ] as const) {
      const unit = service(renderApp(defaultSpec({ systemdVersion })));
      expect(unit).toMatch(new RegExp(`^RestartSec=${delay}$`, 'm'));
      expect(unit).toMatch(/^StartLimitIntervalSec=300$/m);
      expect(unit).toMatch(/^StartLimitBurst=10$/m);
    }
    // The user's restart_delay wins on every version.
    expect(service(renderApp(defaultSpec({ systemdVersion: 252, restartSec: 0.5 })))).toMatch(/^RestartSec=0.5$/m);
    expect(service(renderApp(defaultSpec({ systemdVersion: 257, restartSec: 0.5 })))).toMatch(/^RestartSec=0.5$/m);
  });

  it('on systemd >= 254 each start schedules the restart count to start over after 10 min up, for this invocation only', () => {
    for (const systemdVersion of [247, 252, 253]) expect(service(renderApp(defaultSpec({ systemdVersion })))).not.toMatch(/^ExecStartPost=/m);
    const post = directives(service(renderApp(defaultSpec({ systemdVersion: 254 }))), 'ExecStartPost');
    expect(post).toHaveLength(1);
    // Unsandboxed (+, for systemd-run) and never failing the start (-); systemd fills in %n and the invocation.
    expect(post[0]).toMatch(/^-\+\/usr\/bin\/systemd-run .*--on-active=600 .* - %n \$\{INVOCATION_ID\}$/);
    expect(post[0]).toContain('systemctl reset-failed "$$1"');
    // Nothing to start over when an exit is final.
    expect(service(renderApp(defaultSpec({ systemdVersion: 257, restart: 'no' })))).not.toMatch(/^ExecStartPost=/m);
  });

  it('drops directives newer than the host', () => {
    const v241 = service(renderApp(defaultSpec({ systemdVersion: 241 })));
    for (const key of ['ProtectHostname', 'ProtectClock', 'ProtectKernelLogs', 'ProtectProc', 'PrivateIPC']) {
      expect(v241).not.toMatch(new RegExp(`^${key}=`, 'm'));
    }
    const v248 = service(renderApp(defaultSpec({ systemdVersion: 248 })));
    expect(v248).toMatch(/^PrivateIPC=yes$/m);
  });

  it('sets NODE_ENV=production unless the user sets NODE_ENV', () => {
    expect(directives(service(renderApp(defaultSpec())), 'Environment')).toContain('NODE_ENV=production');
    const custom = directives(service(renderApp(defaultSpec({ env: [['NODE_ENV', 'dev']] }))), 'Environment');
    expect(custom).toContain('NODE_ENV=dev');
    expect(custom).not.toContain('NODE_ENV=production');
  });

  it('builds ExecStart with flags only when they differ from the defaults', () => {
    expect(directives(service(renderApp(defaultSpec())), 'ExecStart')).toEqual([
      '/usr/bin/nodeunit --node /usr/bin/node /opt/apps/myapp/index.js',
    ]);
    expect(
      directives(service(renderApp(defaultSpec({ ready: 'start', drainTimeoutSec: 3, nodeOptions: ['--inspect'] }))), 'ExecStart'),
    ).toEqual(['/usr/bin/nodeunit --node /usr/bin/node --ready=start --drain-timeout=3 --inspect /opt/apps/myapp/index.js']);
  });

  it('gives systemd time to let the drain finish', () => {
    expect(directives(service(renderApp(defaultSpec({ drainTimeoutSec: 42 }))), 'TimeoutStopSec')).toEqual(['47']);
  });

  it('omits WatchdogSec= when the watchdog is off', () => {
    expect(service(renderApp(defaultSpec({ watchdogSec: 0 })))).not.toMatch(/^WatchdogSec=/m);
    expect(directives(service(renderApp(defaultSpec())), 'WatchdogSec')).toEqual(['30']);
  });

  it('hardens only with harden, and never sets MemoryDenyWriteExecute=yes', () => {
    expect(service(renderApp(defaultSpec({ harden: false })))).not.toMatch(/^(ProtectSystem|StateDirectory|SystemCallFilter)=/m);
    const hardened = service(renderApp(defaultSpec()));
    expect(directives(hardened, 'StateDirectory')).toEqual(['myapp']);
    expect(directives(hardened, 'MemoryDenyWriteExecute')).toEqual(['no']);
    expect(hardened).not.toMatch(/^ProcSubset=/m);
  });

  it('comments every non-obvious directive', () => {
    const obvious = new Set(['Description', 'WorkingDirectory', 'User', 'Environment', 'EnvironmentFile', 'After', 'ListenStream',
      'StartLimitBurst', 'RestartMaxDelaySec']);
    for (const overrides of Object.values(MATRIX)) {
      for (const file of renderApp(defaultSpec(overrides))) {
        const lines = file.content.split('\n');
        lines.forEach((line, i) => {
          const key = /^([A-Za-z]+)=/.exec(line)?.[1];
          if (key === undefined || obvious.has(key)) return;
          expect(lines[i - 1], `${file.path}: ${line}`).toMatch(/^# /);
        });
      }
    }
  });

  it('rejects out-of-range instance counts', () => {
    expect(() => renderApp(defaultSpec({ instances: 0 }))).toThrow(RangeError);
    expect(() => renderApp(defaultSpec({ instances: 257 }))).toThrow(RangeError);
  });
});
