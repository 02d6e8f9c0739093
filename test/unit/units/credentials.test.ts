import { describe, expect, it } from 'vitest';
import { credentialFile, looksSecret, renderSecretsDropIn, secretsDropIn } from '../../../src/units/credentials';

describe('secrets as systemd credentials', () => {
  it('systemd >= 250: encrypted credentials, names only', () => {
    const f = renderSecretsDropIn('web', ['TOKEN', 'DB_PASSWORD', 'TOKEN'], 252);
    expect(f.path).toBe('web@.service.d/nodeunit-secrets.conf');
    expect(f.content).toContain('Environment=NODEUNIT_SECRETS=DB_PASSWORD,TOKEN\n');
    expect(f.content).toContain('LoadCredentialEncrypted=DB_PASSWORD:/etc/nodeunit/credentials/web/DB_PASSWORD.cred\n');
    expect(f.content).toContain('LoadCredentialEncrypted=TOKEN:/etc/nodeunit/credentials/web/TOKEN.cred\n');
    expect(f.content).not.toContain('LoadCredential=');
    expect(f.content).toMatchSnapshot();
  });
  it('systemd 247-249: root-only plain files and LoadCredential=', () => {
    const f = renderSecretsDropIn('web', ['DB_PASSWORD'], 247);
    expect(f.content).toContain('LoadCredential=DB_PASSWORD:/etc/nodeunit/credentials/web/DB_PASSWORD\n');
    expect(f.content).not.toContain('Encrypted');
    expect(credentialFile('web', 'K', 249)).toBe('/etc/nodeunit/credentials/web/K');
    expect(credentialFile('web', 'K', 250)).toBe('/etc/nodeunit/credentials/web/K.cred');
  });
  it('refuses a name that is no variable name', () => {
    expect(() => renderSecretsDropIn('web', ['A B'], 252)).toThrow(/invalid secret name/);
    expect(secretsDropIn('a.b')).toBe('a.b@.service.d/nodeunit-secrets.conf');
  });
  it('spots keys that look secret, and leaves ordinary ones alone', () => {
    for (const k of ['DB_PASSWORD', 'PASSWORD', 'GITHUB_TOKEN', 'STRIPE_API_KEY', 'SESSION_SECRET', 'JWT_PRIVATE_KEY', 'AWS_SECRET_ACCESS_KEY', 'GOOGLE_APPLICATION_CREDENTIAL', 'db_pass', 'SENTRY_DSN']) {
      expect(looksSecret(k), k).toBe(true);
    }
    for (const k of ['PORT', 'NODE_ENV', 'HOST', 'PASSPORT_STRATEGY', 'LOG_LEVEL', 'TOKENIZER_MODE_X', 'SECRETARY']) {
      expect(looksSecret(k), k).toBe(false);
    }
  });
});
