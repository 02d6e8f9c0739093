import type { Argv, CommandModule } from 'yargs';
import { underAppLock } from './locked';
import { requireInstalledApp } from '../system/app-state';
import { systemctlOrFail } from '../system/systemctl';
import { validateAppName } from './app-options';
import { allAppUnits, appStartUnits, instanceUnit, out, printStatus, requireRoot, startAndWait } from './common';
import { socketUnitsOf } from '../system/app-state';
import { UserError } from './user-error';

function appOf(name: string) {
  return requireInstalledApp(validateAppName(name));
}

export async function start(name: string): Promise<void> {
  requireRoot('start');
  const app = appOf(name);
  if (app.instances.length === 0) throw new UserError(`${name} has no enabled instances ('nodeunit scale ${name} N')`);
  await startAndWait(app.name, 'start', appStartUnits(app), app.instances.map((n) => instanceUnit(app.name, n)), socketUnitsOf(app));
  await printStatus(app);
}

/** All instances at once (a short gap; `reload` is the rolling one). Sockets stay open: connections queue. */
export async function restart(name: string): Promise<void> {
  requireRoot('restart');
  const app = appOf(name);
  if (app.instances.length === 0) throw new UserError(`${name} has no enabled instances ('nodeunit scale ${name} N')`);
  const units = app.instances.map((n) => instanceUnit(app.name, n));
  await startAndWait(app.name, 'restart', units, units, socketUnitsOf(app));
  await printStatus(app);
}

/** Stops every instance (each drains first), the sockets and the target; returns when all are down. */
export async function stop(name: string): Promise<void> {
  requireRoot('stop');
  const app = appOf(name);
  await systemctlOrFail(['stop', ...(await allAppUnits(app))], `systemctl stop ${app.name}`);
  out(`${app.name}: stopped (still enabled at boot; 'nodeunit start ${app.name}' starts it again)\n`);
}

const nameOnly = (y: Argv<object>) => y.positional('name', { type: 'string', demandOption: true }) as unknown as Argv<{ name: string }>;

export const startCommand: CommandModule<object, { name: string }> = {
  command: 'start <name>',
  describe: "start every instance and socket of the app, waiting until they're ready",
  builder: nameOnly,
  handler: underAppLock('start', (a) => a.name, (argv) => start(argv.name)),
};
export const restartCommand: CommandModule<object, { name: string }> = {
  command: 'restart <name>',
  describe: "restart every instance at once (use 'reload' for a rolling restart)",
  builder: nameOnly,
  handler: underAppLock('restart', (a) => a.name, (argv) => restart(argv.name)),
};
export const stopCommand: CommandModule<object, { name: string }> = {
  command: 'stop <name>',
  describe: 'stop every instance and close the ports (stays enabled at boot)',
  builder: nameOnly,
  handler: underAppLock('stop', (a) => a.name, (argv) => stop(argv.name)),
};
