import yargs from 'yargs';
import { launch, LAUNCH_USAGE } from '../launcher/launch';
import { setupCommand } from './setup';
import { UserError } from './user-error';

// The first word picks a command; anything else is node's command line, so
// that `ExecStart=/usr/bin/nodeunit [node options] app.js` reads like node.
// A script named like a command runs as `nodeunit run setup` or `./setup`.
const COMMANDS = [setupCommand];
const COMMAND_NAMES = new Set(['setup']);

function fail(err: unknown): never {
  if (err instanceof UserError) {
    process.stderr.write(`nodeunit: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  throw err;
}

async function main(argv: string[]): Promise<void> {
  const [first, ...rest] = argv;
  if (first === 'run') {
    process.exitCode = launch(rest);
    return;
  }
  if (first === undefined || !COMMAND_NAMES.has(first)) {
    if (first === undefined) {
      process.stderr.write(LAUNCH_USAGE + '\n');
      process.exitCode = 2;
      return;
    }
    process.exitCode = launch(argv);
    return;
  }
  let cli = yargs(argv).scriptName('nodeunit').strict().help().version(false);
  for (const command of COMMANDS) cli = cli.command(command);
  await cli
    .fail((message, err) => {
      if (err) fail(err);
      throw new UserError(`${message}; see 'nodeunit ${first} --help'`, 2);
    })
    .parseAsync();
}

// In the single executable, argv[1] repeats the executable's path.
main(process.argv.slice(2)).catch(fail);
