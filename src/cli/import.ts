import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { withAppLock } from '../system/app-lock';
import { connect } from 'node:net';
import { availableParallelism, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { applyApp, rolloutApp } from '../apps/apply';
import { planApp, renderAppFiles, type AppPlan } from '../apps/plan';
import { convertApps, type ImportedApp, type ImportHost } from '../import/convert';
import { fileSystemHost } from '../import/host';
import { appsFromRecords, readDump, type DumpApp } from '../import/dump';
import { loadConfig } from '../import/load';
import { parseWritable } from '../apps/spec';
import { resolveNode } from '../launcher/resolve-node';
import { pm2HolderOf, pm2List, pm2OrFail, probePort, type Pm2Owner } from '../system/pm2';
import { run } from '../system/run';
import { socketUnitsOf, type InstalledApp } from '../system/app-state';
import { hostSystemdVersion, systemctl } from '../system/systemctl';
import { nodeunitPath, out, printStartFailures, printStatus, requireRoot } from './common';
import { cliReporter } from './enable';
import { OLDEST_SYSTEMD } from './generate';
import { formatImportedApp, importedAppJson } from './import-plan';
import { UserError } from './user-error';

interface ImportArgv {
  file?: string;
  env?: string;
  dryRun?: boolean;
  json?: boolean;
  only?: string | string[];
  output?: string;
  port?: string | string[];
  writable?: string | string[];
  cpus?: string;
  instancesFor?: string;
  instancesFromHost?: boolean;
  allowWatch?: boolean;
  force?: boolean;
  cutover?: boolean;
  fromPm2?: boolean;
  dump?: string;
  pm2User?: string;
}

const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** `--port APP=PORT`, repeatable. */
export function parseAppPorts(values: string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const v of values) {
    const m = /^(.+)=(\d+)$/.exec(v);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new UserError(`--port '${v}': expected APP=PORT, e.g. --port api=3000`, 2);
    out.set(m[1], Number(m[2]));
  }
  return out;
}

/**
 * The CPUs pm2's instances "max", 0 and -k are computed for: this host's
 * (--instances-from-host, the default; the plan says "on this N-CPU host"), or
 * a fixed count for the host the units are meant for (--instances-for N, or
 * its older name --cpus N), which --no-instances-from-host requires.
 */
export function instancesCpus(argv: Pick<ImportArgv, 'cpus' | 'instancesFor' | 'instancesFromHost'>, hostCpus: number): { cpus: number; cpusFrom: string } {
  const given = [['--instances-for', argv.instancesFor], ['--cpus', argv.cpus]].filter((g): g is [string, string] => g[1] !== undefined);
  if (given.length > 1) throw new UserError('--instances-for and --cpus are the same option; give one', 2);
  if (given.length === 0) {
    if (argv.instancesFromHost === false) throw new UserError('--no-instances-from-host needs a fixed count: add --instances-for N (the CPUs instances "max", 0 and -k are computed for)', 2);
    return { cpus: hostCpus, cpusFrom: 'this host' };
  }
  const [option, raw] = given[0];
  const value = Array.isArray(raw) ? String(raw[raw.length - 1]) : String(raw);
  if (argv.instancesFromHost === true) throw new UserError(`--instances-from-host and ${option} ${value} exclude each other: drop one`, 2);
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UserError(`${option} must be a whole number >= 1, not '${value}'`, 2);
  return { cpus: Number(value), cpusFrom: `${option} ${value}` };
}

/**
 * Whose pm2 --from-pm2 and --cutover drive: --pm2-user USER; else, under
 * sudo, the invoking user's ($SUDO_USER) when that user has a ~/.pm2; else
 * this process's own pm2. Undefined: this process's own.
 */
export function choosePm2User(o: { flag?: string; sudoUser?: string; me: string; hasPm2Home(user: string): boolean }): string | undefined {
  const name = o.flag ?? (o.sudoUser && o.sudoUser !== 'root' && o.sudoUser !== o.me && o.hasPm2Home(o.sudoUser) ? o.sudoUser : undefined);
  return name === undefined || name === o.me ? undefined : name;
}

async function homeOf(user: string): Promise<string | undefined> {
  const r = await run('getent', ['passwd', user]);
  const home = r.code === 0 ? r.stdout.split('\n')[0].split(':')[5] : undefined;
  return home || undefined;
}

