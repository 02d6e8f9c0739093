import type { AppSpec } from './app-spec';

/** Paths the sandbox hides from the service: a script there would be "not found" at start. */
export function hiddenBySandbox(path: string, spec: Pick<AppSpec, 'harden' | 'user' | 'homeBinds' | 'writablePaths'>): string | undefined {
  const under = (dir: string) => path === dir || path.startsWith(`${dir}/`);
  const boundIn = [...(spec.homeBinds ?? []), ...(spec.writablePaths ?? [])].some(under);
  if (spec.harden && !boundIn && ['/home', '/root', '/run/user'].some(under)) return 'ProtectHome=yes hides /home, /root and /run/user from the service';
  if ((spec.harden || spec.user.kind === 'dynamic') && ['/tmp', '/var/tmp'].some(under)) return 'PrivateTmp=yes gives the service its own empty /tmp';
  return undefined;
}

const HOMES = ['/home', '/root', '/run/user'];

/** Under /home, /root or /run/user: hidden by ProtectHome= unless bound in. */
export function inHomeDirectory(path: string): boolean {
  return HOMES.some((h) => path.startsWith(`${h}/`));
}

/**
 * The directories to bind read-only into ProtectHome=tmpfs so that the
 * service sees its code under a home directory: the working directory, the
 * script's directory when it is elsewhere, and node's installation prefix
 * (nvm: ~/.nvm/versions/node/vX). Nested ones collapse into the outer one.
 */
export function homeBindsFor(spec: Pick<AppSpec, 'cwd' | 'script' | 'node' | 'command'>): string[] {
  const inHome = inHomeDirectory;
  const dir = (p: string) => p.slice(0, p.lastIndexOf('/')) || '/';
  const candidates = spec.command !== undefined ? [spec.cwd, dir(spec.command[0])] : [spec.cwd, dir(spec.script), dir(dir(spec.node))];
  const wanted = [...new Set(candidates.filter(inHome))].sort((a, b) => a.length - b.length);
  const out: string[] = [];
  for (const d of wanted) if (!out.some((o) => d === o || d.startsWith(`${o}/`))) out.push(d);
  return out;
}
