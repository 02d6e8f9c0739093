import { UserError } from '../errors';
import { run, type RunResult } from './run';

export type Props = Record<string, string>;

/**
 * `systemctl show` output: `Key=value` lines, one block per unit separated
 * by an empty line, in the order the units were named.
 */
export function parseShow(stdout: string): Props[] {
  const blocks: Props[] = [];
  let current: Props | undefined;
  for (const line of stdout.split('\n')) {
    if (line === '') {
      current = undefined;
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    if (current === undefined) {
      current = {};
      blocks.push(current);
    }
    current[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return blocks;
}

/** A numeric property; undefined when systemd reports it as unset (`[not set]`, empty, or UINT64_MAX). */
export function numericProp(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  if (value === '18446744073709551615') return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function systemctl(args: readonly string[], timeoutMs?: number): Promise<RunResult> {
  return run('systemctl', args, { timeoutMs });
}

/** systemctl that must succeed; otherwise one line naming what failed and why. */
export async function systemctlOrFail(args: readonly string[], what: string): Promise<RunResult> {
  const r = await systemctl(args);
  if (r.code !== 0) {
    const why = (r.stderr.trim() || r.stdout.trim()).split('\n').join('; ') || `exit ${r.code}`;
    throw new UserError(`${what} failed: ${why}`);
  }
  return r;
}

/** Properties of several units at once, keyed by unit name (as given). */
export async function showUnits(units: readonly string[], props: readonly string[]): Promise<Map<string, Props>> {
  const out = new Map<string, Props>();
  if (units.length === 0) return out;
  const r = await systemctlOrFail(['show', `--property=${['Id', ...props].join(',')}`, '--', ...units], 'systemctl show');
  const blocks = parseShow(r.stdout);
  units.forEach((unit, i) => out.set(unit, blocks[i] ?? {}));
  return out;
}

/** The first line of `systemctl --version`: `systemd 252 (252.22-1~deb12u1)`. */
export function parseSystemdVersion(stdout: string): number | undefined {
  const m = /^systemd (\d+)/.exec(stdout.trim());
  return m ? Number(m[1]) : undefined;
}

/** This host's systemd version, or undefined when systemctl is missing or says nothing usable. */
export async function hostSystemdVersion(): Promise<{ version?: number; missing: boolean }> {
  const r = await run('systemctl', ['--version']);
  return { version: r.code === 0 ? parseSystemdVersion(r.stdout) : undefined, missing: r.code === 127 };
}

export async function systemdVersion(): Promise<number> {
  const { version, missing } = await hostSystemdVersion();
  if (version === undefined) throw new UserError(`cannot tell systemd's version: 'systemctl --version' ${missing ? 'is not installed' : 'failed'}`);
  return version;
}

/** Whether systemd runs this machine (sd_booted(3)). */
export async function systemdIsRunning(): Promise<boolean> {
  const { existsSync } = await import('node:fs');
  return existsSync('/run/systemd/system');
}

/** The last journal lines of some units, since a moment (unix seconds). */
export async function journalTail(units: readonly string[], lines: number, sinceSec?: number): Promise<string[]> {
  await run('journalctl', ['--sync']);
  const args = ['--no-pager', '-q', '-o', 'short', '-n', String(lines)];
  if (sinceSec !== undefined) args.push('--since', `@${Math.floor(sinceSec)}`);
  for (const u of units) args.push('-u', u);
  const r = await run('journalctl', args);
  return r.stdout.split('\n').filter((l) => l.trim() !== '');
}
