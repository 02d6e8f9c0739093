import type { CommandModule } from 'yargs';
import { installedApp, socketUnitsOf } from '../system/app-state';
import { runInherited } from '../system/run';
import { validateAppName, parseInstances } from './app-options';
import { UserError } from './user-error';

interface LogsArgv {
  name: string;
  follow?: boolean;
  lines?: string;
  instance?: string;
  since?: string;
  json?: boolean;
}

/** journalctl's arguments for `nodeunit logs`. Pure. */
export function journalctlArgs(argv: LogsArgv, sockets: string[] = []): string[] {
  const name = validateAppName(argv.name);
  const args = ['--no-pager'];
  if (argv.instance !== undefined) args.push('-u', `${name}@${parseInstances(String(argv.instance))}.service`);
  else args.push('-u', `${name}@*.service`, '-u', `${name}.target`, ...sockets.flatMap((s) => ['-u', s]));
  if (argv.lines !== undefined) {
    if (!/^\d+$/.test(String(argv.lines))) throw new UserError(`-n must be a number of lines, not '${argv.lines}'`, 2);
    args.push('-n', String(argv.lines));
  } else if (argv.since === undefined) args.push('-n', '100');
  if (argv.since !== undefined) args.push('--since', argv.since);
  if (argv.follow) args.push('-f');
  if (argv.json) args.push('-o', 'json');
  return args;
}

export const logsCommand: CommandModule<object, LogsArgv> = {
  command: 'logs <name>',
  describe: "the journal of all the app's instances, merged (journalctl underneath)",
  builder: (y) =>
    y
      .positional('name', { type: 'string', demandOption: true })
      .option('follow', { alias: 'f', type: 'boolean', describe: 'keep printing new lines' })
      .option('lines', { alias: 'n', type: 'string', describe: 'the last N lines (default 100)' })
      .option('instance', { type: 'string', describe: 'only this instance number' })
      .option('since', { type: 'string', describe: "from this time on, e.g. '10 min ago', 'today', '2025-01-31 12:00'" })
      .option('json', { type: 'boolean', describe: 'one JSON object per line (journalctl -o json)' }) as never,
  handler: async (argv) => {
    const app = installedApp(validateAppName(argv.name));
    const sockets = app ? (app.balance === 'shared' ? socketUnitsOf(app) : app.instances.flatMap((n) => socketUnitsOf(app, n))) : [];
    process.exitCode = await runInherited('journalctl', journalctlArgs(argv, sockets));
  },
};
