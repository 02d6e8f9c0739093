import { showUnits } from '../system/systemctl';
import { lookupUser } from '../system/users';
import { describePlan } from '../system/unit-files';
import type { AppPlan } from './plan';
import { instanceUnit } from './units';

/** What `enable --check` reports: what `enable` with the same options would do, nothing done. */
export interface AppCheck {
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
 * What applying a plan would do, for `enable --check` (and Ansible's check and
 * diff modes): the files, the user, the instances to add, remove and start.
 * Queries systemd and the user database; writes nothing.
 */
export async function checkPlan(plan: AppPlan): Promise<AppCheck> {
  const { spec, before, files } = plan;
  const wanted = Array.from({ length: spec.instances }, (_, i) => i + 1);
  const instancesToAdd = wanted.filter((n) => !before?.instances.includes(n));
  const instancesToRemove = (before?.instances ?? []).filter((n) => n > spec.instances);
  const states = await showUnits(wanted.map((n) => instanceUnit(spec.name, n)), ['ActiveState']);
  const instancesToStart = wanted.filter((n) => states.get(instanceUnit(spec.name, n))?.ActiveState !== 'active');
  const userToCreate = spec.user.kind === 'static' && (await lookupUser(spec.user.name)) === undefined ? spec.user.name : null;
  const changedFiles = files.writes.filter((w) => w.state !== 'unchanged');
  const section = (path: string, text: string) => `# ${path}\n${text}`;
  return {
    app: spec.name,
    changed: plan.changed || !before || userToCreate !== null || instancesToAdd.length + instancesToRemove.length + instancesToStart.length > 0,
    installed: before !== undefined,
    files: [...files.writes.map((w) => ({ path: w.path, state: w.state })), ...files.removals.map((r) => ({ path: r.path, state: 'removed' as const }))],
    userToCreate,
    instancesToAdd,
    instancesToRemove,
    instancesToStart,
    summary: describePlan(files),
    diff: {
      before: [...changedFiles.filter((w) => w.previous !== undefined).map((w) => section(w.path, w.previous!)), ...files.removals.map((r) => section(r.path, r.previous))].join('\n'),
      after: changedFiles.map((w) => section(w.path, w.content)).join('\n'),
    },
  };
}
