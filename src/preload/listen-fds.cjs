'use strict';
/**
 * Sockets passed by systemd, as sd_listen_fds(3) and
 * sd_listen_fds_with_names(3) define them: LISTEN_FDS sockets starting at
 * fd 3 (SD_LISTEN_FDS_START), meant for the process named by LISTEN_PID,
 * named by the colon-separated LISTEN_FDNAMES (systemd.socket(5)
 * FileDescriptorName=, default the socket unit's name).
 *
 * listenFds(env, pid) outcomes:
 *   - LISTEN_PID unset, malformed or not `pid` -> [] (meant for another process)
 *   - LISTEN_FDS unset, malformed or 0         -> []
 *   - LISTEN_FDNAMES missing, or its count differs from LISTEN_FDS
 *                                              -> every name is "unknown", as libsystemd does
 *   - otherwise [{ fd: 3, name }, { fd: 4, name }, ...]
 */
const SD_LISTEN_FDS_START = 3;

function listenFds(env, pid) {
  const owner = env.LISTEN_PID;
  if (owner === undefined || !/^\d+$/.test(owner) || Number(owner) !== pid) return [];
  const count = env.LISTEN_FDS;
  if (count === undefined || !/^\d+$/.test(count)) return [];
  const n = Number(count);
  const names = env.LISTEN_FDNAMES === undefined ? [] : env.LISTEN_FDNAMES.split(':');
  const named = names.length === n;
  const fds = [];
  for (let i = 0; i < n; i++) {
    fds.push({ fd: SD_LISTEN_FDS_START + i, name: named ? names[i] : 'unknown' });
  }
  return fds;
}

module.exports = { listenFds, SD_LISTEN_FDS_START };
