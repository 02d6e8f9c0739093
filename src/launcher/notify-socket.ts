import { UserError } from '../cli/user-error';

/**
 * Opens the sd_notify(3) socket through the native helper and returns its
 * fd, which stays open (no close-on-exec) across process.execve so that the
 * preload can write to it from the same PID.
 *
 * Outcomes: a connected fd; or a UserError naming $NOTIFY_SOCKET and the
 * failing call (bad address, socket gone, permission denied). Failing here,
 * at once, beats a Type=notify start that waits out TimeoutStartSec=.
 */
export function openNotifySocket(helperPath: string, notifySocket: string): number {
  const module = { exports: {} as { connect?: (path: string) => number } };
  try {
    process.dlopen(module, helperPath);
  } catch (err) {
    throw new UserError(`cannot load ${helperPath}: ${(err as Error).message}; run 'nodeunit setup' as root`);
  }
  try {
    return module.exports.connect!(notifySocket);
  } catch (err) {
    throw new UserError(`cannot connect to NOTIFY_SOCKET=${notifySocket}: ${(err as Error).message}`);
  }
}
