/**
 * Secrets as systemd credentials, against a real systemd (Debian 12,
 * systemd 252: LoadCredentialEncrypted=). A second, unprivileged user looks
 * for the values everywhere it can: files it can read, `systemctl show` and
 * `systemctl cat`, other processes' /proc entries. The app reads them from
 * process.env. Ports 18600-18699 only.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Container, ExecResult } from './harness/container.js';
import { describeE2E } from './harness/container.js';
import { bootWithNodeunit, show } from './harness/nodeunit.js';

const PORT = 18600;
const APP = 'sec';
// Random per run, so that nothing found can be a leftover or a coincidence.
const PASSWORD = `pw-${randomBytes(8).toString('hex')}`;
const TOKEN = `tok-${randomBytes(8).toString('hex')}`;
const SESSION = `sess-${randomBytes(8).toString('hex')}`;
const NEW_PASSWORD = `new-${randomBytes(8).toString('hex')}`;
const NAMES = 'DB_PASSWORD,API_TOKEN,SESSION_SECRET,SMTP_PASSWORD';

describeE2E('secrets through systemd credentials', () => {
  let c: Container;
  const nu = (args: string[], input?: string) => c.exec(['nodeunit', ...args], { timeoutMs: 150_000, input });
  const ok = (r: ExecResult) => expect(r.code, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0);
  const appEnv = async () => {
    const r = await c.exec(['node', '/opt/apps/get.js', `http://127.0.0.1:${PORT}/env?names=${NAMES}`], { timeoutMs: 15_000 });
    ok(r);
    return JSON.parse(r.stdout) as Record<string, string | null>;
  };
  /**
   * Files containing any of the values, searched as `user` (root: the positive
   * control). The values go in through stdin, so that the searching
   * processes' own argv and environment do not contain them.
   */
  const filesWith = async (user: string, values: string[]) => {
    const dirs = '/etc /run /var /tmp /home /root /srv /opt/apps /usr/lib/systemd /usr/local';
    const script = `p=$(cat); printf '%s\\n' "$p" | grep -rlIsF -f - ${dirs}; printf '%s\\n' "$p" | grep -lasF -f - /proc/[0-9]*/environ /proc/[0-9]*/cmdline; true`;
    const r = await c.exec(['runuser', '-u', user, '--', 'sh', '-c', script], { timeoutMs: 90_000, input: values.join('\n') });
    return r.stdout.split('\n').filter(Boolean);
  };

  beforeAll(async () => {
    c = await bootWithNodeunit();
    ok(await c.sh('useradd --create-home mallory && id mallory'));
    await c.writeFile('/root/token', `${TOKEN}\n`, 0o600);
    await c.writeFile('/root/app.env', `# from pm2's ecosystem\nSESSION_SECRET="${SESSION}"\n`, 0o600);
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('enable stores --secret, --secret-file and --secrets-from as credentials; the app reads them from process.env', async () => {
    const r = await nu([
      'enable', APP, '/opt/apps/secret.js', '--port', String(PORT), '--env', `PORT=${PORT}`, '--env', 'SMTP_PASSWORD=public-on-purpose',
      '--secret', `DB_PASSWORD=${PASSWORD}`, '--secret-file', 'API_TOKEN=/root/token', '--secrets-from', '/root/app.env',
    ]);
    ok(r);
    expect(r.stderr).toContain('warning: --env SMTP_PASSWORD looks like a secret');
    expect(r.stderr).toContain('--secret SMTP_PASSWORD=...');
    expect(r.stdout).toContain('secrets SESSION_SECRET, API_TOKEN, DB_PASSWORD stored as systemd credentials (encrypted with systemd-creds');
    expect(await appEnv()).toEqual({ DB_PASSWORD: PASSWORD, API_TOKEN: TOKEN, SESSION_SECRET: SESSION, SMTP_PASSWORD: 'public-on-purpose' });
    // nodeunit's own variable is gone from the app's environment.
    const keys = await c.exec(['node', '/opt/apps/get.js', `http://127.0.0.1:${PORT}/env?names=NODEUNIT_SECRETS,CREDENTIALS_DIRECTORY`]);
    expect(JSON.parse(keys.stdout).NODEUNIT_SECRETS).toBeNull();
    const stored = await c.sh(`stat -c '%a %U %n' /etc/nodeunit/credentials/${APP} /etc/nodeunit/credentials/${APP}/*`);
    expect(stored.stdout.trim().split('\n')).toEqual([
      `700 root /etc/nodeunit/credentials/${APP}`,
      `600 root /etc/nodeunit/credentials/${APP}/API_TOKEN.cred`,
      `600 root /etc/nodeunit/credentials/${APP}/DB_PASSWORD.cred`,
      `600 root /etc/nodeunit/credentials/${APP}/SESSION_SECRET.cred`,
    ]);
  });

  it('another local user finds the values in no file it can read, no systemctl output and no process', async () => {
    const values = [PASSWORD, TOKEN, SESSION];
    // Positive control: root finds them where systemd put them for the service.
    const asRoot = await filesWith('root', values);
    expect(asRoot).toContain(`/run/credentials/${APP}@1.service/DB_PASSWORD`);
    expect(await filesWith('mallory', values)).toEqual([]);
    const sys = await c.exec(['runuser', '-u', 'mallory', '--', 'sh', '-c', `systemctl show ${APP}@1.service; systemctl show -p Environment ${APP}@1.service; systemctl cat ${APP}@1.service; systemctl status ${APP}@1.service --no-pager`]);
    expect(sys.stdout).toContain('NODEUNIT_SECRETS=API_TOKEN,DB_PASSWORD,SESSION_SECRET');
    for (const v of values) expect(sys.stdout + sys.stderr).not.toContain(v);
    const env = await show(c, `${APP}@1.service`, 'Environment');
    expect(env.Environment).toContain('SMTP_PASSWORD=public-on-purpose');
    // Nor the journal (as root), nor nodeunit's own status output.
    const jr = await c.sh('journalctl --sync; journalctl --no-pager -o verbose');
    for (const v of values) expect(jr.stdout).not.toContain(v);
    const st = await nu(['status', APP, '--json']);
    ok(st);
    for (const v of values) expect(st.stdout).not.toContain(v);
  });

  it('enable again with the same secrets changes and restarts nothing', async () => {
    const pid = (await show(c, `${APP}@1.service`, 'MainPID')).MainPID;
    const r = await nu([
      'enable', APP, '/opt/apps/secret.js', '--port', String(PORT), '--env', `PORT=${PORT}`, '--env', 'SMTP_PASSWORD=public-on-purpose',
      '--secret', `DB_PASSWORD=${PASSWORD}`, '--secret-file', 'API_TOKEN=/root/token', '--secrets-from', '/root/app.env',
    ]);
    ok(r);
    expect(r.stdout).toContain('up to date, nothing changed and nothing restarted');
    expect((await show(c, `${APP}@1.service`, 'MainPID')).MainPID).toBe(pid);
  });

  it('secret set reads the value from stdin (never argv) and reloads; unset removes; list shows names only', async () => {
    const set = await nu(['secret', 'set', APP, 'DB_PASSWORD'], `${NEW_PASSWORD}\n`);
    ok(set);
    expect(set.stdout).toContain('secret DB_PASSWORD stored; rolling reload');
    expect(set.stdout).toMatch(/all 1 instance restarted/);
    expect(set.stdout + set.stderr).not.toContain(NEW_PASSWORD);
    expect((await appEnv()).DB_PASSWORD).toBe(NEW_PASSWORD);

    const list = await nu(['secret', 'list', APP]);
    ok(list);
    expect(list.stdout).toBe('API_TOKEN\nDB_PASSWORD\nSESSION_SECRET\n');
    const asUser = await c.exec(['runuser', '-u', 'mallory', '--', 'nodeunit', 'secret', 'list', APP]);
    expect(asUser.code).not.toBe(0);

    ok(await nu(['secret', 'unset', APP, 'API_TOKEN']));
    expect(await appEnv()).toMatchObject({ DB_PASSWORD: NEW_PASSWORD, API_TOKEN: null, SESSION_SECRET: SESSION });
    const missing = await nu(['secret', 'unset', APP, 'API_TOKEN']);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe(`nodeunit: ${APP} has no secret API_TOKEN ('nodeunit secret list ${APP}')`);
    const tty = await nu(['secret', 'set', APP, 'X', '--from-file', '/nonexistent']);
    expect(tty.code).toBe(2);
    expect(tty.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('disable --purge removes the stored secrets and their drop-in', async () => {
    const r = await nu(['disable', APP, '--purge']);
    ok(r);
    expect(r.stdout).toContain(`removed ${APP}'s secrets (/etc/nodeunit/credentials/${APP})`);
    const left = await c.sh(`ls -d /etc/nodeunit/credentials/${APP} /etc/systemd/system/${APP}@.service.d 2>&1; true`);
    expect(left.stdout).not.toMatch(/^\/etc/m);
  });
});
