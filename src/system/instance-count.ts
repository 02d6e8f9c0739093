import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withInstanceCount } from '../units/instance-count';
import { UNIT_DIR, writeFileAtomic } from './unit-files';

/**
 * Writes the instance count into an installed app's service template
 * (units/instance-count.ts), for `scale`. Outcomes: true when the file
 * changed (the caller runs daemon-reload before starting instances);
 * false when it already said so, or is missing or not nodeunit's template.
 */
export function writeInstanceCount(app: string, instances: number, dir = UNIT_DIR): boolean {
  const path = join(dir, `${app}@.service`);
  let before: string;
  try {
    before = readFileSync(path, 'utf8');
  } catch {
    return false;
  }
  const after = withInstanceCount(before, instances);
  if (after === undefined || after === before) return false;
  writeFileAtomic(path, after);
  return true;
}
