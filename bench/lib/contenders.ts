/**
 * The contenders, each a way to run bench/apps/app.js on CPU 1 inside the
 * benchmark container, with the operations the figures need: start, the
 * instances' pids, a rolling reload, SIGKILL of one instance.
 *
 * - nodeunit: exactly the unit files `nodeunit enable` writes (renderApp from
 *   src/units, with enable's defaults: hardened, DynamicUser, watchdog 30 s),
 *   plus a drop-in with CPUAffinity=1, then `systemctl enable --now`.
 * - pm2: the pinned devDependency on the pinned LTS node, cluster mode
 *   (`pm2 start -i N`), started under `taskset -c 1` so its daemon and the
 *   workers it forks run on CPU 1. Each pm2 contender has its own PM2_HOME,
 *   i.e. its own daemon, so the daemon's cost is that of one app.
 * - plain: `node app.js` as a Type=exec service, CPUAffinity=1, Restart=always.
 * - cluster: Node's cluster module, no manager (the balance section's reference).
 */
import type { Container, ExecResult } from '../../test/e2e/harness/container.js';
import { LTS_NODE } from '../../test/e2e/harness/nodeunit.js';
import { renderApp, unitsToEnable, type AppSpec } from '../../src/units/index.js';
import type { ContenderInfo } from './types.js';

export const APP = '/opt/bench/apps/app.js';
export const PM2_BIN = '/opt/bench/node_modules/pm2/bin/pm2';
export const SERVER_CPU = '1';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function must(r: Promise<ExecResult>, what: string): Promise<ExecResult> {
  const res = await r;
  if (res.code !== 0) throw new Error(`${what} failed (exit ${res.code}): ${res.stderr || res.stdout}`);
  return res;
}

export abstract class Contender {
  constructor(
    readonly c: Container,
    readonly info: ContenderInfo,
  ) {}
  get id() {
    return this.info.id;
  }
  get port() {
    return this.info.port;
  }
  abstract install(): Promise<void>;
  /** Start (or make sure it runs) and wait until every instance serves. */
  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;
  /** The pids of the app's instances (pm2: workers), in instance order; 0 = not running. */
  abstract pids(): Promise<number[]>;
  /** pids of processes that exist for the app but are not instances (pm2's daemon). */
  async managerPids(): Promise<number[]> {
    return [];
  }
  /** Every process that exists for this app. */
  abstract allPids(): Promise<number[]>;
  /** Rolling reload; resolves when done. */
  abstract reload(): Promise<void>;
  /** Clears restart rate limits before a round that restarts or kills. */
  async resetLimits(): Promise<void> {}
  /** Until every instance runs with a pid not in `old` (or just runs, if old is empty). */
  async waitAllUp(old: number[] = [], ms = 15_000): Promise<boolean> {
    const deadline = Date.now() + ms;
    for (;;) {
      const pids = await this.pids();
      if (pids.length === this.info.instances && pids.every((p) => p > 0 && !old.includes(p))) return true;
      if (Date.now() > deadline) return false;
      await sleep(100);
    }
  }
}

