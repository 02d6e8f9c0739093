import type { CommandModule } from 'yargs';
import { resolveNode } from '../launcher/resolve-node';
import { installedApp, socketUnitsOf } from '../system/app-state';
import { checkFilesForService, portInUse } from '../system/preflight';
import { declareUser, ownsSysusersFile } from '../system/sysusers';
import { showUnits, systemctl, systemctlOrFail, systemdVersion } from '../system/systemctl';
import { lookupUser } from '../system/users';
import { applyPlan, describePlan, planChanged, planUnitFiles, type FilePlan } from '../system/unit-files';
import type { AppSpec } from '../units/app-spec';
import { renderApp, serviceTemplate, socketUnitForInstance, unitsToEnable } from '../units/index';
import { appOptions, buildAppSpec, type AppArgv } from './app-options';
import { allAppUnits, appStartUnits, instanceUnit, nodeunitPath, out, printNextSteps, printStatus, requireRoot, startAndWait } from './common';
import { applySecrets } from '../system/credentials';
import { parseSecretOptions, secretLookingEnvWarnings, secretStorage } from './secret-options';
import { UserError } from './user-error';

interface EnableArgv extends AppArgv {
  start?: boolean;
  force?: boolean;
}

/** The ports enable must find free: those not already served by this app's own active sockets. */
async function checkPorts(spec: AppSpec): Promise<void> {
  const ours = spec.ports.map((p) => socketUnitForInstance(spec.name, p.port, spec.balance, '1'));
  const active = await showUnits(ours, ['ActiveState']);
  for (const [i, listen] of spec.ports.entries()) {
    if (active.get(ours[i])?.ActiveState === 'active') continue;
    if (await portInUse(listen)) {
      throw new UserError(`port ${listen.host ? `${listen.host}:` : ''}${listen.port} is already in use by another program ('ss -ltnp' shows which)`);
    }
  }
}

