import { UserError } from '../errors';
import { installedApp, type InstalledApp } from '../system/app-state';
import { checkFilesForService, portInUse } from '../system/preflight';
import { renderSysusers } from '../system/sysusers';
import { showUnits } from '../system/systemctl';
import { describePlan, planChanged, planUnitFiles, type FilePlan } from '../system/unit-files';
import type { AppSpec, RenderedFile } from '../units/app-spec';
import { renderApp, serviceTemplate, socketUnitForInstance } from '../units/index';

/** What installing one AppSpec on this host changes, decided before anything is written. */
export interface AppPlan {
  spec: AppSpec;
  /** The unit files, each new / changed / unchanged, and the files to remove. */
  files: FilePlan;
  /** What is installed now (undefined: a first install). */
  before?: InstalledApp;
  /** Any unit file is written or removed. */
  changed: boolean;
  /** A socket unit is added, changed or removed: running instances must stop first. */
  socketsChanged: boolean;
  /** The service template changes: running instances restart (one at a time). */
  serviceChanged: boolean;
  /** Instance numbers enabled now and not before, and the reverse. */
  added: number[];
  dropped: number[];
  /** Secrets to store as systemd credentials (KEY, value); values never leave apply. */
  secrets: Array<[string, string]>;
}

/**
 * The files enable installs for a spec, as `generate` shows them for another
 * machine: the units, plus the sysusers.d entry when the user is the
 * default one named after the app (`userGiven`: the user was named explicitly).
 */
export function renderAppFiles(spec: AppSpec, userGiven: boolean): RenderedFile[] {
  const files = renderApp(spec);
  if (spec.user.kind === 'static' && !userGiven) {
    files.push({ path: `sysusers.d/nodeunit-${spec.name}.conf`, content: renderSysusers(spec.name, spec.user.name) });
  }
  return files;
}

/** The ports the app must find free: those not already served by its own active sockets. */
async function checkPorts(spec: AppSpec): Promise<void> {
  const ours = spec.ports.map((p) => socketUnitForInstance(spec.name, p.port, spec.balance, '1'));
  const active = await showUnits(ours, ['ActiveState']);
  for (const [i, listen] of spec.ports.entries()) {
    if (active.get(ours[i])?.ActiveState === 'active') continue;
    if (await portInUse(listen)) {
      throw new UserError(`port ${listen.host ? `${listen.host}:` : ''}${listen.port} is already in use by another program ('ss -ltnp' shows which)`);
    }
  }
}

/**
 * Checks the host for everything that would make the app fail (script, cwd,
 * node, env file, sandbox visibility, foreign unit files, ports taken) and
 * compares the rendered units with what is on disk. Writes nothing; throws a
 * UserError naming the first problem.
 */
export async function planApp(spec: AppSpec, opts: { force?: boolean; portsTakenOk?: boolean; secrets?: Array<[string, string]> } = {}): Promise<AppPlan> {
  await checkFilesForService(spec);
  const files = planUnitFiles(spec.name, renderApp(spec), { force: opts.force });
  // import --cutover: pm2 holds the ports until right before the units start.
  if (!opts.portsTakenOk) await checkPorts(spec);
  const before = installedApp(spec.name);
  const app = spec.name;
  const socketsChanged = [...files.writes.filter((w) => w.state !== 'unchanged'), ...files.removals].some((f) => f.path.endsWith('.socket'));
  const serviceChanged = files.writes.some((w) => w.path.endsWith(`/${serviceTemplate(app)}`) && w.state === 'changed');
  const dropped = before ? before.instances.filter((n) => n > spec.instances) : [];
  const added = before ? Array.from({ length: spec.instances }, (_, i) => i + 1).filter((n) => !before.instances.includes(n)) : [];
  return { spec, files, before, changed: planChanged(files), socketsChanged, serviceChanged, added, dropped, secrets: opts.secrets ?? [] };
}

/** `app: installing` / `app: changing` and the files, or undefined when nothing changes. */
export function describeAppPlan(plan: AppPlan): string | undefined {
  const app = plan.spec.name;
  if (plan.before && !plan.changed) return undefined;
  return `${app}: ${plan.before ? 'changing' : 'installing'}\n${describePlan(plan.files).join('\n')}\n`;
}
