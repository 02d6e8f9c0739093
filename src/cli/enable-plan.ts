import { checkPlan } from '../apps/check';
import type { AppPlan } from '../apps/plan';
import { out } from './common';

/** `enable --check [--json]`. */
export async function printEnablePlan(plan: AppPlan, json: boolean): Promise<void> {
  const p = await checkPlan(plan);
  if (json) {
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
