import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { RuntimeFiles } from '../launcher/runtime-files';
import { writeFileAtomic } from './unit-files';

/**
 * Writes the runtime files atomically, so a launcher starting meanwhile sees
 * the old file or the new one, never half of one. Returns the files that
 * changed.
 */
export function installRuntimeFiles(files: RuntimeFiles, contents: { preload: Buffer; helper: Buffer }): string[] {
  mkdirSync(files.dir, { recursive: true, mode: 0o755 });
  chmodSync(files.dir, 0o755);
  const changed: string[] = [];
  for (const [file, data] of [
    [files.preload, contents.preload],
    [files.helper, contents.helper],
  ] as const) {
    if (existsSync(file) && readFileSync(file).equals(data)) continue;
    writeFileAtomic(file, data, 0o644);
    changed.push(file);
  }
  return changed;
}
