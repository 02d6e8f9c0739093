import { UserError } from '../errors';

interface FdHelper {
  connectNotifySocket(path: string): number;
  prepareListenFd(fd: number): boolean;
}

/** Loads the native fd helper (src/native/fd-helper.c) into the launcher only. */
export function loadFdHelper(helperPath: string): FdHelper {
  const module = { exports: {} as FdHelper };
  try {
    process.dlopen(module, helperPath);
  } catch (err) {
    throw new UserError(`cannot load ${helperPath}: ${(err as Error).message}; run 'nodeunit setup' as root`);
  }
  return module.exports;
}

/**
 * Opens the sd_notify(3) socket and returns its fd, which stays open (no
 * close-on-exec) across process.execve so that the preload can write to it
 * from the same PID.
 *
 * Outcomes: a connected fd; or a UserError naming $NOTIFY_SOCKET and the
 * failing call (bad address, socket gone, permission denied). Failing here,
 * at once, beats a Type=notify start that waits out TimeoutStartSec=.
 */
export function openNotifySocket(helper: FdHelper, notifySocket: string): number {
  try {
    return helper.connectNotifySocket(notifySocket);
  } catch (err) {
    throw new UserError(`cannot connect to NOTIFY_SOCKET=${notifySocket}: ${(err as Error).message}`);
  }
}

/**
 * Keeps systemd's sockets (sd_listen_fds(3)) open across the exec and puts
 * them back in non-blocking mode (see src/native/fd-helper.c). Outcomes:
 * the fds systemd passed in blocking mode, i.e. without NonBlocking=yes;
 * or a UserError when LISTEN_FDS names an fd that is not open, which means
 * the environment does not describe this process.
 */
export function prepareListenFds(helper: FdHelper, fds: ReadonlyArray<{ fd: number }>): number[] {
  const blocking: number[] = [];
  for (const { fd } of fds) {
    try {
      if (helper.prepareListenFd(fd)) blocking.push(fd);
    } catch (err) {
      throw new UserError(`LISTEN_FDS names fd ${fd}, which is not open: ${(err as Error).message}`);
    }
  }
  return blocking;
}

/**
 * systemd clears O_NONBLOCK at every start of a unit without NonBlocking=yes,
 * on the socket that all its sibling services share: the running ones may
 * then block in accept() with their event loops. One line says so.
 */
export function blockingSocketWarning(fds: readonly number[]): string | undefined {
  if (fds.length === 0) return undefined;
  return (
    `nodeunit: warning: systemd passed fd ${fds.join(', ')} in blocking mode; ` +
    'if several services share this socket, add NonBlocking=yes to the unit (systemd.service(5))\n'
  );
}