export class NodeunitContender extends Contender {
  constructor(
    c: Container,
    info: ContenderInfo,
    private readonly watchdogSec = 30,
    /** false: no hardening and User=root (a diagnostic, not what enable writes). */
    private readonly sandbox = true,
    /** false: instances free on every CPU (no CPUAffinity drop-in). */
    private readonly pinned = true,
    /** Extra [Service] lines for a diagnostic drop-in (e.g. an environment override). */
    private readonly extra = '',
  ) {
    super(c, info);
  }
  spec(): AppSpec {
    return {
      name: this.id,
      script: APP,
      instances: this.info.instances,
      ports: [{ port: this.port }],
      user: this.sandbox ? { kind: 'dynamic' } : { kind: 'static', name: 'root' },
      cwd: '/opt/bench/apps',
      env: [['PORT', String(this.port)]],
      node: LTS_NODE,
      nodeOptions: [],
      watchdogSec: this.watchdogSec,
      ready: 'listen',
      drainTimeoutSec: 10,
      balance: this.info.balance ?? 'shared',
      harden: this.sandbox,
      nodeunitPath: '/usr/bin/nodeunit',
      systemdVersion: 252,
    };
  }
  units(): string[] {
    return unitsToEnable(this.spec());
  }
  instanceUnits(): string[] {
    return Array.from({ length: this.info.instances }, (_, i) => `${this.id}@${i + 1}.service`);
  }
  async install(): Promise<void> {
    for (const f of renderApp(this.spec())) await this.c.writeFile(`/etc/systemd/system/${f.path}`, f.content);
    const lines = [
      ...(this.pinned ? [`# benchmark only: servers on CPU ${SERVER_CPU}, the load generator on CPU 0`, `CPUAffinity=${SERVER_CPU}`] : []),
      ...(this.extra ? [this.extra] : []),
    ];
    if (lines.length) await this.c.writeFile(`/etc/systemd/system/${this.id}@.service.d/bench.conf`, `[Service]\n${lines.join('\n')}\n`);
  }
  /** `nodeunit enable` = the files above + this. */
  async enable(now: boolean): Promise<void> {
    await must(this.c.exec(['systemctl', 'enable', ...(now ? ['--now'] : []), ...this.units()]), `enable ${this.id}`);
  }
  async start(): Promise<void> {
    await must(this.c.exec(['systemctl', 'start', ...this.units()]), `start ${this.id}`);
  }
  async stop(): Promise<void> {
    await this.c.exec(['systemctl', 'stop', ...this.units()]);
  }
  async pids(): Promise<number[]> {
    const r = await this.c.exec(['systemctl', 'show', '--property=MainPID', ...this.instanceUnits()]);
    return r.stdout
      .split('\n')
      .filter((l) => l.startsWith('MainPID='))
      .map((l) => Number(l.slice(8)));
  }
  async allPids(): Promise<number[]> {
    // Everything in the instances' cgroups (v1 name=systemd hierarchy on this host, or v2).
    const r = await this.c.sh(
      this.instanceUnits()
        .map((u) => `cg=$(systemctl show --property=ControlGroup --value ${u}); cat /sys/fs/cgroup/systemd$cg/cgroup.procs 2>/dev/null || cat /sys/fs/cgroup$cg/cgroup.procs`)
        .join('; '),
    );
    return r.stdout.split('\n').filter(Boolean).map(Number);
  }
  async resetLimits(): Promise<void> {
    await this.c.exec(['systemctl', 'reset-failed', ...this.instanceUnits()]);
  }
  /** What `nodeunit reload` does: restart one instance at a time, each waiting until it is ready again. */
  async reload(): Promise<void> {
    for (const u of this.instanceUnits()) await must(this.c.exec(['systemctl', 'restart', u]), `restart ${u}`);
  }
}

export class PlainContender extends Contender {
  get unit() {
    return `${this.id}.service`;
  }
  async install(): Promise<void> {
    await this.c.writeFile(
      `/etc/systemd/system/${this.unit}`,
      `[Service]\nType=exec\nExecStart=${LTS_NODE} ${APP}\nEnvironment=PORT=${this.port}\nCPUAffinity=${SERVER_CPU}\nRestart=always\n`,
    );
  }
  async start(): Promise<void> {
    await must(this.c.exec(['systemctl', 'start', this.unit]), `start ${this.unit}`);
    // Type=exec is "started" before node listens.
    const deadline = Date.now() + 10_000;
    while ((await this.c.sh(`ss -Hltn 'sport = :${this.port}' | grep -q .`)).code !== 0) {
      if (Date.now() > deadline) throw new Error(`${this.unit} does not listen`);
      await sleep(50);
    }
  }
  async stop(): Promise<void> {
    await this.c.exec(['systemctl', 'stop', this.unit]);
  }
  async pids(): Promise<number[]> {
    const r = await this.c.exec(['systemctl', 'show', '--property=MainPID', '--value', this.unit]);
    return [Number(r.stdout.trim())];
  }
  async allPids(): Promise<number[]> {
    return (await this.pids()).filter((p) => p > 0);
  }
  async resetLimits(): Promise<void> {
    await this.c.exec(['systemctl', 'reset-failed', this.unit]);
  }
  async reload(): Promise<void> {
    await must(this.c.exec(['systemctl', 'restart', this.unit]), `restart ${this.unit}`);
  }
}

/**
 * Node's cluster module with no manager (bench/apps/cluster.cjs) as one
 * Type=exec service, free on every CPU: the primary and its workers are one
 * session, like pm2's daemon and workers. The balance section's reference
 * for an even spread with no manager code; instances are the primary's children, oldest first.
 * reload() restarts the whole service (the balance section never reloads it).
 */
export class ClusterContender extends PlainContender {
  async install(): Promise<void> {
    await this.c.writeFile(
      `/etc/systemd/system/${this.unit}`,
      `[Service]\nType=exec\nExecStart=${LTS_NODE} /opt/bench/apps/cluster.cjs\nEnvironment=PORT=${this.port} WORKERS=${this.info.instances}\nRestart=always\n`,
    );
  }
  async start(): Promise<void> {
    await super.start();
    if (!(await this.waitAllUp())) throw new Error(`${this.unit}: workers not up`);
  }
  /** The primary: the service's MainPID. */
  async managerPids(): Promise<number[]> {
    return (await super.pids()).filter((p) => p > 0);
  }
  async pids(): Promise<number[]> {
    const [primary] = await this.managerPids();
    if (!primary) return [];
    const r = await this.c.exec(['ps', '--ppid', String(primary), '--sort=start_time', '-o', 'pid=']);
    return r.stdout.split('\n').filter((l) => l.trim()).map(Number);
  }
  async allPids(): Promise<number[]> {
    return [...(await this.managerPids()), ...(await this.pids())];
  }
}

