/**
 * Running arm64 binaries on this amd64 host: qemu-user-static registered
 * with the kernel's binfmt_misc for the duration of a test.
 *
 * The entry is registered under its own name (nodeunit-qemu-aarch64) with
 * the F flag ("fix binary": the kernel opens the interpreter now, so it
 * works inside a chroot or container whose root has no qemu in it) and P
 * (preserve argv[0]), from the magic and mask qemu-user-static ships in
 * /usr/share/binfmts/qemu-aarch64. If binfmt_misc is not mounted it is
 * mounted, and unmounted again afterwards; the returned function removes
 * only what this call added. An entry for aarch64 that someone else
 * registered is left alone (and used): the test then neither registers nor
 * removes anything. See binfmt_misc in the kernel's admin-guide.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const DIR = '/proc/sys/fs/binfmt_misc';
const NAME = 'nodeunit-qemu-aarch64';
const DEBIAN_FORMAT = '/usr/share/binfmts/qemu-aarch64';

export interface Binfmt {
  /** 'registered' by this call, or 'present' (an aarch64 entry was there already). */
  how: 'registered' | 'present';
  /** The interpreter the kernel runs arm64 binaries with. */
  interpreter: string;
  /** Undoes what this call did; idempotent. */
  release(): void;
}

function field(text: string, key: string): string {
  const m = text.match(new RegExp(`^${key} (.+)$`, 'm'));
  if (!m) throw new Error(`${DEBIAN_FORMAT} has no '${key}' line`);
  return m[1].trim();
}

/** Entries (other than ours) that already run aarch64 ELF binaries, with their interpreters. */
function existingAarch64(): string | undefined {
  for (const name of ['qemu-aarch64', 'aarch64']) {
    const p = `${DIR}/${name}`;
    if (!existsSync(p)) continue;
    const text = readFileSync(p, 'utf8');
    if (/^enabled/m.test(text) && /^flags:.*F/m.test(text)) return text.match(/^interpreter (.+)$/m)?.[1];
  }
  return undefined;
}

export function registerQemuAarch64(): Binfmt {
  if (!existsSync(DEBIAN_FORMAT)) throw new Error(`${DEBIAN_FORMAT} is missing: apt-get install qemu-user-static`);
  let mounted = false;
  if (!existsSync(`${DIR}/register`)) {
    execFileSync('mount', ['-t', 'binfmt_misc', 'binfmt_misc', DIR]);
    mounted = true;
  }
  const unmount = () => {
    if (!mounted) return;
    mounted = false;
    try {
      execFileSync('umount', [DIR]);
    } catch {
      /* someone else uses it now */
    }
  };
  const theirs = existingAarch64();
  if (theirs) return { how: 'present', interpreter: theirs, release: unmount };

  const fmt = readFileSync(DEBIAN_FORMAT, 'utf8');
  const interpreter = field(fmt, 'interpreter');
  // A stale entry of ours (a killed run) is replaced, not stacked.
  if (existsSync(`${DIR}/${NAME}`)) writeFileSync(`${DIR}/${NAME}`, '-1');
  // :name:type:offset:magic:mask:interpreter:flags; the \x escapes are parsed by the kernel.
  writeFileSync(`${DIR}/register`, `:${NAME}:M:${field(fmt, 'offset')}:${field(fmt, 'magic')}:${field(fmt, 'mask')}:${interpreter}:FP`);
  let released = false;
  return {
    how: 'registered',
    interpreter,
    release() {
      if (released) return;
      released = true;
      if (existsSync(`${DIR}/${NAME}`)) writeFileSync(`${DIR}/${NAME}`, '-1');
      unmount();
    },
  };
}

/** Whether any binfmt_misc entry named by this module is registered (for the test's own check). */
export function ourEntryPresent(): boolean {
  return existsSync(`${DIR}/${NAME}`);
}
