import { mkdirSync, readFileSync, renameSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RuntimeFiles } from '../launcher/runtime-files';

/**
 * Writes the runtime files atomically (temporary file in the same
 * directory, then rename), so a launcher starting meanwhile sees the old
 * file or the new one, never half of one. Returns the files that changed.
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
    const tmp = join(dirname(file), `.${process.pid}.tmp`);
    writeFileSync(tmp, data, { mode: 0o644 });
    renameSync(tmp, file);
    changed.push(file);
  }
  return changed;
}
