/**
 * The built executable in a terminal, outside systemd: it must behave like
 * node, and bad input must be one clear line with a non-zero exit.
 * Needs dist/nodeunit (npm test builds it first).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const nodeunit = resolve('dist/nodeunit');
const dir = mkdtempSync(join(tmpdir(), 'nodeunit-cli-'));
const app = join(dir, 'app.js');
writeFileSync(
  app,
  `process.stdout.write(JSON.stringify({ argv: process.argv.slice(2), execArgv: process.execArgv, pid: process.pid,
    instance: process.env.NODE_APP_INSTANCE, env: Object.keys(process.env).filter((k) => k.startsWith('NODEUNIT_')) }));
  process.exitCode = Number(process.env.APP_EXIT || 0);`,
);
const env = { PATH: process.env.PATH!, HOME: dir };

function run(args: string[], extraEnv: Record<string, string> = {}) {
  const r = spawnSync(nodeunit, args, { cwd: dir, env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('nodeunit in a terminal', () => {
  it('runs the script like node: options, arguments, exit code, nothing added', () => {
    const r = run(['--max-old-space-size=128', 'app.js', 'one', '--two'], { APP_EXIT: '3' });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.argv).toEqual(['one', '--two']);
    expect(out.execArgv).toEqual(['--max-old-space-size=128']);
    expect(out.env).toEqual([]);
  });

  it('sets NODE_APP_INSTANCE from NODEUNIT_INSTANCE', () => {
    expect(JSON.parse(run(['app.js'], { NODEUNIT_INSTANCE: '2' }).stdout).instance).toBe('1');
  });

  it('has an explicit run form and passes -e through', () => {
    expect(JSON.parse(run(['run', 'app.js', 'x']).stdout).argv).toEqual(['x']);
    expect(run(['-p', '6*7']).stdout).toBe('42\n');
  });

  it('prints its version and the node it would run', () => {
    const r = run(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^nodeunit \d+\.\d+\.\d+ \(built with node v\d+\.\d+\.\d+\)\nnode: \/\S+\/node v\d+\.\d+\.\d+\n$/);
  });

  it.each([
    [['missing.js'], {}, 1, /^nodeunit: cannot find script \/\S+\/missing\.js \('missing\.js' from \/\S+\): no such file\n$/],
    [['--node', '/no/such/node', 'app.js'], {}, 1, /^nodeunit: --node \/no\/such\/node: no such file\n$/],
    [['app.js'], { PATH: '/nonexistent' }, 1, /^nodeunit: cannot find node: .*PATH=\/nonexistent; install Node\.js or pass --node \/path\/to\/node\n$/],
    [['--ready=soon', 'app.js'], {}, 2, /^nodeunit: --ready must be listen, manual or start, not 'soon'\n$/],
    [['app.js'], { NODEUNIT_READY: 'later' }, 2, /^nodeunit: NODEUNIT_READY must be listen, manual or start, not 'later'\n$/],
    [['--drain-timeout', 'x', 'app.js'], {}, 2, /^nodeunit: --drain-timeout must be a number of seconds, like 10, not 'x'\n$/],
    [['--inspect-port'], {}, 2, /^nodeunit: --inspect-port needs a value\n$/],
    [['--no-such-node-flag', 'app.js'], {}, 9, /^\S*node: bad option: --no-such-node-flag\n$/],
    [[], {}, 2, /^Usage: nodeunit /],
  ])('%j %j: one clear line, exit %d', (args, extraEnv, code, message) => {
    const r = run(args, extraEnv);
    expect(r.code).toBe(code);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });

  it('refuses a node that is not executable', () => {
    const fake = join(dir, 'node');
    writeFileSync(fake, '');
    chmodSync(fake, 0o644);
    const r = run(['--node', fake, 'app.js']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`nodeunit: --node ${fake}: not an executable file\n`);
  });
});