export async function enable(argv: EnableArgv): Promise<void> {
  requireRoot('enable');
  const cwd = process.cwd();
  const spec = buildAppSpec(argv, {
    cwd,
    systemdVersion: await systemdVersion(),
    nodeunitPath: nodeunitPath(),
    resolveNode: (flag) => resolveNode({ flag, env: process.env.NODEUNIT_NODE, path: process.env.PATH, cwd }),
  });
  const secrets = parseSecretOptions(argv, cwd);
  for (const w of secretLookingEnvWarnings(spec.env, secrets.map(([k]) => k))) process.stderr.write(`${w}\n`);
  await checkFilesForService(spec);
  const rendered = renderApp(spec);
  const plan: FilePlan = planUnitFiles(spec.name, rendered, { force: argv.force });
  await checkPorts(spec);
  const before = installedApp(spec.name);
  const app = spec.name;

  // Everything is validated; from here on, a failure undoes what this run wrote.
  const undo: Array<() => void> = [];
  const rollback = async () => {
    for (const step of undo.reverse()) step();
    await systemctl(['daemon-reload']);
  };

  if (spec.user.kind === 'static' && (ownsSysusersFile(app) || (await lookupUser(spec.user.name)) === undefined)) {
    undo.push(await declareUser(app, spec.user.name));
  }

  let secretsChanged = false;
  const changed = planChanged(plan);
  if (before && changed) out(`${app}: changing\n${describePlan(plan).join('\n')}\n`);
  else if (!before) out(`${app}: installing\n${describePlan(plan).join('\n')}\n`);

  const socketsChanged = [...plan.writes.filter((w) => w.state !== 'unchanged'), ...plan.removals].some((f) => f.path.endsWith('.socket'));
  const serviceChanged = plan.writes.some((w) => w.path.endsWith(`/${serviceTemplate(app)}`) && w.state === 'changed');
  const dropped = before ? before.instances.filter((n) => n > spec.instances) : [];

  const added = before ? Array.from({ length: spec.instances }, (_, i) => i + 1).filter((n) => !before.instances.includes(n)) : [];
  try {
    if (before && socketsChanged) {
      // A listening socket cannot change under running instances: stop the app, swap the sockets, start again.
      out(`${app}: the sockets change, so every instance stops and starts again (connections are refused meanwhile)\n`);
      await systemctlOrFail(['stop', ...(await allAppUnits(before))], `systemctl stop ${app}`);
      const oldSockets = before.balance === 'shared' ? socketUnitsOf(before) : before.instances.flatMap((n) => socketUnitsOf(before, n));
      if (oldSockets.length) await systemctl(['disable', '--no-reload', ...oldSockets]);
    }
    if (dropped.length) {
      out(`${app}: removing instance${dropped.length > 1 ? 's' : ''} ${dropped.join(', ')}\n`);
      const units = [...dropped.map((n) => instanceUnit(app, n)), ...(before && before.balance === 'reuseport' ? dropped.flatMap((n) => socketUnitsOf(before, n)) : [])];
      await systemctlOrFail(['disable', '--now', ...units], 'systemctl disable --now');
    }
    if (added.length) out(`${app}: adding instance${added.length > 1 ? 's' : ''} ${added.join(', ')}\n`);
    undo.push(applyPlan(plan));
    // Secrets live in a drop-in and root-only files beside the units (system/credentials.ts).
    if (await applySecrets(app, secrets, spec.systemdVersion)) secretsChanged = true;
    if (secrets.length) out(`${app}: secret${secrets.length > 1 ? 's' : ''} ${secrets.map(([k]) => k).join(', ')} stored as systemd credentials (${secretStorage(spec.systemdVersion)})\n`);
    // The symlinks are made from the files on disk; then one daemon-reload loads files and links together.
    await systemctlOrFail(['enable', '--no-reload', ...unitsToEnable(spec)], 'systemctl enable');
    if (changed || secretsChanged || added.length > 0 || dropped.length > 0 || !before) await systemctlOrFail(['daemon-reload'], 'systemctl daemon-reload');
  } catch (err) {
    await rollback();
    throw err;
  }

  const now = installedApp(app)!;
  if (argv.start === false) {
    out(`${app}: installed and enabled at boot, not started (--no-start); start it with: nodeunit start ${app}\n`);
    return;
  }
  const instances = now.instances.map((n) => instanceUnit(app, n));
  const journalExtra = now.balance === 'shared' ? socketUnitsOf(now) : [];
  if (before && (serviceChanged || secretsChanged) && !socketsChanged) {
    const running = await showUnits(instances, ['ActiveState']);
    const toRestart = now.instances.filter((n) => running.get(instanceUnit(app, n))?.ActiveState === 'active');
    if (toRestart.length) {
      out(`${app}: the service changed; restarting instance${toRestart.length > 1 ? 's' : ''} ${toRestart.join(', ')} one at a time\n`);
      for (const n of toRestart) await startAndWait(app, 'restart', [instanceUnit(app, n)], [instanceUnit(app, n)], journalExtra);
    }
  }
  if (before && !changed && !secretsChanged && dropped.length === 0) {
    const states = await showUnits(instances, ['ActiveState']);
    if (instances.every((u) => states.get(u)?.ActiveState === 'active')) {
      out(`${app}: up to date, nothing changed and nothing restarted\n`);
      await printStatus(now);
      return;
    }
  }
  await startAndWait(app, 'start', appStartUnits(now), instances, journalExtra);
  out('\n');
  await printStatus(now);
  printNextSteps(app);
}

export const enableCommand: CommandModule<object, EnableArgv> = {
  command: 'enable <name> <script>',
  describe: 'install the app as systemd units, enable it at boot and start it',
  builder: (y) =>
    appOptions(y)
      .option('start', { type: 'boolean', default: true, describe: 'start it now (--no-start: only install and enable)' })
      .option('force', { type: 'boolean', default: false, describe: 'overwrite unit files that nodeunit did not write' })
      .example('$0 enable myapp /srv/myapp/index.js --instances 4 --port 8080', '') as never,
  handler: enable,
};
