import type { CommandModule } from 'yargs';
import { underAppLock } from './locked';
import { installedApp, socketUnitsOf, type InstalledApp } from '../system/app-state';
import { checkInstance } from '../system/instance-check';
import { currentRelease, previewRelease, previousRelease, pruneReleases, releaseOfProcess, stageRelease, switchCurrent } from '../system/releases';
import { journalTail, showUnits, systemctl } from '../system/systemctl';
import { validateAppName } from './app-options';
import { instanceUnit, requireRoot } from './common';
import { UserError } from './user-error';

export interface RollOptions {
  check?: string;
  checkTimeoutSec: number;
  /** Progress lines (stdout, or stderr under --json). */
  log(text: string): void;
}

export interface InstanceOutcome {
  instance: number;
  unit: string;
  release: string | null;
  pid: number | null;
  restarted: boolean;
}

export interface RollResult {
  app: string;
  release: string;
  previous: string | null;
  changed: boolean;
  ok: boolean;
  /** Set when the new release failed and current went back to `previous`. */
  rolledBack: boolean;
  failedInstance?: string;
  reason?: string;
  journal?: string[];
  instances: InstanceOutcome[];
  pruned: string[];
}

/** The deploy failure, with the result to print under --json. */
export class DeployFailed extends UserError {
  constructor(
    message: string,
    readonly result: RollResult,
  ) {
    super(message);
  }
}

async function mainPid(unit: string): Promise<number | null> {
  const pid = Number((await showUnits([unit], ['MainPID'])).get(unit)?.MainPID ?? '0');
  return pid > 0 ? pid : null;
}

/**
 * One instance: a blocking `systemctl restart` returns when the Type=notify
 * start job is done, i.e. at READY=1, or fails when the instance exits, is
 * killed or times out first. Then the optional check against its own PID.
 */
async function restartOne(app: InstalledApp, n: number, opts: RollOptions, withCheck: boolean): Promise<{ ok: true; pid: number } | { ok: false; reason: string }> {
  const unit = instanceUnit(app.name, n);
  const r = await systemctl(['restart', unit]);
  const p = (await showUnits([unit], ['ActiveState', 'SubState', 'Result', 'MainPID'])).get(unit) ?? {};
  const pid = Number(p.MainPID ?? '0');
  if (r.code !== 0 || p.ActiveState !== 'active' || !(pid > 0)) {
    return { ok: false, reason: `did not become ready (${p.ActiveState}/${p.SubState}, result ${p.Result})` };
  }
  if (withCheck && opts.check) {
    const c = await checkInstance(opts.check, pid, opts.checkTimeoutSec * 1000);
    if (c.outcome === 'bad') return { ok: false, reason: `--check ${opts.check} answered HTTP ${c.status}` };
    if (c.outcome === 'timeout') return { ok: false, reason: `--check ${opts.check} got no 2xx from pid ${pid} within ${opts.checkTimeoutSec}s (last: ${c.last})` };
  }
  return { ok: true, pid };
}

function releasesLine(app: string, instances: InstanceOutcome[]): string {
  return `  ${app}: ${instances.map((i) => `@${i.instance} ${i.release ?? '?'}`).join('  ')}\n`;
}

/** Each instance with the release its process runs, and those a roll to `to` restarts: not active, or on another release. */
async function instancesNow(app: InstalledApp, to: string): Promise<{ instances: InstanceOutcome[]; todo: InstanceOutcome[] }> {
  const units = app.instances.map((n) => instanceUnit(app.name, n));
  const pids = await showUnits(units, ['MainPID', 'ActiveState']);
  const instances = app.instances.map((n, i) => {
    const pid = Number(pids.get(units[i])?.MainPID ?? '0');
    return { instance: n, unit: units[i], pid: pid > 0 ? pid : null, release: pid > 0 ? (releaseOfProcess(app.name, pid) ?? null) : null, restarted: false };
  });
  return { instances, todo: instances.filter((i) => i.release !== to || pids.get(i.unit)?.ActiveState !== 'active') };
}

/**
 * Points `current` at `to` and restarts, one at a time, each instance not
 * already running it. When an instance does not come back (or fails the
 * check), `current` goes back to `from`, the instances restarted so far (the
 * failed one included) are restarted on it, the others are never touched, and
 * a DeployFailed names the release and carries the journal lines.
 */
