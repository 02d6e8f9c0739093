/**
 * `deploy --check URL`: does one instance (by PID) answer the URL with 2xx?
 *
 * Instances share one listening socket, so a request to the port may be
 * accepted by any of them. Each attempt opens a fresh keep-alive connection,
 * sends one GET, and while the connection is still open asks the kernel
 * (`ss -tnp`, ss(8)) which process holds the server end of it. Answers from
 * other instances are ignored and the next attempt opens a new connection.
 *
 * Outcomes: `ok` (the instance answered 2xx); `bad` (the instance answered
 * another status: fails at once); `timeout` (no 2xx from the instance within
 * the time; `last` says what was seen).
 */
import http from 'node:http';
import https from 'node:https';
import { run } from './run';

export type CheckResult = { outcome: 'ok'; status: number; attempts: number } | { outcome: 'bad'; status: number; attempts: number } | { outcome: 'timeout'; last: string; attempts: number };

/** The PIDs in `ss -Htnp` output's users:(("node",pid=123,fd=20)) fields. */
export function pidsInSs(stdout: string): number[] {
  return [...stdout.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]));
}

function once(url: URL): Promise<{ status: number; localPort: number; close(): void } | { error: string }> {
  return new Promise((resolve) => {
    const lib = url.protocol === 'https:' ? https : http;
    const agent = new lib.Agent({ keepAlive: true, maxSockets: 1 });
    const req = lib.get(url, { agent, timeout: 5000, rejectUnauthorized: false }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          localPort: req.socket?.localPort ?? 0,
          close: () => agent.destroy(),
        }),
      );
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 5s')));
    req.on('error', (e: NodeJS.ErrnoException) => {
      agent.destroy();
      resolve({ error: e.code ?? e.message });
    });
  });
}

export async function checkInstance(urlText: string, pid: number, timeoutMs: number): Promise<CheckResult> {
  const url = new URL(urlText);
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const deadline = Date.now() + timeoutMs;
  let last = 'no attempt';
  let attempts = 0;
  while (Date.now() < deadline) {
    attempts++;
    const r = await once(url);
    if ('error' in r) last = r.error;
    else {
      const ss = await run('ss', ['-Htnp', 'state', 'established', `( sport = :${port} and dport = :${r.localPort} )`]);
      r.close();
      const owners = pidsInSs(ss.stdout);
      if (owners.includes(pid)) {
        if (r.status >= 200 && r.status < 300) return { outcome: 'ok', status: r.status, attempts };
        return { outcome: 'bad', status: r.status, attempts };
      }
      last = owners.length ? `answered by pid ${owners.join(',')}, not ${pid}` : `HTTP ${r.status} from a process ss could not name`;
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  return { outcome: 'timeout', last, attempts };
}
