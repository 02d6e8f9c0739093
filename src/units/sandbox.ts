import type { AppSpec } from './app-spec';

/** Paths the sandbox hides from the service: a script there would be "not found" at start. */
export function hiddenBySandbox(path: string, spec: Pick<AppSpec, 'harden' | 'user'>): string | undefined {
  const under = (dir: string) => path === dir || path.startsWith(`${dir}/`);
  if (spec.harden && ['/home', '/root', '/run/user'].some(under)) return 'ProtectHome=yes hides /home, /root and /run/user from the service';
  if ((spec.harden || spec.user.kind === 'dynamic') && ['/tmp', '/var/tmp'].some(under)) return 'PrivateTmp=yes gives the service its own empty /tmp';
  return undefined;
}
