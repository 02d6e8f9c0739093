import { EventEmitter } from 'node:events';

/** The part of accept-pacing.cjs's API these helpers drive. */
interface Pacing {
  onConnection(server: unknown, socket: unknown): void;
  onRequest(server: unknown, socket: unknown, response: { shouldKeepAlive: boolean }): void;
}

/** `n` new connections accepted by `server`. */
export function connectClients(pacing: Pacing, server: unknown, n: number): EventEmitter[] {
  return Array.from({ length: n }, () => {
    const s = new EventEmitter();
    pacing.onConnection(server, s);
    return s;
  });
}

/** `passes` requests on each socket, one pass over all of them at a time; how many responses asked to close. */
export function requestPasses(pacing: Pacing, server: unknown, sockets: EventEmitter[], passes: number): number {
  let shed = 0;
  for (let pass = 0; pass < passes; pass++)
    for (const s of sockets) {
      const r = { shouldKeepAlive: true };
      pacing.onRequest(server, s, r);
      if (!r.shouldKeepAlive) shed++;
    }
  return shed;
}