/** The owner of the pm2 to drive (see choosePm2User), checked: the user exists and we may act as them. */
export async function pm2OwnerOf(argv: Pick<ImportArgv, 'pm2User'>): Promise<Pm2Owner | undefined> {
  const homes = new Map<string, string | undefined>();
  for (const u of [argv.pm2User, process.env.SUDO_USER]) if (u) homes.set(u, await homeOf(u));
  const user = choosePm2User({
    flag: argv.pm2User,
    sudoUser: process.env.SUDO_USER,
    me: userInfo().username,
    hasPm2Home: (u) => homes.get(u) !== undefined && existsSync(join(homes.get(u)!, '.pm2')),
  });
  if (user === undefined) return undefined;
  const home = homes.get(user);
  if (home === undefined) throw new UserError(`--pm2-user ${user}: no such user`, 2);
  if (process.getuid?.() !== 0) throw new UserError(`--pm2-user ${user}: driving another user's pm2 needs root; run with sudo`);
  return { user, home };
}

/** `--writable DIR` (every app) or `--writable APP=DIR`, repeatable; keyed by app, '' for every app. */
export function parseImportWritable(values: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const v of values) {
    const m = /^([^/=][^=]*)=(.*)$/.exec(v);
    const [app, dir] = m ? [m[1], m[2]] : ['', v];
    if (m && !dir.startsWith('/')) throw new UserError(`--writable '${v}': the directory is not an absolute path; give its full path, starting with /`, 2);
    const [parsed] = parseWritable([dir]);
    out.set(app, [...new Set([...(out.get(app) ?? []), parsed])]);
  }
  return out;
}

/** Loads, converts and filters (--only): everything import decides before touching the system. */
export async function importPlan(argv: ImportArgv, cwd: string, install: boolean): Promise<ImportedApp[]> {
  const sources = [argv.file !== undefined, argv.fromPm2 === true, argv.dump !== undefined].filter(Boolean).length;
  if (sources === 0) throw new UserError('nothing to import: give an ecosystem file, --from-pm2 (the running pm2) or --dump ~/.pm2/dump.pm2', 2);
  if (sources > 1) throw new UserError('give one of: an ecosystem file, --from-pm2, --dump FILE', 2);
  let dumpApps: DumpApp[] | undefined;
  let config: { file: string; apps: Array<Record<string, unknown>>; deploy?: Record<string, unknown> };
  if (argv.file !== undefined) config = await loadConfig(argv.file, cwd);
  else {
    let records: Array<Record<string, unknown>>;
    let where: string;
    if (argv.dump !== undefined) {
      where = resolve(cwd, argv.dump);
      records = readDump(where);
    } else {
      const owner = await pm2OwnerOf(argv);
      const list = await pm2List(owner);
      if (list === undefined) throw new UserError(`--from-pm2: no 'pm2' on PATH${owner ? ` for user ${owner.user}` : ''}; put it on PATH, or use --dump ~USER/.pm2/dump.pm2`);
      records = list.map((p) => p.pm2_env);
      where = join(cwd, owner ? `pm2 jlist of user ${owner.user}` : 'pm2 jlist');
    }
    dumpApps = appsFromRecords(records);
    config = { file: where, apps: dumpApps.map((d) => d.app) };
  }
  const { cpus, cpusFrom } = instancesCpus(argv, availableParallelism());
  const systemd = install ? undefined : (await hostSystemdVersion()).version;
  const host: ImportHost = {
    ...fileSystemHost(),
    cwd: dirname(config.file),
    envName: argv.env,
    deploy: config.deploy,
    cpus,
    cpusFrom,
    ports: parseAppPorts(list(argv.port)),
    writable: parseImportWritable(list(argv.writable)),
    allowWatch: argv.allowWatch === true,
    systemdVersion: install ? (await hostSystemdVersion()).version ?? OLDEST_SYSTEMD : systemd ?? OLDEST_SYSTEMD,
    nodeunitPath: install ? nodeunitPath() : '/usr/bin/nodeunit',
    resolveNode: (flag) => {
      if (flag !== undefined) return flag;
      try {
        return resolveNode({ env: process.env.NODEUNIT_NODE, path: process.env.PATH, cwd });
      } catch (err) {
        if (install) throw err;
        return '/usr/bin/node';
      }
    },
  };
  let apps = convertApps(config.apps, host);
  if (dumpApps) {
    for (const [i, d] of dumpApps.entries()) {
      apps[i].verdicts.push({
        key: 'env',
        kind: 'mapped',
        topic: 'other',
        text: `from ${d.processes} pm2 process record${d.processes > 1 ? 's' : ''}: kept ${d.keptEnv.join(', ') || 'nothing'}; dropped ${d.droppedEnv.length} shell and pm2 variables`,
      });
    }
  }
  const strangers = [...host.writable!.keys()].filter((k) => k !== '' && !apps.some((a) => a.pm2Name === k || a.name === k));
  if (strangers.length) throw new UserError(`--writable ${strangers[0]}=...: no such app in ${config.file} (apps: ${apps.map((a) => a.pm2Name).join(', ')})`, 2);
  const only = list(argv.only);
  if (only.length) {
    const missing = only.filter((n) => !apps.some((a) => a.pm2Name === n || a.name === n));
    if (missing.length) throw new UserError(`--only ${missing.join(', ')}: no such app in ${config.file} (apps: ${apps.map((a) => a.pm2Name).join(', ')})`, 2);
    apps = apps.filter((a) => only.includes(a.pm2Name) || only.includes(a.name));
  }
  return apps;
}

