import type { CommandModule } from 'yargs';
import { installedApp } from '../system/app-state';
import { appStatus } from '../system/instances';
import { appReleaseRoot, listReleases, previousRelease } from '../system/releases';
import { validateAppName } from './app-options';
import { out } from './common';
import { table } from './format';
import { UserError } from './user-error';

export const releasesCommand: CommandModule<object, { name: string; json: boolean }> = {
  command: 'releases <name>',
  describe: "the app's releases on disk: which is current, when each was deployed, which instances run it",
  builder: (y) =>
    y
      .positional('name', { type: 'string', demandOption: true })
      .option('json', { type: 'boolean', default: false, describe: 'machine-readable output' }) as never,
  handler: async (argv) => {
    const name = validateAppName(argv.name);
    const releases = listReleases(name);
    const app = installedApp(name);
    const running = new Map<string, number[]>();
    if (app) {
      for (const i of (await appStatus(app)).instances) {
        if (i.release && i.activeState === 'active') running.set(i.release, [...(running.get(i.release) ?? []), i.instance]);
      }
    }
    const previous = previousRelease(name);
    if (argv.json) {
      out(
        JSON.stringify(
          {
            app: name,
            releases: releases.map((r) => ({
              id: r.id,
              hash: r.hash,
              path: r.dir,
              current: r.current,
              previous: r.id === previous,
              created: r.created.toISOString(),
              deployed: r.deployed?.toISOString() ?? null,
              instances: running.get(r.id) ?? [],
            })),
          },
          null,
          2,
        ) + '\n',
      );
      return;
    }
    if (releases.length === 0) throw new UserError(`${name} has no releases in ${appReleaseRoot(name)}/releases ('nodeunit deploy ${name} DIR' makes one)`);
    const rows = [['', 'RELEASE', 'DEPLOYED', 'INSTANCES']];
    for (const r of releases) {
      rows.push([r.current ? '*' : r.id === previous ? '-' : '', r.id, r.deployed?.toISOString().replace(/\.\d+Z$/, 'Z') ?? 'never', (running.get(r.id) ?? []).map((n) => `@${n}`).join(' ') || '-']);
    }
    out(table(rows).join('\n') + '\n  * current   - previous (rollback target)\n');
  },
};
