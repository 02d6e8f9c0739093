import type { AppSpec } from './app-spec.js';
import { quotePathWord } from './quote.js';
import { inHomeDirectory } from './sandbox.js';
import { directive, type Directive } from './unit-file.js';

/**
 * The sandbox for `--harden` (the default). Aim: `systemd-analyze security
 * <name>@1.service` at or below 2.5 while an ordinary Node.js server (HTTP,
 * files in its state directory, DNS, child processes) keeps working.
 *
 * Deliberately left out, each because it breaks ordinary Node.js apps:
 * - MemoryDenyWriteExecute=yes: V8's JIT needs pages that are writable and
 *   executable; node aborts at startup with it.
 * - ProcSubset=pid: hides /proc/meminfo and /proc/cpuinfo, so os.totalmem()
 *   and os.cpus() break and node can no longer size its heap from RAM.
 * - PrivateUsers=yes: only root and the service's own uid/gid stay mapped, so
 *   supplementary groups (e.g. group-readable certs or config) stop working.
 * - SystemCallFilter=~@resources: node raises RLIMIT_NOFILE at startup
 *   (setrlimit); filtering it caps a server at 1024 open sockets.
 * - PrivateNetwork=/IPAddressDeny=: it is a network server.
 * The lines below each carry the comment operators will read in the unit.
 */
export function hardeningDirectives(spec: Pick<AppSpec, 'name' | 'homeBinds' | 'writablePaths'>): Directive[] {
  const writable = spec.writablePaths ?? [];
  const within = (p: string, dir: string) => p === dir || p.startsWith(`${dir}/`);
  // A directory that is also writable is bound once, writable (two binds of one path: which wins is unspecified).
  const binds = (spec.homeBinds ?? []).filter((b) => !writable.some((w) => within(b, w)));
  const homeWritable = writable.filter(inHomeDirectory);
  const home =
    binds.length === 0 && homeWritable.length === 0
      ? [directive('ProtectHome', 'yes', '/home, /root and /run/user are invisible')]
      : [
          directive('ProtectHome', 'tmpfs', 'an empty /home, /root and /run/user, except the directories bound in below'),
          ...binds.map((dir) => directive('BindReadOnlyPaths', quotePathWord(dir), 'the app lives under a home directory: visible, read-only')),
          ...homeWritable.map((dir) => directive('BindPaths', quotePathWord(dir), 'the app writes here (--writable): visible and writable through ProtectHome=tmpfs')),
        ];
  const readWrite = writable.map((dir) => directive('ReadWritePaths', quotePathWord(dir), 'the app writes here (--writable); the rest of the file system stays read-only'));
  return [
    directive('NoNewPrivileges', 'yes', 'setuid binaries and file capabilities cannot raise privileges'),
    directive('ProtectSystem', 'strict', 'the whole file system is read-only except the directories below'),
    directive('StateDirectory', spec.name, `writable /var/lib/${spec.name}, owned by the service user; path in $STATE_DIRECTORY`),
    ...home,
    ...readWrite,
    directive('PrivateTmp', 'yes', 'a private /tmp and /var/tmp, emptied when the service stops'),
    directive('PrivateDevices', 'yes', 'only pseudo devices such as /dev/null and /dev/urandom are visible'),
    directive('PrivateMounts', 'yes', 'mounts made inside the service stay inside it'),
    directive('PrivateIPC', 'yes', 'a private SysV IPC and POSIX message queue namespace'),
    directive('ProtectKernelTunables', 'yes', '/proc/sys, /sys and similar are read-only'),
    directive('ProtectKernelModules', 'yes', 'kernel modules cannot be loaded'),
    directive('ProtectKernelLogs', 'yes', 'the kernel log buffer cannot be read'),
    directive('ProtectControlGroups', 'yes', 'the cgroup tree is read-only'),
    directive('ProtectClock', 'yes', 'the system clock cannot be changed'),
    directive('ProtectHostname', 'yes', 'the host name cannot be changed'),
    directive('ProtectProc', 'invisible', "other users' processes are hidden in /proc"),
    directive('RestrictAddressFamilies', 'AF_UNIX AF_INET AF_INET6 AF_NETLINK', 'AF_NETLINK stays for os.networkInterfaces() (getifaddrs)'),
    directive('RestrictNamespaces', 'yes', 'no new namespaces (containers) can be created'),
    directive('RestrictRealtime', 'yes', 'realtime scheduling, which could starve the host, is refused'),
    directive('RestrictSUIDSGID', 'yes', 'setuid/setgid files cannot be created'),
    directive('LockPersonality', 'yes', 'the execution domain (personality) cannot be changed'),
    directive('SystemCallArchitectures', 'native', 'only native system calls, no 32-bit compat ABI'),
    directive('SystemCallFilter', '@system-service', 'the system calls ordinary services need; everything else fails'),
    directive('SystemCallFilter', '~@privileged', 'minus privileged calls (mount, setuid, chown to others, ...)'),
    directive('SystemCallErrorNumber', 'EPERM', 'a filtered call fails with EPERM instead of killing node outright'),
    directive('CapabilityBoundingSet', '', 'no capabilities at all, even if something runs as root'),
    directive('AmbientCapabilities', '', 'and none handed to the process'),
    directive('DevicePolicy', 'closed', 'no device access beyond the pseudo devices'),
    directive('KeyringMode', 'private', 'a kernel keyring of its own'),
    directive('RemoveIPC', 'yes', "the service user's SysV IPC objects are removed when it stops"),
    directive('UMask', '0027', 'files it creates are not world-readable'),
    directive('MemoryDenyWriteExecute', 'no', "explicitly off: V8's JIT needs writable+executable memory"),
  ];
}
