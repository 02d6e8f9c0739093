import { launch, LAUNCH_USAGE } from '../launcher/launch';
import { COMMAND_NAMES } from './command-names';
import { UserError } from './user-error';

// The first word picks a command; anything else is node's command line, so
// that `ExecStart=/usr/bin/nodeunit [node options] app.js` reads like node.
// A script named like a command runs as `nodeunit run setup` or `./setup`.

function fail(err: unknown): never {
  if (err instanceof UserError) {
    process.stderr.write(`nodeunit: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  throw err;
}

async function main(argv: string[]): Promise<void> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    process.stderr.write(LAUNCH_USAGE + '\n');
    process.exitCode = 2;
    return;
  }
  if (first === 'run') {
    process.exitCode = launch(rest);
    return;
  }
  if (!COMMAND_NAMES.includes(first)) {
    process.exitCode = launch(argv);
    return;
  }
  // Loaded only here: esbuild keeps a dynamically imported module's code
  // uninitialised until this line runs.
  const { runCommand } = await import('./commands');
  await runCommand(argv);
}

// In the single executable, argv[1] repeats the executable's path.
main(process.argv.slice(2)).catch(fail);
