/**
 * The drain of long-lived connections with real parts: node running an app
 * built on the `ws` package with the preload (as the launcher runs it), real
 * WebSocket and SSE clients, and SIGTERM as systemd sends it.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { requirePreload } from './load';

const { closeFrame, isWebSocketUpgrade } = requirePreload('./upgrade-drain.cjs');

const PRELOAD = resolve('src/preload/index.cjs');
const APP = resolve('test/e2e/apps/ws.js');

function startApp(port: number, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--require', PRELOAD, APP], {
    env: { ...process.env, PORT: String(port), NODEUNIT_DRAIN_TIMEOUT: '5', WS_MODULE: resolve('node_modules/ws'), ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return child;
}

async function connect(port: number, n: number): Promise<Array<Promise<number>>> {
  const closed: Array<Promise<number>> = [];
  await Promise.all(
    Array.from({ length: n }, async () => {
      for (let attempt = 0; ; attempt++) {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
        const opened = await new Promise<boolean>((ok) => {
          ws.once('message', () => ok(true));
          ws.once('error', () => ok(false));
        });
        if (opened) {
          closed.push(new Promise((done) => ws.once('close', (code) => done(code))));
          return;
        }
        if (attempt > 50) throw new Error('app did not start');
        await new Promise((r) => setTimeout(r, 50));
      }
    }),
  );
  return closed;
}

describe('upgrade drain', () => {
  it('builds RFC 6455 close frames and spots websocket upgrades', () => {
    expect([...closeFrame(1001, '')]).toEqual([0x88, 2, 0x03, 0xe9]);
    expect(isWebSocketUpgrade({ headers: { upgrade: 'WebSocket' } })).toBe(true);
    expect(isWebSocketUpgrade({ headers: { upgrade: 'h2c' } })).toBe(false);
  });

  it('on SIGTERM every WebSocket client gets 1001 (none 1006), an SSE stream ends cleanly, and node exits', async () => {
    const port = 18690;
    const child = startApp(port);
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const closes = await connect(port, 50);
      const sse = await new Promise<http.IncomingMessage>((ok) => http.get(`http://127.0.0.1:${port}/sse`, ok));
      const sseEnd = new Promise<string>((done) => {
        sse.on('data', () => {});
        sse.once('end', () => done('end'));
        sse.once('error', (e) => done(`error ${e.message}`));
        sse.once('aborted', () => done('aborted'));
      });
      const t0 = Date.now();
      child.kill('SIGTERM');
      const codes = await Promise.all(closes);
      expect(await sseEnd).toBe('end');
      expect(await exited).toBe(0);
      const counts = codes.reduce<Record<number, number>>((m, c) => ((m[c] = (m[c] ?? 0) + 1), m), {});
      expect(counts).toEqual({ 1001: 50 });
      expect(Date.now() - t0).toBeLessThan(5000);
    } finally {
      child.kill('SIGKILL');
    }
  }, 30_000);

  it("the app's own goodbye goes first", async () => {
    const port = 18691;
    const child = startApp(port, { OWN_CLOSE: '1' });
    try {
      const closes = await connect(port, 10);
      child.kill('SIGTERM');
      expect(new Set(await Promise.all(closes))).toEqual(new Set([1012]));
    } finally {
      child.kill('SIGKILL');
    }
  }, 30_000);

  it('without the preload the same app drops its clients (1006): the test can fail', async () => {
    const port = 18692;
    const child = spawn(process.execPath, [APP], { env: { ...process.env, PORT: String(port), WS_MODULE: resolve('node_modules/ws') }, stdio: 'inherit' });
    try {
      const closes = await connect(port, 5);
      child.kill('SIGTERM');
      expect(new Set(await Promise.all(closes))).toEqual(new Set([1006]));
    } finally {
      child.kill('SIGKILL');
    }
  }, 30_000);
});
