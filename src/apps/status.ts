import { installedApp, requireInstalledApp } from '../system/app-state';
import { appStatus, type AppStatus } from '../system/instances';
import { listApps } from '../system/unit-files';

export type { AppStatus, InstanceStatus } from '../system/instances';

/** The status of one installed app (UserError when it is not installed), or of every app when no name is given. */
export async function appStatuses(name?: string): Promise<AppStatus[]> {
  const apps = name === undefined ? listApps().map((n) => installedApp(n)!).filter(Boolean) : [requireInstalledApp(name)];
  return Promise.all(apps.map(appStatus));
}
