import { UserError } from '../cli/user-error';

interface FdHelper {
  connectNotifySocket(path: string): number;
  keepAcrossExec(fd: number): void;
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
 * Keeps systemd's sockets (sd_listen_fds(3)) open across the exec. Outcomes:
 * done; or a UserError when LISTEN_FDS names an fd that is not open, which
 * means the environment does not describe this process.
 */
export function keepListenFds(helper: FdHelper, fds: ReadonlyArray<{ fd: number }>): void {
  for (const { fd } of fds) {
    try {
      helper.keepAcrossExec(fd);
    } catch (err) {
      throw new UserError(`LISTEN_FDS names fd ${fd}, which is not open: ${(err as Error).message}`);
    }
  }
}
