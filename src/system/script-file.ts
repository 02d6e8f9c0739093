import { statSync } from 'node:fs';

/** The file node would run for `script` (it adds .js etc. like node does), or undefined. */
export function scriptFile(script: string): string | undefined {
  for (const suffix of ['', '.js', '.mjs', '.cjs']) {
    const file = script + suffix;
    try {
      if (statSync(file).isFile()) return file;
    } catch {
      /* next */
    }
  }
  return undefined;
}
