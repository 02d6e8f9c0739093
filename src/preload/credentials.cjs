'use strict';
/**
 * Secrets from systemd credentials (systemd.exec(5) "Credentials"): for each
 * name in NODEUNIT_SECRETS (comma-separated, written by `nodeunit enable
 * --secret`), reads $CREDENTIALS_DIRECTORY/NAME and sets process.env.NAME
 * before the app's code runs, so apps that read their secrets from the
 * environment need no change.
 *
 * Outcomes:
 *   - a credential is read: env[NAME] = its content, byte for byte (UTF-8),
 *     replacing any value the environment had;
 *   - no CREDENTIALS_DIRECTORY, a name that is not a variable name, or a file
 *     that cannot be read (systemd refuses to start a unit whose credential
 *     is missing, so this means a hand-made setup): that name is skipped;
 *   - a value containing NUL cannot be an environment variable: skipped.
 * Returns the names set. Never prints anything (a secret must not reach the
 * journal); CREDENTIALS_DIRECTORY itself stays for the app.
 */

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function secretNames(value) {
  if (!value) return [];
  return value.split(',').filter((name) => NAME.test(name));
}

function loadSecrets(env, fs, path) {
  const dir = env.CREDENTIALS_DIRECTORY;
  const names = secretNames(env.NODEUNIT_SECRETS);
  const loaded = [];
  if (!dir) return loaded;
  for (const name of names) {
    let value;
    try {
      value = fs.readFileSync(path.join(dir, name), 'utf8');
    } catch {
      continue;
    }
    if (value.includes('\0')) continue;
    env[name] = value;
    loaded.push(name);
  }
  return loaded;
}

module.exports = { loadSecrets, secretNames };
