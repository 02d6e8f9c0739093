import type { Argv } from 'yargs';
import type { AppOptions } from '../apps/spec';
import { secretOptions, type SecretArgv } from './secret-options';

// The parsing and checks live in apps/spec.ts (import and later commands build
// AppSpecs without yargs); re-exported for the CLI's imports.
export * from '../apps/spec';
export { hiddenBySandbox } from '../units/sandbox';
export { scriptFile } from '../system/script-file';

/** What yargs hands over for enable/generate (values unparsed: we validate them ourselves). */
export type AppArgv = AppOptions & SecretArgv;

/**
 * The options enable and generate share. No yargs arrays (they would swallow
 * the script after `--port 8080`): a repeated option arrives as an array anyway.
 */
export function appOptions<T>(y: Argv<T>): Argv<T> {
  return secretOptions(y)
    .positional('name', { type: 'string', describe: 'the app name: units <name>.target, <name>@N.service, <name>-<port>.socket' })
    .positional('script', { type: 'string', describe: "the app's entry script" })
    .option('instances', { alias: 'i', type: 'string', describe: 'number of instances, 1-256 (default 1)' })
    .option('port', { alias: 'p', type: 'string', describe: 'a port systemd listens on for the app: P, addr:P or [v6addr]:P (repeatable)' })
    .option('user', { type: 'string', describe: 'run as this user (default: a system user named after the app, created through /etc/sysusers.d)' })
    .option('dynamic-user', { type: 'boolean', describe: 'run as a throwaway user allocated at each start (DynamicUser=yes)' })
    .option('cwd', { type: 'string', describe: "working directory (default: the script's directory)" })
    .option('env', { alias: 'e', type: 'string', describe: 'an environment variable K=V (repeatable)' })
    .option('env-file', { type: 'string', describe: 'an environment file systemd reads at every start' })
    .option('node', { type: 'string', describe: 'the node binary (default: node on PATH), stored as an absolute path' })
    .option('node-option', { type: 'string', describe: 'an option for node, written --node-option=--max-old-space-size=512 (repeatable)' })
    .option('memory-max', { type: 'string', describe: 'memory limit per instance, e.g. 512M (MemoryMax=)' })
    .option('log-rate-limit', { type: 'string', describe: "journald's limit per instance, LINES/SECONDS, e.g. 50000/30 (LogRateLimitBurst=/LogRateLimitIntervalSec=); off = none" })
    .option('cpu-quota', { type: 'string', describe: 'CPU limit per instance in percent of one CPU, e.g. 150 (CPUQuota=)' })
    .option('watchdog', { type: 'string', describe: 'restart an instance whose event loop is blocked this many seconds (default 30; 0 = off)' })
    .option('ready', { type: 'string', describe: 'when an instance is ready: listen (default), manual (process.send("ready")), start' })
    .option('drain-timeout', { type: 'string', describe: 'on stop, wait at most this many seconds for requests in flight (default 10)' })
    .option('balance', { type: 'string', describe: 'shared (default): one socket for all instances; reuseport: one SO_REUSEPORT socket each' })
    .option('writable', { type: 'string', describe: 'a directory the app writes, absolute (ReadWritePaths=; also BindPaths= under /home); repeatable' })
    .option('harden', { type: 'boolean', default: true, describe: 'the sandbox (ProtectSystem=strict, ...); --no-harden turns it off' })
    .option('release-dir', { type: 'boolean', describe: "run from the release 'nodeunit deploy' makes current: the script is relative to /var/lib/nodeunit/<name>/current, the default cwd is that directory" });
}
