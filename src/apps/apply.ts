import { socketUnitsOf, installedApp, type InstalledApp } from '../system/app-state';
import { declareUser, ownsSysusersFile } from '../system/sysusers';
import { showUnits, systemctl, systemctlOrFail } from '../system/systemctl';
import { applySecrets } from '../system/credentials';
import { applyPlan } from '../system/unit-files';
import { secretStorage } from '../units/credentials';
import { lookupUser } from '../system/users';
import { unitsToEnable } from '../units/index';
import type { AppPlan } from './plan';
import { describeAppPlan } from './plan';
import { startAndWait, type Progress } from './start';
import { allAppUnits, appStartUnits, instanceUnit } from './units';

/** How apps/ tells its caller what it is doing; it never prints itself. */
export interface Reporter {
  /** A finished line (or lines) of text, ending in a newline. */
  note(text: string): void;
  /** Live progress while instances of `app` start. */
  progress?(app: string): Progress;
}

/**
 * Makes the system match a plan: declares the user, stops the app when its
 * sockets change, disables dropped instances, writes and removes unit files,
 * enables the units and reloads systemd. Starts nothing. On any failure the
 * files and the sysusers entry written by this run are restored (and systemd
 * reloaded) before the error is rethrown. Secrets are stored as systemd
 * credentials beside the units. Returns the app as now installed, and whether
 * a secret changed (rolloutApp then restarts the running instances).
 */
export async function applyApp(plan: AppPlan, reporter: Reporter): Promise<{ now: InstalledApp; secretsChanged: boolean }> {
  const { spec, before, files, changed, socketsChanged, added, dropped } = plan;
  const app = spec.name;
  const undo: Array<() => void> = [];
  const rollback = async () => {
    for (const step of undo.reverse()) step();
    await systemctl(['daemon-reload']);
  };

  if (spec.user.kind === 'static' && (ownsSysusersFile(app) || (await lookupUser(spec.user.name)) === undefined)) {
    undo.push(await declareUser(app, spec.user.name));
  }
  let secretsChanged = false;
  const described = describeAppPlan(plan);
  if (described) reporter.note(described);
  try {
    if (before && socketsChanged) {
      // A listening socket cannot change under running instances: stop the app, swap the sockets, start again.
      reporter.note(`${app}: the sockets change, so every instance stops and starts again (connections are refused meanwhile)\n`);
      await systemctlOrFail(['stop', ...(await allAppUnits(before))], `systemctl stop ${app}`);
      const oldSockets = before.balance === 'shared' ? socketUnitsOf(before) : before.instances.flatMap((n) => socketUnitsOf(before, n));
      if (oldSockets.length) await systemctl(['disable', '--no-reload', ...oldSockets]);
    }
    if (dropped.length) {
      reporter.note(`${app}: removing instance${dropped.length > 1 ? 's' : ''} ${dropped.join(', ')}\n`);
      const units = [...dropped.map((n) => instanceUnit(app, n)), ...(before && before.balance === 'reuseport' ? dropped.flatMap((n) => socketUnitsOf(before, n)) : [])];
      await systemctlOrFail(['disable', '--now', ...units], 'systemctl disable --now');
    }
    if (added.length) reporter.note(`${app}: adding instance${added.length > 1 ? 's' : ''} ${added.join(', ')}\n`);
    undo.push(applyPlan(files));
    // Secrets live in a drop-in and root-only files beside the units (system/credentials.ts).
    secretsChanged = await applySecrets(app, plan.secrets, spec.systemdVersion);
    if (plan.secrets.length) {
      const keys = plan.secrets.map(([k]) => k);
      reporter.note(`${app}: secret${keys.length > 1 ? 's' : ''} ${keys.join(', ')} stored as systemd credentials (${secretStorage(app, spec.systemdVersion)})\n`);
    }
    // The symlinks are made from the files on disk; then one daemon-reload loads files and links together.
    await systemctlOrFail(['enable', '--no-reload', ...unitsToEnable(spec)], 'systemctl enable');
    if (changed || secretsChanged || added.length > 0 || dropped.length > 0 || !before) await systemctlOrFail(['daemon-reload'], 'systemctl daemon-reload');
  } catch (err) {
    await rollback();
    throw err;
  }
  return { now: installedApp(app)!, secretsChanged };
}

/** What bringing the app up after applyApp did. */
export type RolloutOutcome = 'up-to-date' | 'started';

/**
 * After applyApp: restarts running instances one at a time when the service
 * changed (sockets unchanged), then starts every unit and waits until each
 * instance is ready. 'up-to-date' when nothing changed and all instances
 * already run (nothing restarted). Throws StartFailed when an instance does
 * not become ready.
 */
export async function rolloutApp(plan: AppPlan, now: InstalledApp, reporter: Reporter, secretsChanged = false): Promise<RolloutOutcome> {
  const { before, changed, socketsChanged, dropped } = plan;
  const serviceChanged = plan.serviceChanged || secretsChanged;
  const app = now.name;
  const instances = now.instances.map((n) => instanceUnit(app, n));
  const journalExtra = now.balance === 'shared' ? socketUnitsOf(now) : [];
  if (before && serviceChanged && !socketsChanged) {
    const running = await showUnits(instances, ['ActiveState']);
    const toRestart = now.instances.filter((n) => running.get(instanceUnit(app, n))?.ActiveState === 'active');
    if (toRestart.length) {
      reporter.note(`${app}: the service changed; restarting instance${toRestart.length > 1 ? 's' : ''} ${toRestart.join(', ')} one at a time\n`);
      for (const n of toRestart) await startAndWait(app, 'restart', [instanceUnit(app, n)], [instanceUnit(app, n)], journalExtra, reporter.progress?.(app));
    }
  }
  if (before && !changed && !secretsChanged && dropped.length === 0) {
    const states = await showUnits(instances, ['ActiveState']);
    if (instances.every((u) => states.get(u)?.ActiveState === 'active')) return 'up-to-date';
  }
  await startAndWait(app, 'start', appStartUnits(now), instances, journalExtra, reporter.progress?.(app));
  return 'started';
}
