import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const autocannon = require('autocannon');
const { dropPendingOnReconnect } = require('../../../bench/lib/autocannon-reconnect.cjs');

// A real server; each run's first CLOSING responses say `Connection: close`
// and end their keep-alive connection (as accept pacing sheds them), the rest
// keep theirs.
const CLOSING = 4;
let server: http.Server;
let port = 0;
beforeAll(async () => {
  server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function closeFirstResponses() {
  server.removeAllListeners('request');
  let closed = 0;
  server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    if (closed < CLOSING) {
      closed++;
      res.shouldKeepAlive = false;
    }
    res.end('ok\n');
  });
}

/** For each response, the requests its client still holds pending once the response is taken off the queue (0: it answered the oldest). */
async function pendingAtResponses(fix: boolean): Promise<number[]> {
  closeFirstResponses();
  const seen: number[] = [];
  await autocannon({
    url: `http://127.0.0.1:${port}/`,
    connections: CLOSING,
    amount: 400,
    setupClient(client: { pipelinedRequests: { size(): number }; on(e: string, f: () => void): void }) {
      if (fix) dropPendingOnReconnect(client);
      client.on('response', () => seen.push(client.pipelinedRequests.size()));
    },
  });
  return seen;
}

describe('dropPendingOnReconnect (bench/lib/autocannon-reconnect.cjs)', () => {
  it('without it, autocannon times responses after a server-closed connection from the request before (the bug it works around)', async () => {
    const seen = await pendingAtResponses(false);
    expect(seen.length).toBeGreaterThan(100);
    expect(seen.filter((n) => n > 0).length).toBeGreaterThan(0);
  });
  it('with it, every response is the oldest pending request of its client', async () => {
    const seen = await pendingAtResponses(true);
    expect(seen.length).toBeGreaterThan(100);
    expect(seen.filter((n) => n > 0)).toEqual([]);
  });
});
