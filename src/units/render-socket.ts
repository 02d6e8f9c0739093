import type { AppSpec, RenderedFile } from './app-spec.js';
import { generatedHeader } from './marker.js';
import { directive, renderUnitFile, type Directive } from './unit-file.js';
import { distinctPorts, serviceInstance, socketUnitFile, targetUnit } from './unit-names.js';

/**
 * Listen backlog per socket. The kernel caps it at net.core.somaxconn; 4096
 * is that sysctl's default since Linux 5.4 and absorbs bursts while
 * instances restart (connections queue instead of being refused).
 */
export const BACKLOG = 4096;

/** `ListenStream=` value: bare port (all addresses, IPv4 and IPv6) or host:port, IPv6 in brackets. */
export function listenAddress(listen: { host?: string; port: number }): string {
  if (!Number.isInteger(listen.port) || listen.port < 1 || listen.port > 65535) {
    throw new RangeError(`invalid port ${listen.port}`);
  }
  if (listen.host === undefined || listen.host === '') return String(listen.port);
  const bare = listen.host.replace(/^\[(.*)\]$/, '$1');
  if (!/^[0-9A-Za-z.:%_-]+$/.test(bare)) throw new RangeError(`invalid listen host ${JSON.stringify(listen.host)}`);
  // A '%' here is an IPv6 zone (fe80::1%eth0); in a unit file it must be doubled.
  const host = bare.includes(':') ? `[${bare}]` : bare;
  return `${host.replaceAll('%', '%%')}:${listen.port}`;
}

/**
 * One socket unit per distinct port. systemd.socket(5): FileDescriptorName=
 * names *all* fds of a unit alike, and the preload hands an fd to the app's
 * listen(port) when the fd's name is that port number, so ports cannot share
 * a unit. Several hosts for one port (127.0.0.1:8080 and [::1]:8080) share a
 * unit and a name; the preload sees several fds named "8080".
 */
export function renderSockets(spec: AppSpec): RenderedFile[] {
  return distinctPorts(spec).map((port) => renderSocket(spec, port));
}

function renderSocket(spec: AppSpec, port: number): RenderedFile {
  const target = targetUnit(spec.name);
  const listens = spec.ports.filter((p) => p.port === port);
  const shared = spec.balance === 'shared';
  const boundToHost = listens.some((p) => p.host !== undefined && p.host !== '');
  const unit: Directive[] = [
    directive('Description', shared ? `${spec.name} port ${port}` : `${spec.name} port ${port} (instance %i)`),
    directive('PartOf', target, `stopping ${target} closes the port too`),
  ];
  const socket: Directive[] = [
    ...listens.map((listen) => directive('ListenStream', listenAddress(listen))),
    directive('FileDescriptorName', String(port), "the preload hands this fd to the app's listen(" + port + ')'),
    shared
      ? directive('ReusePort', 'no', 'one socket, one accept queue, shared by every instance')
      : directive('ReusePort', 'yes', 'one socket per instance; the kernel load-balances across them'),
    directive('Backlog', String(BACKLOG), 'connections queue here while instances restart (capped by net.core.somaxconn)'),
    ...(boundToHost ? [directive('FreeBind', 'yes', 'bind even if the address is not configured yet at boot')] : []),
    shared
      ? directive('Service', serviceInstance(spec.name, 1), 'a socket cannot name a template: traffic while no instance runs starts instance 1')
      : directive('Service', serviceInstance(spec.name, '%i'), 'traffic while this instance is down starts it again'),
  ];
  const install: Directive[] = [directive('WantedBy', target, `listening starts with ${target}`)];
  return {
    path: socketUnitFile(spec.name, port, spec.balance),
    content: renderUnitFile(
      generatedHeader(spec.name),
      [
        { name: 'Unit', directives: unit },
        { name: 'Socket', directives: socket },
        { name: 'Install', directives: install },
      ],
      spec.systemdVersion,
    ),
  };
}
