import type { CommandModule } from 'yargs';
import { underAppLock } from './locked';
import { requireInstalledApp, socketUnitsOf } from '../system/app-state';
import { journalTail, showUnits, systemctl } from '../system/systemctl';
import { validateAppName } from './app-options';
import { instanceUnit, out, printStatus, requireRoot } from './common';
import { UserError } from './user-error';

/**
 * Rolling restart: one instance at a time, each back to READY=1 before the
 * next goes down. A Type=notify start job completes only at READY=1, so a
 * blocking `systemctl restart` is exactly "stopped, drained, started, ready".
 * With the shared socket the other instances keep accepting meanwhile.
 */
export async function reload(name: string): Promise<void> {
  requireRoot('reload');
  const app = requireInstalledApp(validateAppName(name));
  if (app.instances.length === 0) throw new UserError(`${name} has no enabled instances ('nodeunit scale ${name} N')`);
  const total = app.instances.length;
  for (const [k, n] of app.instances.entries()) {
    const unit = instanceUnit(app.name, n);
    const before = (await showUnits([unit], ['MainPID'])).get(unit)?.MainPID ?? '0';
    const since = Date.now() / 1000 - 1;
    const t0 = Date.now();
    out(`${app.name}@${n}: restarting (${k + 1}/${total}) ... `);
    const r = await systemctl(['restart', unit]);
    const p = (await showUnits([unit], ['ActiveState', 'SubState', 'Result', 'MainPID'])).get(unit) ?? {};
    if (r.code !== 0 || p.ActiveState !== 'active') {
      out('FAILED\n');
      process.stderr.write(`${unit}: ${p.ActiveState}/${p.SubState}, result ${p.Result}; its last journal lines:\n`);
      const extra = app.balance === 'shared' ? socketUnitsOf(app) : socketUnitsOf(app, n);
      const lines = await journalTail([unit, ...extra], 15, since);
      process.stderr.write((lines.length ? lines : ['(nothing in the journal)']).map((l) => `  ${l}\n`).join(''));
      const rest = app.instances.slice(k + 1);
      throw new UserError(
        `reload stopped: ${app.name}@${n} did not come back${rest.length ? `; instance${rest.length > 1 ? 's' : ''} ${rest.join(', ')} were not restarted and still run the old code` : ''}`,
      );
    }
    out(`ready, pid ${before} -> ${p.MainPID} (${((Date.now() - t0) / 1000).toFixed(1)}s)\n`);
  }
  out(`${app.name}: all ${total} instance${total > 1 ? 's' : ''} restarted\n\n`);
  await printStatus(app);
}

export const reloadCommand: CommandModule<object, { name: string }> = {
  command: 'reload <name>',
  describe: 'rolling restart: one instance at a time, each ready before the next (no request lost with the shared socket)',
  builder: (y) => y.positional('name', { type: 'string', demandOption: true }) as never,
  handler: underAppLock('reload', (a) => a.name, (argv) => reload(argv.name)),
};
