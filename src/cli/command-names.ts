/**
 * The words that pick a command rather than a script. Kept apart from the
 * commands themselves so that the launch path (`nodeunit app.js`, every
 * service start) loads neither yargs nor any command: startup time is the
 * launcher's main cost (bench/sections/start.ts). test/unit/cli/command-names.test.ts
 * keeps this list equal to the registered commands.
 */
export const COMMAND_NAMES: readonly string[] = [
  'setup',
  'enable',
  'status',
  'ls',
  'logs',
  'reload',
  'restart',
  'start',
  'stop',
  'scale',
  'disable',
  'generate',
  'doctor',
  'secret',
  'completion',
  'import',
  'deploy',
  'rollback',
  'releases',
];
