import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { UserError } from '../errors';
import { run } from './run';

/**
 * The running pm2, driven through its own CLI (`pm2` on PATH, as the user
 * running nodeunit with its PM2_HOME, or as the user that runs pm2, see
 * Pm2Owner): the only way to see and stop what pm2 runs without its private RPC.
 */
export interface Pm2Process {
  name: string;
  pm_id: number;
  pid: number;
  pm2_env: Record<string, unknown>;
}

/**
 * Another user's pm2 (`import --pm2-user ubuntu`): pm2 keeps its daemon and
 * process list in that user's PM2_HOME (~/.pm2), and its CLI only talks to
 * the daemon of the PM2_HOME it is given, as the user who owns it.
 */
export interface Pm2Owner {
  user: string;
  home: string;
}

/**
 * The command line that runs `pm2 ARGS`: as this process (its own HOME and
 * PM2_HOME), or as the owner through runuser(1), with the owner's HOME and
 * PM2_HOME=~/.pm2 and this process's PATH. pm2 missing gives exit 127 either way.
 */
export function pm2Invocation(args: readonly string[], owner?: Pm2Owner, pm2 = 'pm2'): [string, string[]] {
  if (owner === undefined) return [pm2, [...args]];
  return ['runuser', ['-u', owner.user, '--', 'env', `HOME=${owner.home}`, `PM2_HOME=${owner.home}/.pm2`, pm2, ...args]];
}

/** `pm2 jlist` (the daemon may print a banner before the JSON). Undefined when pm2 is not installed. */
export async function pm2List(owner?: Pm2Owner, pm2 = 'pm2'): Promise<Pm2Process[] | undefined> {
  const r = await run(...pm2Invocation(['jlist'], owner, pm2), { timeoutMs: 60_000 });
  if (r.code === 127) return undefined;
  if (r.code !== 0) throw new UserError(`pm2 jlist${owner ? ` (as ${owner.user})` : ''} failed: ${(r.stderr.trim() || `exit ${r.code}`).split('\n')[0]}`);
  const line = r.stdout.split('\n').find((l) => l.startsWith('[')) ?? '[]';
  try {
    return JSON.parse(line) as Pm2Process[];
  } catch {
    throw new UserError('pm2 jlist printed no process list');
  }
}

export async function pm2OrFail(args: string[], owner?: Pm2Owner, pm2 = 'pm2'): Promise<void> {
  const r = await run(...pm2Invocation(args, owner, pm2), { timeoutMs: 120_000 });
  if (r.code !== 0) throw new UserError(`pm2 ${args.join(' ')}${owner ? ` (as ${owner.user})` : ''} failed: ${(r.stderr.trim() || r.stdout.trim() || `exit ${r.code}`).split('\n').slice(-1)[0]}`);
}

/** The pm2 app that listens on `port`, by its env PORT or its pid's listening sockets. */
export async function pm2HolderOf(port: number, list: Pm2Process[]): Promise<string | undefined> {
  const byEnv = list.filter((p) => String((p.pm2_env.env as Record<string, unknown> | undefined)?.PORT ?? p.pm2_env.PORT ?? '') === String(port));
  const names = [...new Set(byEnv.map((p) => p.name))];
  if (names.length) return names.map((n) => `pm2 app '${n}' (${byEnv.filter((p) => p.name === n).map((p) => `pm_id ${p.pm_id}, pid ${p.pid}`).join('; ')})`).join(', ');
  const ss = await run('ss', ['-Hltnp', `sport = :${port}`]);
  for (const m of ss.stdout.matchAll(/pid=(\d+)/g)) {
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${m[1]}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      /* gone */
    }
    if (/PM2|God Daemon/.test(cmdline)) return `the pm2 daemon (pid ${m[1]}, cluster mode)`;
    const p = list.find((x) => x.pid === Number(m[1]));
    if (p) return `pm2 app '${p.name}' (pm_id ${p.pm_id}, pid ${p.pid})`;
  }
  return undefined;
}

/**
 * Connects to host:port every `intervalMs` until stopped, counting refused
 * connections: the cut-over gap is the time from the first refusal to the
 * first accepted connection after it (0 when nothing was refused).
 */
export function probePort(port: number, host = '127.0.0.1', intervalMs = 5): { stop(): Promise<{ refused: number; gapMs: number }> } {
  let running = true;
  let refused = 0;
  let firstRefused: number | undefined;
  let gapEnd: number | undefined;
  const once = () =>
    new Promise<void>((resolve) => {
      const s = connect({ port, host });
      const t0 = Date.now();
      s.once('connect', () => {
        if (firstRefused !== undefined && gapEnd === undefined) gapEnd = t0;
        s.destroy();
        resolve();
      });
      s.once('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'ECONNREFUSED') {
          refused++;
          firstRefused ??= t0;
          gapEnd = undefined;
        }
        resolve();
      });
    });
  const loop = (async () => {
    while (running) {
      await once();
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      const gapMs = firstRefused === undefined ? 0 : (gapEnd ?? Date.now()) - firstRefused;
      return { refused, gapMs };
    },
  };
}
