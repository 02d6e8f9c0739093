/**
 * First systemd version that understands each directive we emit that is not
 * ancient. Older systemd logs "Unknown key" and ignores it, which silently
 * weakens the unit and makes `systemd-analyze verify` fail, so the renderer
 * drops a directive when the host's systemd is older than its entry here.
 * Directives missing from the table predate anything nodeunit supports.
 */
export const DIRECTIVE_SINCE: Readonly<Record<string, number>> = {
  ProtectHostname: 242,
  RestrictSUIDSGID: 242,
  ProtectKernelLogs: 244,
  ProtectClock: 245,
  ProtectProc: 247,
  ProcSubset: 247,
  PrivateIPC: 248,
  // In [Path] (systemd NEWS 250); 247 logs "Unknown key" (seen in the bullseye e2e leg).
  TriggerLimitIntervalSec: 250,
  TriggerLimitBurst: 250,
  RestartSteps: 254,
  RestartMaxDelaySec: 254,
};

/** Whether a systemd of `version` knows `directive`. */
export function isDirectiveSupported(directive: string, version: number): boolean {
  return (DIRECTIVE_SINCE[directive] ?? 0) <= version;
}
