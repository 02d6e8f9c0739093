import yargs from 'yargs';
import { APP_COMMANDS } from './app-commands';
import { completionCommand, type CommandList } from './completion';
import { setupCommand } from './setup';
import { UserError } from './user-error';

export const COMMANDS: CommandList = [setupCommand, ...APP_COMMANDS, completionCommand(() => COMMANDS)];

/** Runs `nodeunit <command> …` through yargs. */
export async function runCommand(argv: string[]): Promise<void> {
  let cli = yargs(argv).scriptName('nodeunit').strict().help().version(false);
  for (const command of COMMANDS) cli = cli.command(command);
  await cli
    .fail((message, err) => {
      if (err) throw err;
      throw new UserError(`${message}; see 'nodeunit ${argv[0]} --help'`, 2);
    })
    .parseAsync();
}
