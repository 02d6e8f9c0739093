import { resolve } from 'node:path';
import { underAppLock } from './locked';
import type { CommandModule } from 'yargs';
import { requireInstalledApp } from '../system/app-state';
import { checkSecret, listSecrets, removeSecret, storeSecret, syncSecretsDropIn } from '../system/credentials';
import { systemctlOrFail, systemdVersion } from '../system/systemctl';
import { SECRET_KEY } from '../units/credentials';
import { validateAppName } from './app-options';
import { out, requireRoot } from './common';
import { reload } from './reload';
import { readText, withoutTrailingNewline } from './secret-options';
import { UserError } from './user-error';

interface SecretCmdArgv {
  action: string;
  name: string;
  key?: string;
  fromFile?: string;
  reload?: boolean;
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) {
    throw new UserError("pipe the value in (printf %s \"$VALUE\" | nodeunit secret set NAME KEY) or pass --from-file PATH; it is never taken from the command line", 2);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function applyAndReload(app: string, version: number, doReload: boolean, what: string): Promise<void> {
  syncSecretsDropIn(app, version);
  await systemctlOrFail(['daemon-reload'], 'systemctl daemon-reload');
  if (!doReload) {
    out(`${app}: ${what}; the instances see it at their next restart ('nodeunit reload ${app}')\n`);
    return;
  }
  out(`${app}: ${what}; rolling reload so every instance sees it\n`);
  await reload(app);
}

export async function secretCommandHandler(argv: SecretCmdArgv): Promise<void> {
  const name = validateAppName(String(argv.name));
  if (argv.action === 'list') {
    // Names only; reading the directory needs root, like the values.
    requireRoot('secret list');
    requireInstalledApp(name);
    const names = listSecrets(name);
    out(names.length ? `${names.join('\n')}\n` : `${name}: no secrets ('nodeunit secret set ${name} KEY < file' adds one)\n`);
    return;
  }
  if (argv.action !== 'set' && argv.action !== 'unset') throw new UserError(`nodeunit secret: the action is set, unset or list, not '${argv.action}'`, 2);
  requireRoot(`secret ${argv.action}`);
  const key = argv.key;
  if (key === undefined || !SECRET_KEY.test(key)) throw new UserError(`nodeunit secret ${argv.action} ${name} KEY: KEY is a variable name (letters, digits and _)`, 2);
  requireInstalledApp(name);
  const version = await systemdVersion();
  const doReload = argv.reload !== false;
  if (argv.action === 'set') {
    const raw = argv.fromFile === undefined ? await readStdin() : readText(resolve(argv.fromFile), `--from-file`);
    const value = withoutTrailingNewline(raw);
    checkSecret(key, value, 'secret');
    const changed = await storeSecret(name, key, value, version);
    if (!changed) {
      out(`${name}: secret ${key} unchanged, nothing restarted\n`);
      return;
    }
    await applyAndReload(name, version, doReload, `secret ${key} stored`);
    return;
  }
  if (!removeSecret(name, key)) throw new UserError(`${name} has no secret ${key} ('nodeunit secret list ${name}')`);
  await applyAndReload(name, version, doReload, `secret ${key} removed`);
}

export const secretCommand: CommandModule<object, SecretCmdArgv> = {
  command: 'secret <action> <name> [key]',
  describe: "an app's secrets (systemd credentials): set KEY (value from stdin or --from-file), unset KEY, list (names only)",
  builder: (y) =>
    y
      .positional('action', { type: 'string', choices: ['set', 'unset', 'list'], describe: 'set, unset or list' })
      .positional('name', { type: 'string', describe: 'the app' })
      .positional('key', { type: 'string', describe: 'the environment variable the app reads, e.g. DB_PASSWORD' })
      .option('from-file', { type: 'string', describe: 'set: read the value from this file (one trailing newline dropped) instead of stdin' })
      .option('reload', { type: 'boolean', default: true, describe: 'rolling reload afterwards (--no-reload: at the next restart)' })
      .example('printf %s "$PW" | $0 secret set myapp DB_PASSWORD', '')
      .example('$0 secret list myapp', '') as never,
  // list reads only; set/unset change the app.
  handler: (argv) => (argv.action === 'list' ? secretCommandHandler(argv) : underAppLock(`secret ${argv.action}`, (a: SecretCmdArgv) => a.name, secretCommandHandler)(argv)),
};
