import { readdirSync, rmdirSync, existsSync, rmSync } from 'node:fs';
import { underAppLock } from './locked';
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { installedApp, socketUnitsOf } from '../system/app-state';
import { loadedInstances } from '../system/instances';
import { ownsSysusersFile, sysusersFile } from '../system/sysusers';
import { systemctl, systemctlOrFail } from '../system/systemctl';
import { dependencyRank, existingAppFiles, removeFileDurably, UNIT_DIR } from '../system/unit-files';
import { purgeSecrets } from '../system/credentials';
import { credentialsDir } from '../units/credentials';
import { defaultEnvFile } from '../units/index';
import { balanceDir, cacheDir } from '../units/render-service';
import { validateAppName } from './app-options';
import { instanceUnit, out, requireRoot } from './common';
import { UserError } from './user-error';

/**
 * Stops and disables the app, removes its generated unit files. --purge also
 * removes /etc/nodeunit/<name>.env, /var/cache/<name> and the sysusers.d entry. Never touches the
 * app's code or /var/lib/<name> (StateDirectory=).
 */
export async function disable(nameArg: string, purge: boolean): Promise<void> {
  requireRoot('disable');
  const name = validateAppName(nameArg);
  const app = installedApp(name);
  const files = existingAppFiles(name);
  const loaded = await loadedInstances(name);
  if (!app && files.length === 0 && loaded.length === 0 && !purge) throw new UserError(`no app '${name}': nothing to disable ('nodeunit ls' lists the apps)`);
  const instances = [...new Set([...(app?.instances ?? []), ...loaded])].sort((a, b) => a - b);
  const units = [
    `${name}.target`,
    ...instances.map((n) => instanceUnit(name, n)),
    ...(app ? (app.balance === 'shared' ? socketUnitsOf(app) : instances.flatMap((n) => socketUnitsOf(app, n))) : []),
    // import's cron_restart timer and watch path unit
    ...files.filter((f) => /\.(timer|path)$/.test(f.name)).map((f) => f.name),
  ];
  if (files.length) {
    await systemctlOrFail(['stop', ...units], 'systemctl stop');
    await systemctl(['disable', '--no-reload', ...units]);
    // The target first, sockets last: no file left names one already removed.
    for (const f of [...files].sort((x, y) => dependencyRank(y.name) - dependencyRank(x.name))) {
      removeFileDurably(join(UNIT_DIR, f.name));
      out(`removed ${join(UNIT_DIR, f.name)}\n`);
    }
    const wants = join(UNIT_DIR, `${name}.target.wants`);
    try {
      if (readdirSync(wants).length === 0) rmdirSync(wants);
    } catch {
      /* not there */
    }
    await systemctlOrFail(['daemon-reload'], 'systemctl daemon-reload');
    await systemctl(['reset-failed', ...units]);
  } else if (loaded.length) {
    // A disable killed after removing the files: systemd still has the units loaded; finish it.
    await systemctl(['stop', ...units]);
    await systemctlOrFail(['daemon-reload'], 'systemctl daemon-reload');
    await systemctl(['reset-failed', ...units]);
  }
  // The instances' connection counts (RuntimeDirectoryPreserve=yes keeps them
  // across an instance's stop); with every instance stopped they are stale.
  if (instances.length && existsSync(balanceDir(name))) {
    rmSync(balanceDir(name), { recursive: true, force: true });
    out(`removed ${balanceDir(name)}\n`);
  }
  if (purge) {
    for (const file of [defaultEnvFile(name), ...(ownsSysusersFile(name) ? [sysusersFile(name)] : [])]) {
      if (!existsSync(file)) continue;
      removeFileDurably(file);
      out(`removed ${file}\n`);
    }
    // CacheDirectory= (Node's compile cache); under DynamicUser= it lives in /var/cache/private.
    for (const dir of [cacheDir(name), `/var/cache/private/${name}`]) {
      if (!existsSync(dir)) continue;
      rmSync(dir, { recursive: true, force: true });
      out(`removed ${dir}\n`);
    }
    if (purgeSecrets(name)) out(`removed ${name}'s secrets (${credentialsDir(name)})\n`);
  }
  out(
    `${name}: disabled${files.length ? ', stopped and its units removed' : ''}.` +
      ` Kept: the app's code, /var/lib/${name}${purge ? ' and the system user (sysusers never deletes users)' : `, ${defaultEnvFile(name)} and the user (--purge removes the env file, /var/cache/${name} and the sysusers entry)`}\n`,
  );
}

export const disableCommand: CommandModule<object, { name: string; purge?: boolean }> = {
  command: 'disable <name>',
  describe: "stop the app, disable it and remove its generated units (never the app's code or state)",
  builder: (y) =>
    y
      .positional('name', { type: 'string', demandOption: true })
      .option('purge', { type: 'boolean', default: false, describe: `also remove /etc/nodeunit/<name>.env, /var/cache/<name> and the /etc/sysusers.d entry` }) as never,
  handler: underAppLock('disable', (a) => a.name, (argv) => disable(argv.name, argv.purge === true)),
};
