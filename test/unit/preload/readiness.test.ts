import dc from 'node:diagnostics_channel';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { requirePreload } from './load';

const { onServerListening, installManualReady, parseReadyMode } = requirePreload('./readiness.cjs');

describe('onServerListening', () => {
  it.each([true, false])('reports a server once it can accept (tracing channel: %s)', async (listenTracingChannel) => {
    const fakeNet = { Server: class extends net.Server {} };
    const seen: net.Server[] = [];
    onServerListening(fakeNet, dc, { listenTracingChannel }, (s: net.Server) => seen.push(s));
    const server = new fakeNet.Server();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    expect(seen).toContain(server);
    server.close();
  });
});

describe('installManualReady', () => {
  it("provides process.send when there is no IPC channel, and sees 'ready'", () => {
    const proc: { send?: (...a: unknown[]) => boolean } = {};
    let ready = 0;
    installManualReady(proc, () => ready++);
    expect(proc.send!('hello')).toBe(true);
    expect(ready).toBe(0);
    proc.send!('ready');
    expect(ready).toBe(1);
  });
  it('still calls an existing process.send', () => {
    const calls: unknown[] = [];
    const proc = { send: (m: unknown) => (calls.push(m), true) };
    let ready = 0;
    installManualReady(proc, () => ready++);
    proc.send('ready');
    expect(calls).toEqual(['ready']);
    expect(ready).toBe(1);
  });
});

describe('parseReadyMode', () => {
  it.each([
    [undefined, 'listen'],
    ['', 'listen'],
    ['manual', 'manual'],
    ['start', 'start'],
    ['soon', undefined],
  ])('%s -> %s', (v, mode) => expect(parseReadyMode(v)).toBe(mode));
});
