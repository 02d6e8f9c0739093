/**
 * The native helper against real sockets. A Python receiver stands in for
 * PID 1's notify socket, because JavaScript cannot bind an AF_UNIX datagram
 * socket (which is the reason the helper exists). Needs dist/runtime (npm
 * test builds it first).
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, fstatSync, mkdtempSync, openSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const helperPath = resolve('dist/runtime/fd-helper.node');
function load() {
  const m = { exports: {} as { connectNotifySocket(p: string): number; prepareListenFd(fd: number): boolean } };
  process.dlopen(m, helperPath);
  return m.exports;
}

const RECEIVER = `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
addr = sys.argv[1]
s.bind('\\0' + addr[1:] if addr.startswith('@') else addr)
print('bound', flush=True)
s.settimeout(10)
print(s.recv(4096).decode(), end='', flush=True)
`;

async function roundTrip(address: string): Promise<string> {
  const py = spawn('python3', ['-c', RECEIVER, address]);
  let out = '';
  py.stdout.on('data', (d) => (out += d));
  await new Promise<void>((r) => py.stdout.once('data', () => r()));
  const fd = load().connectNotifySocket(address);
  expect(fstatSync(fd).isSocket()).toBe(true);
  writeSync(fd, Buffer.from('READY=1\nSTATUS=hi\n'));
  closeSync(fd);
  await new Promise((r) => py.once('exit', r));
  return out.replace(/^bound\n/, '');
}

describe('fd-helper.node', () => {
  it('connects to a filesystem notify socket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nodeunit-notify-'));
    expect(await roundTrip(join(dir, 'notify'))).toBe('READY=1\nSTATUS=hi\n');
  });

  it('connects to an abstract @name notify socket', async () => {
    expect(await roundTrip(`@nodeunit-test-${process.pid}`)).toBe('READY=1\nSTATUS=hi\n');
  });

  it.each([
    ['', /absolute path or @abstract name/],
    ['relative/notify', /absolute path or @abstract name/],
    ['/' + 'x'.repeat(200), /too long/],
    ['/nonexistent/notify', /connect\(NOTIFY_SOCKET\): No such file or directory/],
  ])('refuses %j with the reason', (address, reason) => {
    expect(() => load().connectNotifySocket(address)).toThrow(reason);
  });

  it('clears close-on-exec so an fd survives exec, sets non-blocking mode, and refuses a closed fd', () => {
    const fd = openSync('/dev/null', 'r'); // node opens files close-on-exec and blocking
    const flags = () => parseInt(spawnSync('sh', ['-c', `grep flags /proc/${process.pid}/fdinfo/${fd}`], { encoding: 'utf8' }).stdout.split(/\s+/)[1], 8);
    const O_CLOEXEC = 0o2000000;
    const O_NONBLOCK = 0o4000;
    expect(flags() & (O_CLOEXEC | O_NONBLOCK)).toBe(O_CLOEXEC);
    expect(load().prepareListenFd(fd)).toBe(true);
    expect(flags() & (O_CLOEXEC | O_NONBLOCK)).toBe(O_NONBLOCK);
    expect(load().prepareListenFd(fd)).toBe(false);
    closeSync(fd);
    expect(() => load().prepareListenFd(fd)).toThrow(/Bad file descriptor/);
  });
});
