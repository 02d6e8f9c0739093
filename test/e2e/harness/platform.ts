/**
 * Which system an e2e container runs: a Debian release, a cgroup layout and
 * an architecture.
 *
 * The default is what current servers run: Debian 13 (trixie, systemd 257)
 * with the unified cgroup v2 hierarchy. A suite can ask for another one per
 * container (`bootContainer({ platform: 'bullseye-v2' })`), and the whole run
 * can be moved with NODEUNIT_E2E_DISTRO (CI runs the launcher, enable and
 * package suites once per leg: `NODEUNIT_E2E_DISTRO=bookworm-hybrid vitest run …`).
 *
 * Spelling: `<distro>[-<layout>][-<arch>]`, e.g. `trixie`, `bookworm-v2`,
 * `bookworm-hybrid`, `bullseye-v2`, `trixie-v2-arm64`; layout defaults to v2
 * and arch to amd64.
 *
 * Layouts, as systemd-nspawn(1) chooses them from SYSTEMD_NSPAWN_UNIFIED_HIERARCHY
 * in its own environment:
 *   v2      =1: a pure cgroup2 hierarchy in the container (every current
 *              distribution's default), whatever the host has;
 *   hybrid  unset: what this host has (cgroup v1 controllers, systemd's own
 *              tree on cgroup2): the layout of older hosts.
 */
export type Distro = 'bullseye' | 'bookworm' | 'trixie';
export type CgroupLayout = 'v2' | 'hybrid';
export type Arch = 'amd64' | 'arm64';

export interface Platform {
  distro: Distro;
  cgroup: CgroupLayout;
  arch: Arch;
}

/** What each release ships (checked in the containers: `systemctl --version`, `node --version`). */
export const DISTROS: Record<Distro, { debian: number; systemd: number; nodeMajor: number }> = {
  bullseye: { debian: 11, systemd: 247, nodeMajor: 12 },
  bookworm: { debian: 12, systemd: 252, nodeMajor: 18 },
  trixie: { debian: 13, systemd: 257, nodeMajor: 20 },
};

/** The oldest Node nodeunit runs apps on (src/system/preflight.ts MIN_NODE_MAJOR). */
export const MIN_APP_NODE_MAJOR = 18;

export const DEFAULT_PLATFORM: Platform = { distro: 'trixie', cgroup: 'v2', arch: 'amd64' };

export function parsePlatform(spec: string): Platform {
  const parts = spec.trim().toLowerCase().split('-').filter(Boolean);
  const [distro, ...rest] = parts;
  if (!distro || !(distro in DISTROS)) {
    throw new Error(`unknown e2e platform '${spec}': the distribution must be one of ${Object.keys(DISTROS).join(', ')}`);
  }
  const p: Platform = { distro: distro as Distro, cgroup: 'v2', arch: 'amd64' };
  for (const part of rest) {
    if (part === 'v2' || part === 'hybrid') p.cgroup = part;
    else if (part === 'amd64' || part === 'arm64') p.arch = part;
    else throw new Error(`unknown e2e platform '${spec}': '${part}' is neither a cgroup layout (v2, hybrid) nor an architecture (amd64, arm64)`);
  }
  return p;
}

/** The platform of containers that do not ask for one: $NODEUNIT_E2E_DISTRO, else trixie with cgroup v2. */
export function defaultPlatform(): Platform {
  const spec = process.env.NODEUNIT_E2E_DISTRO;
  return spec ? parsePlatform(spec) : { ...DEFAULT_PLATFORM };
}

export function resolvePlatform(p?: Partial<Platform> | string): Platform {
  if (typeof p === 'string') return parsePlatform(p);
  return { ...defaultPlatform(), ...(p ?? {}) };
}

export function platformName(p: Platform): string {
  return `${p.distro}-${p.cgroup}${p.arch === 'amd64' ? '' : `-${p.arch}`}`;
}

/** Whether the distribution's own node can run apps (bullseye's node 12 cannot). */
export function distroNodeSupported(p: Platform): boolean {
  return DISTROS[p.distro].nodeMajor >= MIN_APP_NODE_MAJOR;
}
