import type { CommandModule } from 'yargs';
import { underAppLock } from './locked';
import { applyApp, rolloutApp, type Reporter } from '../apps/apply';
import { planApp } from '../apps/plan';
import { resolveNode } from '../launcher/resolve-node';
import { ownerName } from '../system/owner';
import { systemdVersion } from '../system/systemctl';
import { appOptions, buildAppSpec, type AppArgv } from './app-options';
import { nodeunitPath, out, printNextSteps, printStartFailures, printStatus, requireRoot } from './common';
import { printEnablePlan } from './enable-plan';
import { progressReporter } from './progress';
import { parseSecretOptions, secretLookingEnvWarnings } from './secret-options';

interface EnableArgv extends AppArgv {
  start?: boolean;
  force?: boolean;
  '--'?: string[];
  check?: boolean;
  json?: boolean;
}

/** Prints what apps/ reports: notes as they come, live start-up progress. */
export const cliReporter: Reporter = { note: out, progress: (app) => progressReporter(app) };

export async function enable(argv: EnableArgv): Promise<void> {
  if (!argv.check) requireRoot('enable');
  const cwd = process.cwd();
  const spec = buildAppSpec({ ...argv, args: argv['--'] }, {
    cwd,
    systemdVersion: await systemdVersion(),
    nodeunitPath: nodeunitPath(),
    resolveNode: (flag) => resolveNode({ flag, env: process.env.NODEUNIT_NODE, path: process.env.PATH, cwd }),
    ownerOf: ownerName,
  });
  const secrets = parseSecretOptions(argv, cwd);
  for (const w of secretLookingEnvWarnings(spec.env, secrets.map(([k]) => k))) process.stderr.write(`${w}\n`);
  const plan = await planApp(spec, { force: argv.force, secrets });
  if (argv.check) return printEnablePlan(plan, argv.json === true);
  const app = spec.name;
  const { now, secretsChanged } = await applyApp(plan, cliReporter);
  if (argv.start === false) {
    out(`${app}: installed and enabled at boot, not started (--no-start); start it with: nodeunit start ${app}\n`);
    return;
  }
  let outcome;
  try {
    outcome = await rolloutApp(plan, now, cliReporter, secretsChanged);
  } catch (err) {
    printStartFailures(err);
    throw err;
  }
  if (outcome === 'up-to-date') {
    out(`${app}: up to date, nothing changed and nothing restarted\n`);
    await printStatus(now);
    return;
  }
  out('\n');
  await printStatus(now);
  printNextSteps(app);
}

const enableDescribe = 'install the app as systemd units, enable it at boot and start it';

export const enableCommand: CommandModule<object, EnableArgv> = {
  command: 'enable <name> <script>',
  // [-- ARG...]: the app's own arguments (see app-args.ts)
  describe: enableDescribe,
  builder: (y) =>
    appOptions(y)
      // The app's own arguments go after `--` (app-args.ts): shown in --help and so in the man page.
      .usage(`$0 enable <name> <script> [options] [-- ARG...]\n\n${enableDescribe}`)
      .option('start', { type: 'boolean', default: true, describe: 'start it now (--no-start: only install and enable)' })
      .option('force', { type: 'boolean', default: false, describe: 'overwrite unit files that nodeunit did not write' })
      .option('check', { type: 'boolean', default: false, describe: 'only show what enable would change and start; do nothing' })
      .option('json', { type: 'boolean', default: false, describe: 'with --check: the plan as JSON' })
      .example('$0 enable myapp /srv/myapp/index.js --instances 4 --port 8080', '')
      .example('$0 enable web /srv/web/server.js --port 3000 -- --trust-proxy', "everything after '--' goes to the app") as never,
  handler: (argv) => (argv.check ? enable(argv) : underAppLock('enable', (a: EnableArgv) => a.name, enable)(argv)),
};
