import type { CommandModule } from 'yargs';
import { underAppLock } from './locked';
import { requireInstalledApp, socketUnitsOf } from '../system/app-state';
import { loadedInstances } from '../system/instances';
import { writeInstanceCount } from '../system/instance-count';
import { showUnits, systemctlOrFail } from '../system/systemctl';
import { parseInstances, validateAppName } from './app-options';
import { instanceUnit, out, printStatus, requireRoot, startAndWait } from './common';

/** The instance numbers to add and to remove to go from `current` to `target` instances (1..target). Pure. */
export function scalePlan(current: readonly number[], target: number): { add: number[]; remove: number[] } {
  const have = new Set(current);
  const add: number[] = [];
  for (let n = 1; n <= target; n++) if (!have.has(n)) add.push(n);
  const remove = current.filter((n) => n > target).sort((a, b) => b - a);
  return { add, remove };
}

export async function scale(name: string, count: string): Promise<void> {
  requireRoot('scale');
  const app = requireInstalledApp(validateAppName(name));
  const target = parseInstances(String(count));
  const { add, remove } = scalePlan(app.instances, target);
  if (add.length === 0 && remove.length === 0) {
    // A scale killed after enabling the new instances left them enabled but not started: start them now.
    const units = app.instances.map((n) => instanceUnit(app.name, n));
    const states = await showUnits(units, ['ActiveState']);
    const down = units.filter((u) => states.get(u)?.ActiveState !== 'active');
    // ...or, killed scaling down, disabled instances that still run: stop them.
    const loaded = (await loadedInstances(app.name)).filter((n) => n > target).map((n) => instanceUnit(app.name, n));
    const loadedStates = await showUnits(loaded, ['ActiveState']);
    const extra = loaded.filter((u) => loadedStates.get(u)?.ActiveState !== 'inactive' && loadedStates.get(u)?.ActiveState !== 'failed');
    if (extra.length) {
      out(`${app.name}: stopping ${extra.join(', ')}\n`);
      await systemctlOrFail(['stop', ...extra], 'systemctl stop');
    }
    if (down.length) {
      out(`${app.name}: already ${target} instance${target > 1 ? 's' : ''}; starting ${down.join(', ')}\n`);
      await startAndWait(app.name, 'start', [...socketUnitsOf(app), ...down], down, socketUnitsOf(app));
    } else out(`${app.name}: already ${target} instance${target > 1 ? 's' : ''}\n`);
    await printStatus(app);
    return;
  }
  const reuse = app.balance === 'reuseport';
  // The count tells instances on a shared socket to pace their accepts
  // (running ones count their siblings themselves); new ones start with it.
  const shared = !reuse && app.ports.length > 0;
  if (shared && writeInstanceCount(app.name, target)) await systemctlOrFail(['daemon-reload'], 'systemctl daemon-reload');
  if (remove.length) {
    out(`${app.name}: stopping and disabling instance${remove.length > 1 ? 's' : ''} ${remove.join(', ')}\n`);
    const units = [...remove.map((n) => instanceUnit(app.name, n)), ...(reuse ? remove.flatMap((n) => socketUnitsOf(app, n)) : [])];
    await systemctlOrFail(['disable', '--now', ...units], 'systemctl disable --now');
  }
  if (add.length) {
    out(`${app.name}: adding instance${add.length > 1 ? 's' : ''} ${add.join(', ')}\n`);
    const sockets = reuse ? add.flatMap((n) => socketUnitsOf(app, n)) : [];
    const units = add.map((n) => instanceUnit(app.name, n));
    await systemctlOrFail(['enable', ...units, ...sockets], 'systemctl enable');
    await startAndWait(app.name, 'start', [...(reuse ? sockets : socketUnitsOf(app)), ...units], units, socketUnitsOf(app));
    // An instance that ran alone was started without the count, so it does
    // not pace: restart it now that the others serve.
    const alone = shared && app.instances.length === 1 ? instanceUnit(app.name, app.instances[0]) : undefined;
    if (alone) {
      out(`${app.name}: restarting ${alone} so that it shares the socket evenly\n`);
      await startAndWait(app.name, 'restart', [alone], [alone], socketUnitsOf(app));
    }
  }
  await printStatus(requireInstalledApp(app.name));
}

export const scaleCommand: CommandModule<object, { name: string; count: string }> = {
  command: 'scale <name> <count>',
  describe: 'add instances (enable + start) or remove the highest-numbered ones (stop + disable)',
  builder: (y) =>
    y.positional('name', { type: 'string', demandOption: true }).positional('count', { type: 'string', demandOption: true, describe: '1-256' }) as never,
  handler: underAppLock('scale', (a) => a.name, (argv) => scale(argv.name, argv.count)),
};
