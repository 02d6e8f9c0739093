import { mkdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { resolveNode } from '../launcher/resolve-node';
import { checkRuntimeFiles, runtimeFiles } from '../launcher/runtime-files';
import { nodeVersion } from '../launcher/resolve-node';
import { MIN_NODE_MAJOR } from '../system/preflight';
import { run } from '../system/run';
import { hostSystemdVersion, systemdIsRunning } from '../system/systemctl';
import { listApps } from '../system/unit-files';
import { VERSION } from '../version';
import { nodeunitPath, out } from './common';
import { UserError } from './user-error';

/** Where doctor puts its probe script: root-owned, on a tmpfs, readable by a dynamic user (unlike a PrivateTmp /tmp). */
export const DOCTOR_DIR = '/run/nodeunit';

/** Listens on an ephemeral loopback port, so that `--ready listen` sends READY=1, then exits 0. */
export const PROBE_SCRIPT = `// nodeunit doctor: readiness probe
const server = require('http').createServer((req, res) => res.end('ok'));
server.listen(0, '127.0.0.1', () => setTimeout(() => server.close(() => process.exit(0)), 200));
`;

type Check = { ok: boolean; what: string; detail: string };

export async function doctor(nodeFlag?: string): Promise<Check[]> {
  const checks: Check[] = [];
  const add = (ok: boolean, what: string, detail: string) => {
    checks.push({ ok, what, detail });
    out(`${ok ? 'ok  ' : 'FAIL'}  ${what.padEnd(16)} ${detail}\n`);
  };
  out(`nodeunit ${VERSION} at ${nodeunitPath()}\n`);

  const { version } = await hostSystemdVersion();
  const booted = await systemdIsRunning();
  add(version !== undefined && booted, 'systemd', version === undefined ? 'systemctl not found' : `${version}${booted ? '' : ', but systemd is not running this machine (no /run/systemd/system)'}`);

  let node: string | undefined;
  try {
    node = resolveNode({ flag: nodeFlag, env: process.env.NODEUNIT_NODE, path: process.env.PATH, cwd: process.cwd() });
    const v = nodeVersion(node);
    const major = v ? Number(/^v(\d+)/.exec(v)![1]) : 0;
    const tooOld = v !== undefined && major < MIN_NODE_MAJOR;
    const fix = `: nodeunit runs apps on node ${MIN_NODE_MAJOR} or later; install a newer Node.js or pass --node PATH`;
    add(v !== undefined && !tooOld, 'node', `${node} ${v ?? '(did not print a version)'}${tooOld ? fix : ''}`);
  } catch (err) {
    add(false, 'node', (err as Error).message);
  }

  const files = runtimeFiles(VERSION);
  try {
    checkRuntimeFiles(files, 0);
    add(true, 'runtime files', `${files.preload}, ${files.helper}`);
  } catch (err) {
    add(false, 'runtime files', (err as Error).message);
  }

  if (process.getuid?.() !== 0) {
    add(false, 'readiness', 'skipped: the round trip through a transient unit needs root');
  } else if (!booted || node === undefined) {
    add(false, 'readiness', 'skipped: needs systemd and node');
  } else {
    // A real Type=notify start through systemd, as an unprivileged dynamic user.
    // -e would get no preload (nothing to serve), so the probe is a file.
    mkdirSync(DOCTOR_DIR, { recursive: true, mode: 0o755 });
    const script = `${DOCTOR_DIR}/doctor-${process.pid}.js`;
    writeFileSync(script, PROBE_SCRIPT, { mode: 0o644 });
    chmodSync(script, 0o644);
    const t0 = Date.now();
    const r = await run(
      'systemd-run',
      ['--wait', '--quiet', '--collect', '--service-type=notify', '-p', 'DynamicUser=yes', '-p', 'TimeoutStartSec=30', '-p', 'ProtectSystem=strict',
        `--unit=nodeunit-doctor-${process.pid}`, nodeunitPath(), '--node', node, script],
      { timeoutMs: 60_000 },
    );
    rmSync(script, { force: true });
    const ms = Date.now() - t0;
    add(r.code === 0, 'readiness', r.code === 0 ? `a transient Type=notify unit became ready and stopped cleanly (${ms} ms)` : `systemd-run failed (exit ${r.code}): ${(r.stderr.trim() || r.stdout.trim()).split('\n').slice(-3).join('; ')}`);
  }

  const apps = listApps();
  out(`apps: ${apps.length ? apps.join(', ') : '(none)'}\n`);
  return checks;
}

export const doctorCommand: CommandModule<object, { node?: string }> = {
  command: 'doctor',
  describe: 'check systemd, node, the runtime files, and a real readiness round trip through systemd',
  builder: (y) => y.option('node', { type: 'string', describe: 'check this node instead of the one on PATH' }) as never,
  handler: async (argv) => {
    const checks = await doctor(argv.node);
    const failed = checks.filter((c) => !c.ok);
    if (failed.length) throw new UserError(`${failed.length} check${failed.length > 1 ? 's' : ''} failed: ${failed.map((c) => c.what).join(', ')}`);
  },
};
