import { socketUnitsOf, type InstalledApp } from '../system/app-state';
import { loadedInstances } from '../system/instances';

/** `<app>@<n>.service`. */
export function instanceUnit(app: string, n: number): string {
  return `${app}@${n}.service`;
}

/** Every unit to start for the whole app: target, sockets, enabled instances. */
export function appStartUnits(app: InstalledApp): string[] {
  return [
    `${app.name}.target`,
    ...(app.balance === 'shared' ? socketUnitsOf(app) : app.instances.flatMap((n) => socketUnitsOf(app, n))),
    ...app.instances.map((n) => instanceUnit(app.name, n)),
  ];
}

/**
 * Every unit of the app that may be running: target, sockets, instances
 * enabled or merely loaded. `systemctl stop <name>.target` alone returns
 * before its PartOf= instances have drained (the target is not ordered
 * after them), so commands that must wait name them all.
 */
export async function allAppUnits(app: InstalledApp): Promise<string[]> {
  const numbers = [...new Set([...app.instances, ...(await loadedInstances(app.name))])].sort((a, b) => a - b);
  return [
    `${app.name}.target`,
    ...numbers.map((n) => instanceUnit(app.name, n)),
    ...(app.balance === 'shared' ? socketUnitsOf(app) : numbers.flatMap((n) => socketUnitsOf(app, n))),
  ];
}