interface Pm2Process {
  name: string;
  pid: number;
  pm_id: number;
  pm2_env: { status: string };
}

export class Pm2Contender extends Contender {
  get home() {
    return `/root/.pm2-${this.id}`;
  }
  /** CPUs of pm2's daemon and workers: the servers' CPU, or every CPU ('0-1023'). */
  cpus = SERVER_CPU;
  /** argv of a pm2 CLI call, pinned to `cpus` (a daemon it spawns inherits that). */
  argv(...args: string[]): string[] {
    return ['taskset', '-c', this.cpus, LTS_NODE, PM2_BIN, ...args];
  }
  env(): Record<string, string> {
    return { HOME: '/root', PM2_HOME: this.home, PORT: String(this.port) };
  }
  pm2(...args: string[]): Promise<ExecResult> {
    return this.c.exec(this.argv(...args), { env: this.env(), timeoutMs: 60_000 });
  }
  startArgv(): string[] {
    return this.argv('start', APP, '-i', String(this.info.instances), '--name', this.id);
  }
  async install(): Promise<void> {}
  async start(): Promise<void> {
    if ((await this.pids()).length === 0) await must(this.c.exec(this.startArgv(), { env: this.env() }), `pm2 start ${this.id}`);
    if (!(await this.waitAllUp())) throw new Error(`pm2 ${this.id}: workers not online`);
    const deadline = Date.now() + 10_000;
    while ((await this.c.sh(`ss -Hltn 'sport = :${this.port}' | grep -q .`)).code !== 0) {
      if (Date.now() > deadline) throw new Error(`pm2 ${this.id} does not listen`);
      await sleep(50);
    }
  }
  async stop(): Promise<void> {
    await this.pm2('delete', this.id);
  }
  async kill(): Promise<void> {
    await this.pm2('kill');
  }
  async list(): Promise<Pm2Process[]> {
    const r = await this.pm2('jlist');
    // The daemon may print "[PM2] Spawning PM2 daemon ..." lines before the JSON.
    const text = r.stdout.split('\n').find((l) => l.startsWith('[{') || l.trim() === '[]') ?? '[]';
    try {
      return (JSON.parse(text) as Pm2Process[]).filter((p) => p.name === this.id);
    } catch {
      return [];
    }
  }
  async pids(): Promise<number[]> {
    const list = await this.list();
    return list.sort((a, b) => a.pm_id - b.pm_id).map((p) => (p.pm2_env.status === 'online' ? p.pid : 0));
  }
  async managerPids(): Promise<number[]> {
    const r = await this.c.exec(['cat', `${this.home}/pm2.pid`]);
    return r.code === 0 ? [Number(r.stdout.trim())] : [];
  }
  async allPids(): Promise<number[]> {
    // The daemon and everything below it (pm2 forks its workers).
    const [daemon] = await this.managerPids();
    const r = await this.c.exec(['ps', '-e', '-o', 'pid=,ppid=']);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/).map(Number));
    const set = new Set([daemon]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const [pid, ppid] of rows) if (set.has(ppid) && !set.has(pid)) (set.add(pid), (grew = true));
    }
    return [...set];
  }
  async reload(): Promise<void> {
    await must(this.pm2('reload', this.id), `pm2 reload ${this.id}`);
  }
}

export async function rssKb(c: Container, pids: number[]): Promise<number[]> {
  if (pids.length === 0) return [];
  const r = await c.sh(pids.map((p) => `awk '/^VmRSS/ {print $2}' /proc/${p}/status`).join('; '));
  return r.stdout.split('\n').filter(Boolean).map(Number);
}

/** SIGKILL one pid inside the container; returns when it was sent (ms since the epoch, the container's clock is the host's) and the connections it held. */
export async function killWithInflight(c: Container, port: number, pid: number): Promise<{ at: number; inflight: number }> {
  const r = await c.sh(
    `n=$(ss -Htnp state established '( sport = :${port} )' | grep -c "pid=${pid},"); date +%s%3N; kill -9 ${pid}; echo $n`,
  );
  const [at, inflight] = r.stdout.trim().split('\n').map(Number);
  return { at, inflight };
}
