import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { resolveNode } from '../launcher/resolve-node';
import { renderSysusers } from '../system/sysusers';
import { hostSystemdVersion } from '../system/systemctl';
import type { RenderedFile } from '../units/app-spec';
import { renderApp } from '../units/index';
import { appOptions, buildAppSpec, type AppArgv } from './app-options';
import { renderSecretsDropIn } from '../units/credentials';
import { parseSecretOptions, secretLookingEnvWarnings } from './secret-options';
import { UserError } from './user-error';

interface GenerateArgv extends AppArgv {
  output?: string;
  systemdVersion?: string;
  nodeunitPath?: string;
}

/** Oldest systemd the units are meant to verify on (Debian 11). */
export const OLDEST_SYSTEMD = 247;

/** Renders what enable would write, for another machine: nothing on this system is read or checked beyond PATH. */
export function generateFiles(argv: GenerateArgv, cwd: string, hostVersion: number | undefined): RenderedFile[] {
  let systemdVersion = hostVersion ?? OLDEST_SYSTEMD;
  if (argv.systemdVersion !== undefined) {
    if (!/^\d{3}$/.test(String(argv.systemdVersion))) throw new UserError(`--systemd-version must be a number like 252, not '${argv.systemdVersion}'`, 2);
    systemdVersion = Number(argv.systemdVersion);
  }
  const nodeunitPath = argv.nodeunitPath ?? '/usr/bin/nodeunit';
  if (!isAbsolute(nodeunitPath)) throw new UserError('--nodeunit-path must be absolute', 2);
  const spec = buildAppSpec(argv, {
    cwd,
    systemdVersion,
    nodeunitPath,
    resolveNode: (flag) => {
      if (flag !== undefined) return resolve(cwd, flag);
      try {
        return resolveNode({ env: process.env.NODEUNIT_NODE, path: process.env.PATH, cwd });
      } catch {
        return '/usr/bin/node';
      }
    },
  });
  const files = renderApp(spec);
  const secrets = parseSecretOptions(argv, cwd);
  for (const w of secretLookingEnvWarnings(spec.env, secrets.map(([k]) => k))) process.stderr.write(`${w}\n`);
  if (secrets.length) {
    // Only the references: a credential is encrypted with the target's own host key, so values are set there.
    files.push(renderSecretsDropIn(spec.name, secrets.map(([k]) => k), systemdVersion));
    const keys = secrets.map(([k]) => k);
    process.stderr.write(
      `note: secret values are not written by generate; on the target, after installing the units, run for each of ${keys.join(', ')}: nodeunit secret set ${spec.name} KEY --from-file FILE\n`,
    );
  }
  if (spec.user.kind === 'static' && argv.user === undefined) {
    files.push({ path: `sysusers.d/nodeunit-${spec.name}.conf`, content: renderSysusers(spec.name, spec.user.name) });
  }
  return files;
}

export const generateCommand: CommandModule<object, GenerateArgv> = {
  command: 'generate <name> <script>',
  describe: 'print (or write into a directory) the units enable would install, without touching the system',
  builder: (y) =>
    appOptions(y)
      .option('output', { alias: 'o', type: 'string', default: '-', describe: "a directory to write the files into, or '-' for stdout" })
      .option('systemd-version', { type: 'string', describe: "the target's systemd version (default: this host's)" })
      .option('nodeunit-path', { type: 'string', describe: 'where nodeunit is installed on the target (default /usr/bin/nodeunit)' }) as never,
  handler: async (argv) => {
    const files = generateFiles(argv, process.cwd(), (await hostSystemdVersion()).version);
    const output = argv.output ?? '-';
    if (output === '-') {
      process.stdout.write(files.map((f) => `# ==> ${f.path} <==\n${f.content}`).join('\n'));
      return;
    }
    for (const f of files) {
      const path = join(resolve(output), f.path);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, f.content);
      process.stdout.write(`wrote ${path}\n`);
    }
  },
};
