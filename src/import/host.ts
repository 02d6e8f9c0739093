import { closeSync, openSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ownerName } from '../system/owner';
import type { ImportHost } from './convert';

/** The parts of ImportHost that read this machine's files and PATH. */
export function fileSystemHost(path = process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'): Pick<ImportHost, 'which' | 'fileExists' | 'readFile' | 'realpath' | 'isBinary' | 'ownerOf'> {
  const isFile = (p: string) => {
    try {
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  return {
    ownerOf: ownerName,
    which(command) {
      if (command.includes('/')) return isFile(command) ? command : undefined;
      for (const dir of path.split(delimiter)) {
        if (!dir.startsWith('/')) continue;
        const candidate = join(dir, command);
        try {
          const st = statSync(candidate);
          if (st.isFile() && (st.mode & 0o111) !== 0) return candidate;
        } catch {
          /* next */
        }
      }
      return undefined;
    },
    fileExists: isFile,
    readFile(p) {
      try {
        return readFileSync(p, 'utf8');
      } catch {
        return undefined;
      }
    },
    realpath(p) {
      try {
        return realpathSync(p);
      } catch {
        return undefined;
      }
    },
    isBinary(p) {
      try {
        const fd = openSync(p, 'r');
        const buf = Buffer.alloc(512);
        const n = readSync(fd, buf, 0, 512, 0);
        closeSync(fd);
        return buf.subarray(0, n).includes(0);
      } catch {
        return false;
      }
    },
  };
}
