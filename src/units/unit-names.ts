import type { AppSpec } from './app-spec.js';

/**
 * Names of the units one app is made of. `nodeunit enable`/`disable` need
 * these too (to enable `<name>@1..N` and the target), so they live here
 * rather than being re-derived from the rendered file list.
 */

/** Everything the app consists of: `systemctl start/stop <name>.target`. */
export function targetUnit(name: string): string {
  return `${name}.target`;
}

/** The service template; instances are `<name>@1.service` .. `<name>@N.service`. */
export function serviceTemplate(name: string): string {
  return `${name}@.service`;
}

export function serviceInstance(name: string, instance: number | string): string {
  return `${name}@${instance}.service`;
}

/**
 * Distinct ports in first-seen order. systemd.socket(5) FileDescriptorName=
 * names every fd of a socket unit alike, and the preload matches an fd to
 * `listen(port)` by that name, so each port gets its own socket unit.
 */
export function distinctPorts(spec: Pick<AppSpec, 'ports'>): number[] {
  return [...new Set(spec.ports.map((p) => p.port))];
}

/**
 * The socket unit file name for one port: `<name>-<port>.socket` (shared: one
 * listening socket for all instances) or the template `<name>-<port>@.socket`
 * (reuseport: one SO_REUSEPORT socket per instance).
 */
export function socketUnitFile(name: string, port: number, balance: AppSpec['balance']): string {
  return balance === 'shared' ? `${name}-${port}.socket` : `${name}-${port}@.socket`;
}

/** The socket unit one service instance takes its fd for `port` from; `%i` inside the template. */
export function socketUnitForInstance(name: string, port: number, balance: AppSpec['balance'], instance = '%i'): string {
  return balance === 'shared' ? `${name}-${port}.socket` : `${name}-${port}@${instance}.socket`;
}

/**
 * The units `systemctl enable` must be given for this spec, in order: the
 * target (wanted by multi-user.target), then every instance and its sockets
 * (wanted by the target). Instances Require= their sockets anyway; enabling
 * the sockets too means the ports are open as soon as the target starts.
 */
export function unitsToEnable(spec: Pick<AppSpec, 'name' | 'instances' | 'ports' | 'balance' | 'cronRestart' | 'watchPaths'>): string[] {
  const numbers = Array.from({ length: spec.instances }, (_, i) => i + 1);
  const ports = distinctPorts(spec);
  const sockets =
    spec.balance === 'shared'
      ? ports.map((port) => socketUnitForInstance(spec.name, port, 'shared'))
      : numbers.flatMap((n) => ports.map((port) => socketUnitForInstance(spec.name, port, 'reuseport', String(n))));
  const timer = [...(spec.cronRestart === undefined ? [] : [`${spec.name}-restart.timer`]), ...(spec.watchPaths?.length ? [`${spec.name}-watch.path`] : [])];
  return [targetUnit(spec.name), ...numbers.map((n) => serviceInstance(spec.name, n)), ...sockets, ...timer];
}
