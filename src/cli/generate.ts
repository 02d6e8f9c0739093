import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { resolveNode } from '../launcher/resolve-node';
import { renderAppFiles } from '../apps/plan';
import { hostSystemdVersion } from '../system/systemctl';
import type { RenderedFile } from '../units/app-spec';
import { appOptions, buildAppSpec, type AppArgv } from './app-options';
import { balancerOptions, generateBalancer, type BalancerArgv } from './generate-balancer';
import { renderSecretsDropIn } from '../units/credentials';
import { parseSecretOptions, secretLookingEnvWarnings } from './secret-options';
import { UserError } from './user-error';

interface GenerateArgv extends AppArgv, BalancerArgv {
  output?: string;
  systemdVersion?: string;
  nodeunitPath?: string;
  '--'?: string[];
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
  const spec = buildAppSpec({ ...argv, args: argv['--'] }, {
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
  const files = renderAppFiles(spec, argv.user !== undefined || (spec.user.kind === 'static' && spec.user.name !== spec.name));
  const secrets = parseSecretOptions(argv, cwd);
  for (const w of secretLookingEnvWarnings(spec.env, secrets.map(([k]) => k))) process.stderr.write(`${w}\n`);
  if (secrets.length) {
    // Only the references: a credential is encrypted with the target's own host key, so values are set there.
    const keys = secrets.map(([k]) => k);
    files.push(renderSecretsDropIn(spec.name, keys, systemdVersion));
    process.stderr.write(
      `note: secret values are not written by generate; on the target, after installing the units, run for each of ${keys.join(', ')}: nodeunit secret set ${spec.name} KEY --from-file FILE\n`,
    );
  }
  return files;
}

const generateDescribe = 'print (or write into a directory) the units enable would install, without touching the system';

export const generateCommand: CommandModule<object, GenerateArgv> = {
  command: 'generate <name> [script]',
  describe: generateDescribe,
  builder: (y) =>
    balancerOptions(appOptions(y))
      // The app's own arguments go after `--` (app-args.ts): shown in --help and so in the man page.
      .usage(`$0 generate <name> <script> [options] [-- ARG...]\n$0 generate <name> --haproxy HOST:PORT... [--nginx HOST:PORT...]\n\n${generateDescribe}`)
      .option('output', { alias: 'o', type: 'string', default: '-', describe: "a directory to write the files into, or '-' for stdout" })
      .option('systemd-version', { type: 'string', describe: "the target's systemd version (default: this host's)" })
      .option('nodeunit-path', { type: 'string', describe: 'where nodeunit is installed on the target (default /usr/bin/nodeunit)' }) as never,
  handler: async (argv) => {
    const balancer = generateBalancer(argv);
    if (balancer !== undefined) {
      process.stdout.write(balancer);
      return;
    }
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
