/**
 * Shared by the HAProxy and nginx renderers: what a load balancer in front
 * of one nodeunit app on several hosts needs to know. Pure data, no I/O.
 */
export interface BalancerSpec {
  /** The app name (already validated as a unit-name prefix). */
  name: string;
  /** The hosts running the app, `host:port` each. */
  servers: Array<{ host: string; port: number }>;
  /** Where the balancer itself listens. */
  listen: number;
  /** The app's health path, checked on every server. */
  checkPath: string;
  /** A server whose checks fail this long is out; seconds. */
  checkIntervalSec: number;
  /** A returning server gets full traffic only after this long; seconds. */
  slowstartSec: number;
}

/** `host:port`, `[v6]:port`; host names allowed (the balancer resolves them). */
export function parseServer(value: string): { host: string; port: number } {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9.-]*):(\d{1,5})$/.exec(value.trim());
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
    throw new Error(`'${value}' is not HOST:PORT (a name or address, then a port 1-65535; IPv6 in brackets)`);
  }
  return { host: m[1], port: Number(m[2]) };
}

export function serverAddress(s: { host: string; port: number }): string {
  return `${s.host}:${s.port}`;
}
