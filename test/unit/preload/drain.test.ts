import dc from 'node:diagnostics_channel';
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { requirePreload } from './load';

const { createDrain, IDLE_CLOSE_MS } = requirePreload('./drain.cjs');

function harness(listeners = 1) {
  const sent: Record<string, unknown>[] = [];
  let exited = 0;
  let resolveExit!: () => void;
  const exitedPromise = new Promise<void>((r) => (resolveExit = r));
  const drain = createDrain({
    net,
    dc,
    notifier: { send: (f: Record<string, unknown>) => sent.push(f) },
    timeoutMs: 5000,
    exit: () => {
      exited++;
      resolveExit();
    },
    proc: { listenerCount: () => listeners },
  });
  return { drain, sent, exitedPromise, exits: () => exited };
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

function get(agent: http.Agent, port: number, path = '/'): Promise<{ status: number; connection?: string; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body }));
      })
      .on('error', reject);
  });
}

const servers: net.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

describe('drain on SIGTERM', () => {
  it('finishes the request in flight, answers it with Connection: close, then exits', async () => {
    const h = harness();
    const server = http.createServer((req, res) => setTimeout(() => res.end(`done ${req.url}`), req.url === '/slow' ? 300 : 0));
    servers.push(server);
    h.drain.track(server);
    const port = await listen(server);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

    const first = await get(agent, port, '/warm');
    expect(first.connection).toBe('keep-alive');
    const slow = get(agent, port, '/slow');
    await new Promise((r) => setTimeout(r, 50));
    h.drain.onSigterm();
    expect(h.sent[0]).toMatchObject({ STOPPING: 1 });

    expect(await slow).toEqual({ status: 200, connection: 'close', body: 'done /slow' });
    await h.exitedPromise;
    expect(h.exits()).toBe(1);
    // No longer accepting: a new connection is refused.
    await expect(get(new http.Agent(), port)).rejects.toThrow(/ECONNREFUSED/);
    agent.destroy();
  });

  it('closes an idle keep-alive connection only after it stayed idle', async () => {
    const h = harness();
    const server = http.createServer((_req, res) => res.end('ok'));
    servers.push(server);
    h.drain.track(server);
    const port = await listen(server);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    await get(agent, port);

    const started = Date.now();
    h.drain.onSigterm();
    await h.exitedPromise;
    expect(Date.now() - started).toBeGreaterThanOrEqual(IDLE_CLOSE_MS - 50);
    agent.destroy();
  });

  it('gives Connection: close to a request arriving on a kept-alive connection during the drain', async () => {
    const h = harness();
    const server = http.createServer((_req, res) => res.end('ok'));
    servers.push(server);
    h.drain.track(server);
    const port = await listen(server);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    await get(agent, port);
    h.drain.onSigterm();
    const during = await get(agent, port);
    expect(during).toMatchObject({ status: 200, connection: 'close' });
    await h.exitedPromise;
    agent.destroy();
  });

  it('leaves shutdown to the app when it has its own SIGTERM listener', async () => {
    const h = harness(2);
    const server = http.createServer((_req, res) => res.end('ok'));
    servers.push(server);
    h.drain.track(server);
    const port = await listen(server);
    h.drain.onSigterm();
    expect(h.sent).toEqual([{ STOPPING: 1 }]);
    expect(h.drain.draining).toBe(false);
    expect((await get(new http.Agent(), port)).status).toBe(200);
  });

  it('exits at once when nothing listens', () => {
    const h = harness();
    h.drain.onSigterm();
    expect(h.exits()).toBe(1);
  });
});
