import type { Argv } from 'yargs';
import { parseServer, type BalancerSpec } from '../units/render-balancer';
import { renderHaproxy } from '../units/render-haproxy';
import { renderNginx } from '../units/render-nginx';
import { validateAppName } from './app-options';
import { UserError } from './user-error';

export interface BalancerArgv {
  name: string;
  haproxy?: string | string[];
  nginx?: string | string[];
  listen?: string;
  checkPath?: string;
  checkInterval?: string;
  slowstart?: string;
}

export function balancerOptions<T>(y: Argv<T>): Argv<T> {
  return y
    .option('haproxy', { type: 'string', array: true, describe: 'print an HAProxy frontend + backend over these hosts instead of units: HOST:PORT (repeatable)' })
    .option('nginx', { type: 'string', array: true, describe: 'print an nginx upstream + server over these hosts instead of units: HOST:PORT (repeatable)' })
    .option('listen', { type: 'string', describe: 'with --haproxy/--nginx: the port the balancer listens on (default 80)' })
    .option('check-path', { type: 'string', describe: 'with --haproxy/--nginx: the health path of the app (default /)' })
    .option('check-interval', { type: 'string', describe: 'with --haproxy: seconds between health checks (default 1)' })
    .option('slowstart', { type: 'string', describe: 'with --haproxy: seconds a returning host takes to get its full share (default 10)' });
}

function list(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : (Array.isArray(v) ? v : [v]).flatMap((x) => String(x).split(/[\s,]+/)).filter(Boolean);
}

function seconds(v: string | undefined, flag: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(String(v)) || Number(v) < 1 || Number(v) > 3600) throw new UserError(`--${flag} must be whole seconds 1-3600, not '${v}'`, 2);
  return Number(v);
}

/** `generate NAME --haproxy HOST:PORT...` / `--nginx HOST:PORT...`: the balancer config, or undefined when neither is asked for. */
export function generateBalancer(argv: BalancerArgv): string | undefined {
  const kind = argv.haproxy !== undefined ? 'haproxy' : argv.nginx !== undefined ? 'nginx' : undefined;
  if (kind === undefined) return undefined;
  if (argv.haproxy !== undefined && argv.nginx !== undefined) throw new UserError('give --haproxy or --nginx, not both', 2);
  const name = validateAppName(String(argv.name));
  const hosts = list(kind === 'haproxy' ? argv.haproxy : argv.nginx);
  if (hosts.length === 0) throw new UserError(`--${kind} needs the app's hosts: --${kind} HOST:PORT [--${kind} HOST:PORT ...]`, 2);
  const servers = hosts.map((h) => {
    try {
      return parseServer(h);
    } catch (e) {
      throw new UserError(`--${kind} ${(e as Error).message}`, 2);
    }
  });
  const listen = argv.listen === undefined ? 80 : Number(argv.listen);
  if (!/^\d+$/.test(String(argv.listen ?? 80)) || listen < 1 || listen > 65535) throw new UserError(`--listen must be a port 1-65535, not '${argv.listen}'`, 2);
  const checkPath = argv.checkPath ?? '/';
  if (!/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*$/.test(checkPath)) throw new UserError(`--check-path must be a URL path like /health, not '${checkPath}'`, 2);
  const spec: BalancerSpec = {
    name,
    servers,
    listen,
    checkPath,
    checkIntervalSec: seconds(argv.checkInterval, 'check-interval', 1),
    slowstartSec: seconds(argv.slowstart, 'slowstart', 10),
  };
  return kind === 'haproxy' ? renderHaproxy(spec) : renderNginx(spec);
}