function footer(apps: ImportedApp[], next: string): string {
  const refused = apps.filter((a) => a.refused.length).length;
  return `${apps.length} app${apps.length === 1 ? '' : 's'}, ${refused} refused.${next ? ` ${next}` : ''}\n`;
}

export async function importCommandHandler(argv: ImportArgv): Promise<void> {
  const install = !argv.dryRun && argv.output === undefined;
  if (install) requireRoot('import');
  const apps = await importPlan(argv, process.cwd(), install);
  const refused = apps.filter((a) => a.refused.length);
  if (argv.json) out(JSON.stringify({ apps: apps.map(importedAppJson), refused: refused.length }, null, 2) + '\n');
  else out(apps.map(formatImportedApp).join('') + footer(apps, argv.dryRun ? 'Run again without --dry-run to install, or with --output DIR to write the units.' : ''));
  if (argv.dryRun) return;
  if (refused.length) {
    throw new UserError(
      `${refused.map((a) => a.name).join(', ')} refused (see above); nothing was ${install ? 'installed' : 'written'}: fix the file, or leave ${refused.length > 1 ? 'them' : 'it'} out with --only`,
    );
  }
  if (argv.output !== undefined) {
    const dir = resolve(argv.output);
    for (const app of apps) {
      for (const f of renderAppFiles(app.spec!, app.spec!.user.kind === 'static' && app.spec!.user.name !== app.name)) {
        const path = join(dir, f.path);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, f.content);
        if (!argv.json) out(`wrote ${path}\n`);
      }
      if (app.secrets?.length) {
        process.stderr.write(`${app.name}: secret${app.secrets.length > 1 ? 's' : ''} ${app.secrets.map(([k]) => k).join(', ')} not written (a unit file is readable by everyone); after installing the units: nodeunit secret set ${app.name} KEY < file\n`);
      }
    }
    return;
  }
  // Every app is checked (files, ports, foreign units) before the first one is written.
  const owner = await pm2OwnerOf(argv);
  const pm2 = argv.cutover ? await pm2List(owner) : undefined;
  if (argv.cutover && pm2 === undefined) throw new UserError(`--cutover: no 'pm2' on PATH${owner ? ` for user ${owner.user}` : ''}; put it on PATH`);
  const plans: Array<[ImportedApp, AppPlan]> = [];
  for (const app of apps) {
    try {
      plans.push([app, await planApp(app.spec!, { force: argv.force, portsTakenOk: argv.cutover, secrets: app.secrets })]);
    } catch (err) {
      const port = /^port (?:\S+:)?(\d+) is already in use/.exec((err as Error).message)?.[1];
      const list = port === undefined ? undefined : await pm2List(owner).catch(() => undefined);
      const holder = port === undefined || list === undefined ? undefined : await pm2HolderOf(Number(port), list);
      if (holder) throw new UserError(`${app.name}: port ${port} is held by ${holder}; 'nodeunit import --cutover' stops it right before the units start (nothing was installed)`);
      throw err;
    }
  }
  const cutovers: string[] = [];
  for (const [app, plan] of plans) {
    const cutover = await withAppLock(app.name, `nodeunit import ${app.name}`, (line) => process.stderr.write(line), () => installImported(app, plan, pm2, owner));
    if (cutover) cutovers.push(cutover);
  }
  if (cutovers.length) {
    // pm2 must not resurrect the apps at boot.
    await pm2OrFail(['save', '--force'], owner);
    out(`pm2 save: pm2's process list no longer has ${cutovers.length === 1 ? 'this app' : `these ${cutovers.length} apps`}\n`);
  }
}

