/**
 * Every option of pm2 7.0.3's schema (lib/API/schema.json, with the aliases
 * Config.js folds and the keys Common.verifyConfs handles in code), and what
 * `nodeunit import` does with it. Built from shared/reference/pm2-options.md
 * §4; docs/pm2-import.md is the same table in prose.
 *
 * - mapped: becomes a directive or an enable option with the same meaning;
 * - emulated: becomes the nearest systemd behaviour, which differs (the
 *   reason says how);
 * - ignored: has no effect under systemd, or is pm2-internal (the reason);
 * - refused: the app is not imported (the reason says what to do instead).
 * `convert.ts` decides mapped/emulated/refused per value; the kinds here are
 * the defaults it starts from. A key in no entry and not `env_*` is unknown.
 */
export type VerdictKind = 'mapped' | 'emulated' | 'ignored' | 'refused' | 'unknown';

export interface Pm2Option {
  key: string;
  aliases?: string[];
  kind: VerdictKind;
  /** For ignored (and default refused) options: why. */
  reason?: string;
}

const JOURNAL = 'stdout and stderr go to the journal, timestamped per line: nodeunit logs NAME';

export const PM2_OPTIONS: readonly Pm2Option[] = [
  { key: 'script', aliases: ['exec', 'cmd', 'command'], kind: 'mapped' },
  { key: 'name', kind: 'mapped' },
  { key: 'name_prefix', kind: 'mapped' },
  { key: 'filter_env', kind: 'mapped' },
  { key: 'namespace', kind: 'ignored', reason: 'pm2-internal grouping; each app is its own .target' },
  { key: 'install_url', kind: 'ignored', reason: 'pm2 module installation' },
  { key: 'cwd', kind: 'mapped' },
  { key: 'args', kind: 'mapped' },
  { key: 'exec_interpreter', aliases: ['interpreter'], kind: 'mapped' },
  { key: 'node_args', aliases: ['interpreter_args', 'interpreterArgs'], kind: 'mapped' },
  { key: 'out_file', aliases: ['out', 'output', 'out_log'], kind: 'ignored', reason: JOURNAL },
  { key: 'error_file', aliases: ['error', 'err', 'err_file', 'err_log'], kind: 'ignored', reason: JOURNAL },
  { key: 'log_file', aliases: ['log'], kind: 'ignored', reason: JOURNAL },
  { key: 'disable_logs', kind: 'ignored', reason: JOURNAL },
  { key: 'log_type', kind: 'ignored', reason: 'journald stores structured fields already: nodeunit logs NAME --json' },
  { key: 'log_date_format', kind: 'ignored', reason: 'the journal timestamps every line' },
  { key: 'time', kind: 'ignored', reason: 'the journal timestamps every line' },
  { key: 'env', kind: 'mapped' },
  { key: 'max_memory_restart', kind: 'emulated' },
  { key: 'pid_file', aliases: ['pid'], kind: 'ignored', reason: 'systemd tracks the main PID itself (systemctl show -p MainPID)' },
  { key: 'restart_delay', kind: 'mapped' },
  { key: 'exp_backoff_restart_delay', kind: 'emulated' },
  { key: 'source_map_support', kind: 'ignored', reason: "pm2's wrapper is gone; add --node-option=--enable-source-maps for source maps" },
  { key: 'disable_source_map_support', kind: 'ignored', reason: "pm2's wrapper is gone; node runs without source-map-support unless --enable-source-maps" },
  { key: 'wait_ready', kind: 'mapped' },
  { key: 'instances', kind: 'mapped' },
  { key: 'kill_timeout', kind: 'emulated' },
  { key: 'shutdown_with_message', kind: 'refused', reason: "pm2 sends an IPC 'shutdown' message instead of a signal; under systemd the app gets SIGTERM (handle it, or let nodeunit drain)" },
  { key: 'listen_timeout', kind: 'emulated' },
  { key: 'cron_restart', aliases: ['cron'], kind: 'mapped' },
  { key: 'merge_logs', aliases: ['combine_logs'], kind: 'ignored', reason: 'the journal merges all instances: nodeunit logs NAME' },
  { key: 'vizion', kind: 'ignored', reason: 'pm2 dashboard git metadata' },
  { key: 'autostart', kind: 'mapped' },
  { key: 'autorestart', kind: 'mapped' },
  { key: 'stop_exit_codes', kind: 'mapped' },
  { key: 'watch_delay', kind: 'ignored', reason: 'only with watch, which is refused' },
  { key: 'watch', kind: 'refused', reason: 'recursive file watching has no systemd equivalent (.path units watch single paths); use nodeunit reload from your deploy, or --allow-watch' },
  { key: 'ignore_watch', kind: 'ignored', reason: 'only with watch' },
  { key: 'watch_options', kind: 'ignored', reason: 'only with watch' },
  { key: 'min_uptime', kind: 'ignored', reason: "systemd's start limit (10 starts in 300 s, then it gives up) replaces pm2's unstable-restart count" },
  { key: 'max_restarts', kind: 'ignored', reason: "systemd's start limit (10 starts in 300 s, then it gives up) replaces pm2's unstable-restart count" },
  { key: 'execute_command', kind: 'ignored', reason: 'pm2-internal' },
  { key: 'exec_mode', kind: 'mapped' },
  { key: 'force', kind: 'ignored', reason: 'unit names are unique: one app per name' },
  { key: 'append_env_to_name', kind: 'mapped' },
  { key: 'post_update', kind: 'ignored', reason: 'PM2.io dashboard hook' },
  { key: 'trace', kind: 'ignored', reason: 'PM2.io tracing' },
  { key: 'disable_trace', kind: 'ignored', reason: 'PM2.io tracing' },
  { key: 'v8', kind: 'ignored', reason: 'PM2.io probe' },
  { key: 'event_loop_inspector', kind: 'ignored', reason: 'PM2.io probe; the status line shows the event-loop delay' },
  { key: 'deep_monitoring', kind: 'ignored', reason: 'PM2.io probe' },
  { key: 'increment_var', kind: 'refused', reason: 'unit files have no arithmetic: instances share one socket instead of one port each; drop increment_var and listen on PORT' },
  { key: 'instance_var', kind: 'mapped' },
  { key: 'pmx', kind: 'ignored', reason: 'PM2.io agent' },
  { key: 'automation', kind: 'ignored', reason: 'PM2.io agent' },
  { key: 'treekill', kind: 'ignored', reason: 'KillMode=mixed: SIGTERM to node, SIGKILL to every leftover process of the unit' },
  { key: 'port', kind: 'mapped' },
  { key: 'username', kind: 'ignored', reason: 'informational in pm2' },
  { key: 'uid', aliases: ['user'], kind: 'mapped' },
  { key: 'gid', kind: 'ignored', reason: "nodeunit runs the app with its user's primary group" },
  { key: 'windowsHide', kind: 'ignored', reason: 'Windows only' },
  { key: 'kill_retry_time', kind: 'ignored', reason: 'pm2-internal poll interval' },
  { key: 'write', kind: 'ignored', reason: 'pm2-internal' },
  { key: 'io', kind: 'ignored', reason: 'PM2.io configuration' },
];

const BY_NAME = new Map<string, Pm2Option>();
for (const o of PM2_OPTIONS) {
  BY_NAME.set(o.key, o);
  for (const a of o.aliases ?? []) BY_NAME.set(a, o);
}

/** The option a key (or alias) names; undefined for unknown keys. `env_*` overlays are handled apart. */
export function pm2Option(key: string): Pm2Option | undefined {
  return BY_NAME.get(key);
}
