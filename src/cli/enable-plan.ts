import { resolveNode } from '../launcher/resolve-node';
import { installedApp } from '../system/app-state';
import { checkFilesForService } from '../system/preflight';
import { showUnits, systemdVersion } from '../system/systemctl';
import { lookupUser } from '../system/users';
import { describePlan, planChanged, planUnitFiles } from '../system/unit-files';
import { renderApp } from '../units/index';
import { buildAppSpec, type AppArgv } from './app-options';
import { instanceUnit, nodeunitPath, out } from './common';

/** What `enable --check` reports: what `enable` with the same options would do, nothing done. */
export interface EnablePlan {
  app: string;
  /** Whether enable would change or start anything. */
  changed: boolean;
  installed: boolean;
  files: Array<{ path: string; state: 'new' | 'changed' | 'unchanged' | 'removed' }>;
  userToCreate: string | null;
  instancesToAdd: number[];
  instancesToRemove: number[];
  instancesToStart: number[];
  /** describePlan's lines: + new, ~ changed (with a line diff), - removed. */
  summary: string[];
  /** The changed files' old and new text, for a diff (Ansible's --diff). */
  diff: { before: string; after: string };
}

/**
 * The plan half of enable: the same parsing, checks and rendering, then a
 * comparison with the host, and nothing written. Errors are enable's own
 * one-line errors.
 */
export async function planEnable(argv: AppArgv & { force?: boolean }): Promise<EnablePlan> {
  const cwd = process.cwd();
  const spec = buildAppSpec(argv, {
    cwd,
    systemdVersion: await systemdVersion(),
    nodeunitPath: nodeunitPath(),
    resolveNode: (flag) => resolveNode({ flag, env: process.env.NODEUNIT_NODE, path: process.env.PATH, cwd }),
  });
  await checkFilesForService(spec);
  const plan = planUnitFiles(spec.name, renderApp(spec), { force: argv.force });
  const before = installedApp(spec.name);
  const wanted = Array.from({ length: spec.instances }, (_, i) => i + 1);
  const instancesToAdd = wanted.filter((n) => !before?.instances.includes(n));
  const instancesToRemove = (before?.instances ?? []).filter((n) => n > spec.instances);
  const states = await showUnits(wanted.map((n) => instanceUnit(spec.name, n)), ['ActiveState']);
  const instancesToStart = wanted.filter((n) => states.get(instanceUnit(spec.name, n))?.ActiveState !== 'active');
  const userToCreate = spec.user.kind === 'static' && (await lookupUser(spec.user.name)) === undefined ? spec.user.name : null;
  const changedFiles = plan.writes.filter((w) => w.state !== 'unchanged');
  const section = (path: string, text: string) => `# ${path}\n${text}`;
  return {
    app: spec.name,
    changed: planChanged(plan) || !before || userToCreate !== null || instancesToAdd.length + instancesToRemove.length + instancesToStart.length > 0,
    installed: before !== undefined,
    files: [...plan.writes.map((w) => ({ path: w.path, state: w.state })), ...plan.removals.map((r) => ({ path: r.path, state: 'removed' as const }))],
    userToCreate,
    instancesToAdd,
    instancesToRemove,
    instancesToStart,
    summary: describePlan(plan),
    diff: {
      before: [...changedFiles.filter((w) => w.previous !== undefined).map((w) => section(w.path, w.previous!)), ...plan.removals.map((r) => section(r.path, r.previous))].join('\n'),
      after: changedFiles.map((w) => section(w.path, w.content)).join('\n'),
    },
  };
}

/** `enable --check [--json]`. */
export async function printEnablePlan(argv: AppArgv & { force?: boolean; json?: boolean }): Promise<void> {
  const p = await planEnable(argv);
  if (argv.json) {
    out(JSON.stringify(p, null, 2) + '\n');
    return;
  }
  if (!p.changed) {
    out(`${p.app}: up to date; enable would change and start nothing\n`);
    return;
  }
  const lines = [`${p.app}: enable would ${p.installed ? 'change' : 'install'} (--check: nothing done)`];
  lines.push(...p.summary);
  if (p.userToCreate) lines.push(`  create system user ${p.userToCreate}`);
  if (p.instancesToAdd.length) lines.push(`  add instances ${p.instancesToAdd.join(', ')}`);
  if (p.instancesToRemove.length) lines.push(`  remove instances ${p.instancesToRemove.join(', ')}`);
  if (p.instancesToStart.length) lines.push(`  start instances ${p.instancesToStart.join(', ')}`);
  out(lines.join('\n') + '\n');
}
