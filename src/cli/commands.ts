import yargs from 'yargs';
import { strayArgsProblem } from './app-args';
import { APP_COMMANDS } from './app-commands';
import { completionCommand, type CommandList } from './completion';
import { setupCommand } from './setup';
import { UserError } from './user-error';

export const COMMANDS: CommandList = [setupCommand, ...APP_COMMANDS, completionCommand(() => COMMANDS)];

/** Runs `nodeunit <command> …` through yargs. */
export async function runCommand(argv: string[]): Promise<void> {
  const stray = strayArgsProblem(argv, COMMANDS);
  if (stray !== undefined) throw new UserError(stray, 2);
  // Words after `--` are the app's (enable, generate): argv['--'].
  let cli = yargs(argv).scriptName('nodeunit').strict().help().version(false).parserConfiguration({ 'populate--': true });
  for (const command of COMMANDS) cli = cli.command(command);
  await cli
    .fail((message, err) => {
      if (err) throw err;
      throw new UserError(`${message}; see 'nodeunit ${argv[0]} --help'`, 2);
    })
    .parseAsync();
}
