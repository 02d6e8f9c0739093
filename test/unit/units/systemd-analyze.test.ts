/**
 * Feeds the rendered units to the host's own systemd parser. Rendering is
 * pure; this test does the I/O: it writes each matrix case into a temp dir
 * and runs `systemd-analyze verify` (every warning about our files fails the
 * test) and `systemd-analyze security --offline=true` (hardened exposure must
 * stay <= 2.5). Works without systemd as PID 1; skipped without systemd-analyze.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderApp, type AppSpec } from '../../../src/units/index.js';
import { defaultSpec, MATRIX } from './fixtures.js';

const MAX_EXPOSURE = 2.5;

function analyze(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('systemd-analyze', args, {
    encoding: 'utf8',
    env: { ...process.env, SYSTEMD_LOG_COLOR: '0', SYSTEMD_COLORS: '0', SYSTEMD_PAGER: '', LC_ALL: 'C.UTF-8' },
  });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

/** The host's systemd version, or undefined when systemd-analyze is not installed. */
function hostSystemdVersion(): number | undefined {
  const probe = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
  const match = /^systemd (\d+)/.exec(probe.stdout ?? '');
  return match === null ? undefined : Number(match[1]);
}

const hostVersion = hostSystemdVersion();
const root = mkdtempSync(join(tmpdir(), 'nodeunit-units-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/**
 * Writes one case's units into its own directory with paths that exist here
 * (verify checks ExecStart='s binary: /bin/true stands in for nodeunit) and
 * returns the unit names to verify: templates are given as instance 1, which
 * systemd resolves to the template file next to it.
 */
function materialize(caseName: string, overrides: Partial<AppSpec>, version: number): { dir: string; units: string[] } {
  const dir = join(root, caseName);
  mkdirSync(dir, { recursive: true });
  const script = join(dir, 'index.js');
  writeFileSync(script, '');
  const spec = defaultSpec({
    ...overrides,
    script,
    cwd: dir,
    node: process.execPath,
    nodeunitPath: '/bin/true',
    // Newer-than-host cases (255) cannot verify on an older host: render them
    // for the host, which is exactly what `enable` would do there.
    systemdVersion: Math.min(overrides.systemdVersion ?? version, version),
  });
  const units: string[] = [];
  for (const file of renderApp(spec)) {
    writeFileSync(join(dir, file.path), file.content);
    units.push(join(dir, file.path.replace('@.', '@1.')));
  }
  return { dir, units };
}

/** stderr lines that concern our files (not unrelated host units). */
function ourProblems(stderr: string, dir: string): string[] {
  return stderr
    .split('\n')
    .filter((line) => line.trim() !== '')
    .filter((line) => line.includes(dir) || /\bmyapp[-@.]/.test(line));
}

describe.skipIf(hostVersion === undefined)(`systemd-analyze (host systemd ${hostVersion})`, () => {
  const version = hostVersion ?? 0;

  it('verify catches a broken unit (the check below is not vacuous)', () => {
    const { dir, units } = materialize('broken', {}, version);
    const service = join(dir, 'myapp@.service');
    writeFileSync(service, readFileSync(service, 'utf8').replace('[Service]\n', '[Service]\nBogusKey=1\n'));
    const result = analyze(['verify', '--man=no', '--recursive-errors=no', ...units]);
    expect(ourProblems(result.stderr, dir).join('\n')).toMatch(/BogusKey/);
  });

  for (const [caseName, overrides] of Object.entries(MATRIX)) {
    it(`verify: ${caseName}`, () => {
      const { dir, units } = materialize(caseName, overrides, version);
      const result = analyze(['verify', '--man=no', '--recursive-errors=no', ...units]);
      const unrelated = result.stderr.split('\n').filter((l) => l.trim() !== '' && !ourProblems(l, dir).length);
      if (unrelated.length > 0) console.warn(`systemd-analyze verify, unrelated to ${caseName}:\n${unrelated.join('\n')}`);
      expect(ourProblems(result.stderr, dir)).toEqual([]);
      expect(result.status).toBe(0);
    });
  }

  for (const [caseName, overrides] of Object.entries(MATRIX)) {
    if (overrides.harden === false) continue;
    it(`security: ${caseName} exposure <= ${MAX_EXPOSURE}`, () => {
      const { dir } = materialize(`security-${caseName}`, overrides, version);
      const instance = join(dir, 'myapp@1.service');
      const result = analyze(['security', '--offline=true', '--no-pager', instance]);
      const match = /Overall exposure level for myapp@1\.service: (\d+(?:\.\d+)?)/.exec(result.stdout);
      expect(match, `${result.stdout}\n${result.stderr}`).not.toBeNull();
      const exposure = Number(match![1]);
      console.log(`systemd-analyze security ${caseName}: exposure ${exposure}`);
      expect(exposure).toBeLessThanOrEqual(MAX_EXPOSURE);
    });
  }
});
