import { readFileSync } from 'node:fs';
import { UserError } from '../errors';
import { evaluateJsonLike } from './load';

/**
 * pm2's process records (`pm2 save` -> ~/.pm2/dump.pm2, or `pm2 jlist`'s
 * pm2_env) back into ecosystem app objects (shared/reference/pm2-options.md §6):
 *
 * - one record per process: records of one name are one app, their number
 *   its instance count (`instances` was deleted by pm2 save);
 * - the launch fields become script/cwd/args/interpreter/node_args
 *   (pm_exec_path, pm_cwd, exec_interpreter: "node" means node on PATH);
 * - `env` holds the whole shell environment of `pm2 start`: shell and pm2
 *   variables are dropped (the list below), non-primitive values too; what is
 *   kept is returned for the plan to show;
 * - runtime state (status, pm_uptime, restart_time, axm_*...) is not
 *   configuration and is left out; a `stopped` app is installed, not started.
 */
export interface DumpApp {
  app: Record<string, unknown>;
  /** env keys kept and dropped (shell or pm2 variables). */
  keptEnv: string[];
  droppedEnv: string[];
  processes: number;
}

const DROPPED_ENV = [/^SSH_/, /^XDG_/, /^TERM$/, /^TERM_/, /^COLORTERM$/, /^SHLVL$/, /^PWD$/, /^OLDPWD$/, /^_$/, /^LS_COLORS$/, /^LESS/, /^PM2_/, /^npm_/i, /^unique_id$/, /^HOME$/, /^USER$/, /^LOGNAME$/, /^SHELL$/, /^MAIL$/, /^SUDO_/, /^DISPLAY$/, /^DBUS_SESSION_BUS_ADDRESS$/, /^MOTD_SHOWN$/, /^HIST/, /^NODE_APP_INSTANCE$/, /^pm_id$/, /^NVM_/, /^LC_/, /^LANGUAGE$/, /^EDITOR$/, /^VISUAL$/, /^PAGER$/, /^MANPATH$/, /^INFOPATH$/, /^SSL_/, /^TMUX/, /^STY$/, /^WINDOW$/, /^PS[1-4]$/, /^PROMPT_COMMAND$/, /^INVOCATION_ID$/, /^JOURNAL_STREAM$/, /^SYSTEMD_EXEC_PID$/];

/** The configuration keys a record carries (§6 "policy" and "launch"); the rest is runtime state or env copies. */
const CONFIG_KEYS = [
  'autorestart', 'autostart', 'watch', 'ignore_watch', 'watch_options', 'max_memory_restart', 'min_uptime', 'max_restarts', 'restart_delay',
  'exp_backoff_restart_delay', 'kill_timeout', 'listen_timeout', 'wait_ready', 'cron_restart', 'stop_exit_codes', 'treekill', 'filter_env',
  'uid', 'gid', 'instance_var', 'increment_var', 'namespace', 'merge_logs', 'log_date_format', 'time', 'source_map_support', 'shutdown_with_message',
];

export function appsFromRecords(records: ReadonlyArray<Record<string, unknown>>, appName = (r: Record<string, unknown>) => r): DumpApp[] {
  const byName = new Map<string, Array<Record<string, unknown>>>();
  for (const raw of records) {
    const r = appName(raw);
    if (r.pmx_module) continue;
    const name = String(r.name ?? '');
    byName.set(name, [...(byName.get(name) ?? []), r]);
  }
  const out: DumpApp[] = [];
  for (const [name, group] of byName) {
    const r = group[0];
    const app: Record<string, unknown> = { name, script: r.pm_exec_path };
    if (r.pm_cwd !== undefined) app.cwd = r.pm_cwd;
    if (Array.isArray(r.args) && r.args.length) app.args = r.args;
    if (Array.isArray(r.node_args) && r.node_args.length) app.node_args = r.node_args;
    if (typeof r.exec_interpreter === 'string' && r.exec_interpreter !== 'node') app.interpreter = r.exec_interpreter;
    const cluster = r.exec_mode === 'cluster_mode';
    if (group.length > 1 || cluster) {
      app.instances = group.length;
      app.exec_mode = cluster ? 'cluster' : 'fork';
    }
    for (const k of CONFIG_KEYS) if (r[k] !== undefined && r[k] !== null) app[k] = r[k];
    if (group.every((g) => g.status === 'stopped')) app.autostart = false;
    const env: Record<string, string> = {};
    const keptEnv: string[] = [];
    const droppedEnv: string[] = [];
    for (const [k, v] of Object.entries((r.env as Record<string, unknown>) ?? {})) {
      if (v === null || typeof v === 'object' || typeof v === 'function' || k === name || DROPPED_ENV.some((re) => re.test(k))) {
        droppedEnv.push(k);
        continue;
      }
      env[k] = String(v);
      keptEnv.push(k);
    }
    app.env = env;
    out.push({ app, keptEnv, droppedEnv, processes: group.length });
  }
  return out;
}

export function readDump(file: string): Array<Record<string, unknown>> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let list: unknown;
  try {
    list = evaluateJsonLike(text, file);
  } catch (err) {
    throw new UserError(`cannot load ${file}: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!Array.isArray(list)) throw new UserError(`${file}: expected a list of pm2 process records (pm2 save writes one)`);
  return list as Array<Record<string, unknown>>;
}