export async function rollTo(app: InstalledApp | undefined, name: string, to: string, from: string | undefined, opts: RollOptions): Promise<RollResult> {
  const result: RollResult = { app: name, release: to, previous: from ?? null, changed: false, ok: true, rolledBack: false, instances: [], pruned: [] };
  if (from !== to) {
    switchCurrent(name, to);
    result.changed = true;
  }
  if (!app || app.instances.length === 0) {
    opts.log(`${name}: current -> ${to}${app ? '' : ` (no app '${name}' installed yet: 'nodeunit enable ${name} <script> --release-dir' runs it)`}\n`);
    return result;
  }
  const now = await instancesNow(app, to);
  result.instances = now.instances;
  const todo = now.todo;
  if (todo.length === 0) {
    opts.log(`${name}: every instance already runs ${to}; nothing restarted\n`);
    return result;
  }
  result.changed = true;
  const done: InstanceOutcome[] = [];
  for (const [k, inst] of todo.entries()) {
    const t0 = Date.now();
    const since = Date.now() / 1000 - 1;
    opts.log(`${inst.unit.replace(/\.service$/, '')}: restarting on ${to} (${k + 1}/${todo.length}) ... `);
    const r = await restartOne(app, inst.instance, opts, k === 0);
    if (r.ok) {
      const before = inst.pid;
      inst.pid = r.pid;
      inst.release = releaseOfProcess(name, r.pid) ?? null;
      inst.restarted = true;
      done.push(inst);
      opts.log(`ready, pid ${before ?? '-'} -> ${r.pid} (${((Date.now() - t0) / 1000).toFixed(1)}s)\n`);
      opts.log(releasesLine(name, result.instances));
      continue;
    }
    opts.log(`FAILED: ${r.reason}\n`);
    const extra = app.balance === 'shared' ? socketUnitsOf(app) : socketUnitsOf(app, inst.instance);
    result.journal = await journalTail([inst.unit, ...extra], 15, since);
    result.ok = false;
    result.failedInstance = inst.unit.replace(/\.service$/, '');
    result.reason = r.reason;
    const untouched = result.instances.filter((i) => !done.includes(i) && i !== inst).map((i) => `@${i.instance}`);
    if (from === undefined || from === to) {
      throw new DeployFailed(`release ${to}: ${result.failedInstance} ${r.reason}; there is no previous release to go back to`, result);
    }
    opts.log(`${name}: rolling back: current -> ${from}\n`);
    switchCurrent(name, from);
    result.rolledBack = true;
    for (const back of [inst, ...done.reverse()]) {
      opts.log(`${back.unit.replace(/\.service$/, '')}: restarting on ${from} ... `);
      const b = await restartOne(app, back.instance, opts, false);
      back.pid = b.ok ? b.pid : await mainPid(back.unit);
      back.release = back.pid ? (releaseOfProcess(name, back.pid) ?? null) : null;
      opts.log(b.ok ? `ready, pid ${b.pid}\n` : `FAILED too: ${b.reason}\n`);
    }
    opts.log(releasesLine(name, result.instances));
    throw new DeployFailed(
      `release ${to} failed: ${result.failedInstance} ${r.reason}; rolled back to ${from}` +
        (untouched.length ? ` (${untouched.join(', ')} never touched)` : '') +
        `; journal lines above, more with 'nodeunit logs ${name} --instance ${inst.instance}'`,
      result,
    );
  }
  return result;
}

interface DeployArgv {
  name: string;
  source: string;
  keep: string;
  check?: string;
  checkTimeout: string;
  json: boolean;
  dryRun: boolean;
}

/** What `deploy --dry-run` prints under --json. */
export interface DeployPreview {
  app: string;
  dryRun: true;
  /** Whether the deploy would change anything: a new current release, or instances to restart onto it. */
  changed: boolean;
  /** The release on disk with this content, or null when the deploy would create one. */
  release: string | null;
  /** The content hash, the last part of a release id. */
  hash: string;
  /** The release current points at now. */
  previous: string | null;
  /** Instances the deploy would restart. */
  instancesToRestart: number[];
}

/**
 * deploy --dry-run: the content hash of the source compared with the current
 * release, and which instances would restart; nothing is written under
 * /var/lib/nodeunit and nothing is restarted.
 */
export async function previewDeploy(name: string, source: string): Promise<DeployPreview> {
  const from = currentRelease(name);
  const { hash, id } = previewRelease(name, source);
  const app = installedApp(name);
  let restart: number[] = [];
  if (app && app.instances.length > 0) restart = id === undefined ? [...app.instances] : (await instancesNow(app, id)).todo.map((i) => i.instance);
  return { app: name, dryRun: true, changed: id === undefined || id !== from || restart.length > 0, release: id ?? null, hash, previous: from ?? null, instancesToRestart: restart };
}

function parseKeep(v: string): number {
  if (!/^\d+$/.test(String(v)) || Number(v) < 1 || Number(v) > 1000) throw new UserError(`--keep must be a whole number 1-1000, not '${v}'`, 2);
  return Number(v);
}

