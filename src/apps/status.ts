import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { installedApp, requireInstalledApp } from '../system/app-state';
import { appStatus, type AppStatus } from '../system/instances';
import { listApps, UNIT_DIR } from '../system/unit-files';
import { serviceTemplate } from '../units/index';
import { splitCommandLine } from '../units/unquote';

export type { AppStatus, InstanceStatus } from '../system/instances';

/**
 * The command line an app's instances run, from its generated template's
 * ExecStart=: `nodeunit --node NODE …` shown as `NODE …` (node is what runs,
 * nodeunit execs into it). Undefined when the file or line is missing.
 */
export function appCommand(name: string, dir = UNIT_DIR): string[] | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, serviceTemplate(name)), 'utf8');
  } catch {
    return undefined;
  }
  const line = /^ExecStart=(.*)$/m.exec(text)?.[1];
  if (line === undefined) return undefined;
  const words = splitCommandLine(line);
  const node = words.indexOf('--node');
  if (node === 1 && words.length > 2) return [words[2], ...words.slice(3)];
  return words;
}

/** The status of one installed app (UserError when it is not installed), or of every app when no name is given. */
export async function appStatuses(name?: string): Promise<AppStatus[]> {
  const apps = name === undefined ? listApps().map((n) => installedApp(n)!).filter(Boolean) : [requireInstalledApp(name)];
  return Promise.all(
    apps.map(async (app) => {
      const status = await appStatus(app);
      const command = appCommand(app.name);
      return command === undefined ? status : { ...status, command };
    }),
  );
}