/** Installs and starts one imported app (under its lock); returns the cut-over line when pm2 ran it. */
async function installImported(app: ImportedApp, plan: AppPlan, pm2: Awaited<ReturnType<typeof pm2List>>, owner: Pm2Owner | undefined): Promise<string | undefined> {
  const { now, secretsChanged } = await applyApp(plan, cliReporter);
  const inPm2 = pm2?.filter((p) => p.name === app.pm2Name) ?? [];
  if (!app.autostart) {
    if (inPm2.length) await stopInPm2(app.pm2Name, owner);
    out(`${app.name}: installed and enabled at boot, not started (pm2 autostart: false); start it with: nodeunit start ${app.name}\n`);
    return undefined;
  }
  const probe = inPm2.length && app.spec!.ports.length ? probePort(app.spec!.ports[0].port, app.spec!.ports[0].host ?? '127.0.0.1') : undefined;
  const t0 = Date.now();
  try {
    // pm2 stop frees the port; the units start at once (the socket first); pm2 delete after, out of the gap.
    if (inPm2.length) await stopInPm2ThenListen(app, now, owner);
    const outcome = await rolloutApp(plan, now, cliReporter, secretsChanged);
    if (outcome === 'up-to-date') out(`${app.name}: up to date, nothing changed and nothing restarted\n`);
  } catch (err) {
    await probe?.stop();
    printStartFailures(err);
    throw err;
  }
  if (inPm2.length) {
    const ready = Date.now() - t0;
    const r = probe ? await probe.stop() : undefined;
    await pm2OrFail(['delete', app.pm2Name], owner);
    const text = `${app.name}: cut over from ${owner ? `${owner.user}'s ` : ''}pm2 (${inPm2.length} process${inPm2.length > 1 ? 'es' : ''} stopped and deleted); ready under systemd ${ready} ms after pm2 stop${r ? `; port ${app.spec!.ports[0].port} refused ${r.refused} probe connection${r.refused === 1 ? '' : 's'}, gap ${r.gapMs} ms` : ''}`;
    out(`${text}\n`);
    await printStatus(now);
    return text;
  }
  await printStatus(now);
  return undefined;
}

/**
 * `pm2 stop`, and the app's sockets started the moment the port is free
 * (polled every 2 ms), not when the pm2 CLI returns: connections queue on
 * systemd's socket from then on, which shortens the refused window.
 */
async function stopInPm2ThenListen(app: ImportedApp, now: InstalledApp, owner: Pm2Owner | undefined): Promise<void> {
  let stopped = false;
  const stopping = pm2OrFail(['stop', app.pm2Name], owner).finally(() => (stopped = true));
  const sockets = socketUnitsOf(now);
  if (sockets.length) {
    const listen = app.spec!.ports[0];
    // Refused = nothing listens any more (a test bind would briefly take the port from clients).
    while (!stopped && !(await refuses(listen.port, listen.host ?? '127.0.0.1'))) await new Promise((r) => setTimeout(r, 2));
    await systemctl(['start', '--no-block', ...sockets]);
  }
  await stopping;
}

function refuses(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

async function stopInPm2(name: string, owner: Pm2Owner | undefined): Promise<void> {
  await pm2OrFail(['stop', name], owner);
  await pm2OrFail(['delete', name], owner);
}

export const importCommand: CommandModule<object, ImportArgv> = {
  command: 'import [file]',
  describe: 'install the apps of a pm2 ecosystem file (.config.js, .cjs, .mjs, .json, .yml) as systemd units',
  builder: (y) =>
    y
      .positional('file', { type: 'string', describe: 'ecosystem.config.js, process.json, ecosystem.yml ...' })
      .option('env', { type: 'string', describe: 'use env_<NAME> (and deploy.<NAME>.env), like pm2 start --env NAME' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'print the plan, change nothing' })
      .option('json', { type: 'boolean', default: false, describe: 'the plan as JSON' })
      .option('only', { type: 'string', describe: 'import only this app (repeatable)' })
      .option('output', { alias: 'o', type: 'string', describe: 'write the unit files into this directory instead of installing' })
      .option('port', { alias: 'p', type: 'string', describe: "APP=PORT: the port of an app whose port the file does not give (repeatable)" })
      .option('instances-from-host', { type: 'boolean', describe: 'compute instances "max", 0 and -k from this host\'s CPUs (the default; the plan says so)' })
      .option('instances-for', { type: 'string', describe: 'compute instances "max", 0 and -k for N CPUs instead (with --no-instances-from-host, or alone)' })
      .option('cpus', { type: 'string', describe: 'the same as --instances-for N' })
      .option('writable', { type: 'string', describe: 'DIR or APP=DIR: a directory the app writes, absolute (ReadWritePaths=; also BindPaths= under /home); repeatable' })
      .option('allow-watch', { type: 'boolean', default: false, describe: 'accept watch (a .path unit on the listed top-level paths)' })
      .option('force', { type: 'boolean', default: false, describe: 'overwrite unit files that nodeunit did not write' })
      .option('from-pm2', { type: 'boolean', default: false, describe: "import what the running pm2 runs (pm2 jlist, as the user running pm2)" })
      .option('dump', { type: 'string', describe: "import a pm2 dump (pm2 save writes ~/.pm2/dump.pm2)" })
      .option('pm2-user', { type: 'string', describe: "the user that runs pm2 (its ~/.pm2), for --from-pm2 and --cutover (default: $SUDO_USER's pm2 under sudo when it has one, else your own)" })
      .option('cutover', { type: 'boolean', default: false, describe: 'stop each app in pm2 right before its units start (pm2 stop, delete, save) and report the gap' })
      .example('$0 import /srv/shop/ecosystem.config.js --env production --dry-run', '') as never,
  handler: importCommandHandler,
};