function parseCheck(argv: { check?: string; checkTimeout: string }): { check?: string; checkTimeoutSec: number } {
  if (argv.check !== undefined) {
    let u: URL;
    try {
      u = new URL(argv.check);
    } catch {
      throw new UserError(`--check must be a URL like http://127.0.0.1:8080/health, not '${argv.check}'`, 2);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UserError(`--check must be an http:// or https:// URL, not '${argv.check}'`, 2);
  }
  if (!/^\d+$/.test(String(argv.checkTimeout)) || Number(argv.checkTimeout) < 1) throw new UserError(`--check-timeout must be whole seconds, not '${argv.checkTimeout}'`, 2);
  return { check: argv.check, checkTimeoutSec: Number(argv.checkTimeout) };
}

/** Runs a roll and prints: progress on stdout (stderr under --json), then the result as JSON under --json. */
async function runRoll(json: boolean, roll: (opts: RollOptions) => Promise<RollResult>, check: { check?: string; checkTimeoutSec: number }): Promise<RollResult> {
  const log = (t: string) => (json ? process.stderr : process.stdout).write(t);
  try {
    const r = await roll({ ...check, log });
    if (json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
    return r;
  } catch (err) {
    if (err instanceof DeployFailed) {
      if (err.result.journal?.length) process.stderr.write(`${err.result.failedInstance}: its last journal lines:\n${err.result.journal.map((l) => `  ${l}\n`).join('')}`);
      if (json) process.stdout.write(JSON.stringify(err.result, null, 2) + '\n');
    }
    throw err;
  }
}

export async function deploy(argv: DeployArgv): Promise<void> {
  requireRoot('deploy');
  const name = validateAppName(argv.name);
  const keep = parseKeep(argv.keep);
  const check = parseCheck(argv);
  if (argv.dryRun) {
    const p = await previewDeploy(name, argv.source);
    if (argv.json) process.stdout.write(JSON.stringify(p, null, 2) + '\n');
    else {
      const what = p.release === null ? `a new release (content ${p.hash})` : p.release;
      const restart = p.instancesToRestart.length ? `would restart ${p.instancesToRestart.map((n) => `@${n}`).join(' ')}` : 'would restart nothing';
      process.stdout.write(p.changed ? `${name}: would deploy ${what} over ${p.previous ?? '(no release yet)'}; ${restart}\n` : `${name}: ${p.release} is already deployed and running; nothing would change\n`);
    }
    return;
  }
  const app = installedApp(name);
  const from = currentRelease(name);
  const staged = stageRelease(name, argv.source);
  const log = (t: string) => (argv.json ? process.stderr : process.stdout).write(t);
  log(`${name}: release ${staged.id} ${staged.created ? `staged from ${argv.source}` : '(this content is already on disk)'}\n`);
  await runRoll(
    argv.json,
    async (opts) => {
      const r = await rollTo(app, name, staged.id, from, opts);
      r.pruned = pruneReleases(name, keep);
      if (r.pruned.length) opts.log(`${name}: pruned ${r.pruned.join(', ')} (--keep ${keep})\n`);
      if (!argv.json) opts.log(r.changed ? `${name}: deployed ${staged.id}\n` : `${name}: ${staged.id} is already deployed; nothing changed\n`);
      return r;
    },
    check,
  );
}

export async function rollback(argv: { name: string; check?: string; checkTimeout: string; json: boolean }): Promise<void> {
  requireRoot('rollback');
  const name = validateAppName(argv.name);
  const check = parseCheck(argv);
  const from = currentRelease(name);
  const to = previousRelease(name);
  if (to === undefined) throw new UserError(`${name} has no previous release to roll back to ('nodeunit releases ${name}' lists them)`);
  await runRoll(
    argv.json,
    async (opts) => {
      const r = await rollTo(installedApp(name), name, to, from, opts);
      if (!argv.json) opts.log(`${name}: rolled back to ${to}\n`);
      return r;
    },
    check,
  );
}

const checkOptions = {
  check: { type: 'string', describe: 'after the first instance restarts, this URL must answer 2xx from that instance (e.g. http://127.0.0.1:8080/health)' },
  'check-timeout': { type: 'string', default: '10', describe: 'seconds the --check may take' },
  json: { type: 'boolean', default: false, describe: 'print the result as JSON on stdout (progress goes to stderr)' },
} as const;

export const deployCommand: CommandModule<object, DeployArgv> = {
  command: 'deploy <name> <source>',
  describe: 'put a release (directory or tarball) in /var/lib/nodeunit/<name>/releases, point current at it, rolling restart; rolls back by itself if the first instance fails',
  builder: (y) =>
    y
      .positional('name', { type: 'string', demandOption: true })
      .positional('source', { type: 'string', demandOption: true, describe: 'a directory or a .tar/.tar.gz/.tgz/.tar.xz' })
      .option('keep', { type: 'string', default: '5', describe: 'releases to keep on disk (the current and previous ones always stay)' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'say whether the deploy would change anything (content hash vs the current release), change nothing' })
      .options(checkOptions)
      .example('$0 deploy myapp ./build --check http://127.0.0.1:8080/health', '') as never,
  handler: underAppLock('deploy', (a) => a.name, deploy),
};

export const rollbackCommand: CommandModule<object, { name: string; check?: string; checkTimeout: string; json: boolean }> = {
  command: 'rollback <name>',
  describe: 'point current back at the previous release and restart the instances on it, one at a time',
  builder: (y) => y.positional('name', { type: 'string', demandOption: true }).options(checkOptions) as never,
  handler: underAppLock('rollback', (a) => a.name, rollback),
};
