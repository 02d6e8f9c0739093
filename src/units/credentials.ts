import type { RenderedFile } from './app-spec.js';
import { generatedHeader } from './marker.js';
import { directive, renderUnitFile } from './unit-file.js';
import { serviceTemplate } from './unit-names.js';

/**
 * Secrets as systemd credentials (systemd.exec(5) "Credentials",
 * systemd-creds(1)). The unit names each secret and where it is stored; the
 * value never enters a unit file, so `systemctl show` and the unit's 0644
 * file reveal nothing. systemd copies each credential at start into
 * $CREDENTIALS_DIRECTORY (a ramfs readable only by the service's user), and
 * the preload moves the named ones into process.env before the app runs.
 *
 *   systemd >= 250: `systemd-creds encrypt` (host key; TPM2 where present)
 *                   into KEY.cred, referenced by LoadCredentialEncrypted=
 *   systemd 247-249: the plain value in a root-only file (0600 in a 0700
 *                   directory), referenced by LoadCredential=
 *
 * The references live in a drop-in next to the service template, so that
 * `nodeunit secret set|unset` can change the list without re-rendering the
 * app's own units.
 */

/** First systemd with LoadCredentialEncrypted= and systemd-creds. */
export const ENCRYPTED_CREDENTIALS_SINCE = 250;

/** Root-only directory with one file per secret of `app`. */
export function credentialsDir(app: string): string {
  return `/etc/nodeunit/credentials/${app}`;
}

export function usesEncryptedCredentials(systemdVersion: number): boolean {
  return systemdVersion >= ENCRYPTED_CREDENTIALS_SINCE;
}

/** The file one secret is stored in. */
export function credentialFile(app: string, key: string, systemdVersion: number): string {
  return `${credentialsDir(app)}/${key}${usesEncryptedCredentials(systemdVersion) ? '.cred' : ''}`;
}

/** The drop-in holding the credential references, relative to the unit directory. */
export function secretsDropIn(app: string): string {
  return `${serviceTemplate(app)}.d/nodeunit-secrets.conf`;
}

/** A secret's name becomes an environment variable and a credential ID. */
export const SECRET_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

// Words that make an environment variable look like it carries a secret.
const SECRET_WORDS = ['PASSWORD', 'PASSWD', 'PASS', 'SECRET', 'TOKEN', 'API_KEY', 'APIKEY', 'PRIVATE', 'CREDENTIAL', 'AUTH', 'ACCESS_KEY', 'SIGNING_KEY', 'ENCRYPTION_KEY', 'SESSION_KEY', 'DSN'];

/** True when an --env key looks like it holds a secret (DB_PASSWORD, GITHUB_TOKEN, STRIPE_API_KEY, ...). */
export function looksSecret(key: string): boolean {
  const words = key.toUpperCase().split(/_+/).filter(Boolean);
  const joined = `_${words.join('_')}_`;
  return SECRET_WORDS.some((w) => joined.includes(`_${w}_`));
}

/**
 * The drop-in for `keys` (sorted, distinct). NODEUNIT_SECRETS tells the
 * preload which credentials become environment variables: names only.
 */
export function renderSecretsDropIn(app: string, keys: readonly string[], systemdVersion: number): RenderedFile {
  const sorted = [...new Set(keys)].sort();
  for (const key of sorted) if (!SECRET_KEY.test(key)) throw new RangeError(`invalid secret name ${JSON.stringify(key)}`);
  const encrypted = usesEncryptedCredentials(systemdVersion);
  const load = encrypted ? 'LoadCredentialEncrypted' : 'LoadCredential';
  const why = encrypted
    ? 'decrypted with the host key into $CREDENTIALS_DIRECTORY at each start; the value is in no unit file'
    : 'copied from a root-only file into $CREDENTIALS_DIRECTORY at each start; the value is in no unit file';
  const directives = [
    directive('Environment', `NODEUNIT_SECRETS=${sorted.join(',')}`, 'names only: the preload sets process.env.NAME from each credential'),
    ...sorted.map((key, i) => directive(load, `${key}:${credentialFile(app, key, systemdVersion)}`, i === 0 ? why : undefined)),
  ];
  return {
    path: secretsDropIn(app),
    content: renderUnitFile(generatedHeader(app), [{ name: 'Service', directives }], systemdVersion),
  };
}

/** How secrets are kept on a systemd of this version, for messages. */
export function secretStorage(app: string, systemdVersion: number): string {
  return usesEncryptedCredentials(systemdVersion)
    ? 'encrypted with systemd-creds, LoadCredentialEncrypted='
    : `root-only files in ${credentialsDir(app)}, LoadCredential=; systemd ${systemdVersion} has no systemd-creds`;
}
