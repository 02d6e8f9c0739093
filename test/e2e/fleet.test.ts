/**
 * Three hosts behind HAProxy, driven by Ansible, really distributed: each
 * host is a systemd container in its own network namespace; a fourth
 * namespace runs HAProxy (Debian's package) and, for the test, Ansible
 * (Debian's ansible-core, over ssh with a key made here) and the load
 * generator. The namespaces share a bridge in a fifth; addresses 10.201.0.x
 * exist only inside them, nothing reaches the host's network or leaves the
 * machine.
 *
 *   nuf12-br: br0 ── veth ── nuf12-lb  10.201.0.10  HAProxy :18980, ansible-playbook, load
 *                  ├─ veth ── nuf12-h1  10.201.0.11  systemd + sshd + nodeunit (web, 2 instances :8080)
 *                  ├─ veth ── nuf12-h2  10.201.0.12
 *                  ├─ veth ── nuf12-h3  10.201.0.13
 *                  └─ veth ── nuf12-apt 10.201.0.14  the signed apt repository, served on :18981
 *
 * h1 installs nodeunit by name from the apt repository (a throwaway signing
 * key, the repository built by build/repo.ts, the role's keyring + deb822
 * .sources); h2 and h3 from the .deb. The hosts have no way out, so Debian's
 * own sources are switched off in their roots: apt asks only ours.
 *
 * Scenarios, each timed; the last three under keep-alive load through
 * HAProxy: install + enable from nothing, then again (nothing changes);
 * rolling deploy of v2 (serial: 1); a broken v3 (the first host rolls back,
 * the play stops); one host powered off mid-load and booted again.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killGpgAgent, makeThrowawayKey, publishRepo } from './harness/apt-repo.js';
import { bootContainer, describeE2E, ensureImageWith, makeMachineDirectory, type Container } from './harness/container.js';

const PREFIX = 'nuf12';
const HOSTS = ['h1', 'h2', 'h3'] as const;
const ADDR: Record<string, string> = { lb: '10.201.0.10', h1: '10.201.0.11', h2: '10.201.0.12', h3: '10.201.0.13', apt: '10.201.0.14' };
const LB_PORT = 18980;
const REPO_PORT = 18981;
const REPO_URL = `http://${ADDR.apt}:${REPO_PORT}`;
/** The hosts that install from the apt repository; the others from the .deb. */
const FROM_REPO = ['h1'];
const EXTRA_PACKAGES = ['openssh-server', 'python3', 'python3-apt'];
const exec = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function sh(cmd: string, timeoutMs = 120_000): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec('sh', ['-c', cmd], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? String(e) };
  }
}

async function must(cmd: string, timeoutMs?: number): Promise<string> {
  const r = await sh(cmd, timeoutMs);
  if (r.code !== 0) throw new Error(`${cmd} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

const ns = (name: string) => `${PREFIX}-${name}`;

async function deleteNetwork(): Promise<void> {
  for (const n of ['lb', 'apt', ...HOSTS, 'br']) await sh(`ip netns del ${ns(n)} 2>/dev/null`);
}

async function makeNetwork(): Promise<void> {
  await deleteNetwork();
  await must(`ip netns add ${ns('br')} && ip -n ${ns('br')} link set lo up && ip -n ${ns('br')} link add br0 type bridge && ip -n ${ns('br')} link set br0 up`);
  for (const n of ['lb', 'apt', ...HOSTS]) {
    await must(
      [
        `ip netns add ${ns(n)}`,
        `ip -n ${ns(n)} link set lo up`,
        `ip -n ${ns('br')} link add v-${n} type veth peer name eth0 netns ${ns(n)}`,
        `ip -n ${ns('br')} link set v-${n} master br0 up`,
        `ip -n ${ns(n)} addr add ${ADDR[n]}/24 dev eth0`,
        `ip -n ${ns(n)} link set eth0 up`,
      ].join(' && '),
    );
  }
}

/** The app the releases carry: "<version> <host> <pid>", /health 200, /args its arguments as JSON; a broken one exits at start. */
function serverJs(version: string, broken = false): string {
  if (broken) return `console.error('${version}: cannot start: DATABASE_URL is not set'); process.exit(3);\n`;
  return `const http = require('http');
http.createServer((req, res) => {
  if (req.url === '/health') return res.end('ok\\n');
  if (req.url === '/args') return res.end(JSON.stringify(process.argv.slice(2)));
  res.end('${version} ' + process.env.HOST_ID + ' ' + process.pid + '\\n');
}).listen(Number(process.env.PORT));
`;
}

interface Load {
  stop(): Promise<{ total: number; failed: number; detail: string }>;
}

// Beyond the e2e basics: Debian's haproxy, ansible-core, openssh-client and iproute2 on the host
// (scripts/install-deps.sh installs them). Missing, the suite fails under NODEUNIT_E2E=required, else skips.
const FLEET_TOOLS = ['haproxy', 'ansible-playbook', 'ansible-galaxy', 'ssh-keygen', 'ssh', 'ip', 'dpkg-buildpackage', 'apt-ftparchive', 'gpg'];
const missingTools = FLEET_TOOLS.filter((t) => !['/usr/sbin', '/usr/bin', '/sbin', '/bin'].some((d) => existsSync(join(d, t))));
if (missingTools.length && process.env.NODEUNIT_E2E === 'required') throw new Error(`the fleet e2e needs ${missingTools.join(', ')}`);
const describeFleet = missingTools.length ? (name: string, fn: () => void) => describe.skip(`${name} (skipped: missing ${missingTools.join(', ')})`, fn) : describeE2E;

describeFleet('a fleet: three hosts, HAProxy in front, Ansible rolling deploys', () => {
  let work: string;
  const hosts = new Map<string, Container>();
  const dirs = new Map<string, { dir: string; remove(): Promise<void> }>();
  let image: string;
  let haproxy: ChildProcess | undefined;
  let repoServer: ChildProcess | undefined;
  const repoLog: string[] = [];
  const steps: string[] = [];

  const boot = async (h: string) => {
    const c = await bootContainer({ image, directory: dirs.get(h)!.dir, networkNamespacePath: `/run/netns/${ns(h)}` });
    hosts.set(h, c);
    return c;
  };
  const inNs = (n: string, cmd: string) => `ip netns exec ${ns(n)} ${cmd}`;

  const playbook = async (extra: string[] = []) => {
    const t0 = Date.now();
    const env = [
      `ANSIBLE_COLLECTIONS_PATH=${work}/collections`,
      'ANSIBLE_HOST_KEY_CHECKING=False',
      'ANSIBLE_PIPELINING=True',
      'ANSIBLE_FORKS=3',
      'ANSIBLE_NOCOLOR=1',
      `ANSIBLE_LOCAL_TEMP=${work}/ansible-tmp`,
      `ANSIBLE_SSH_ARGS='-o ControlMaster=no -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes'`,
      `ANSIBLE_PRIVATE_KEY_FILE=${work}/id_ed25519`,
    ].join(' ');
    const r = await sh(`cd ${work} && ${inNs('lb', `env ${env} ansible-playbook -i inventory.ini site.yml ${extra.join(' ')}`)}`, 300_000);
    const recap: Record<string, Record<string, number>> = {};
    for (const m of r.stdout.matchAll(/^(h\d)\s+:\s+(.*)$/gm)) {
      recap[m[1]] = Object.fromEntries([...m[2].matchAll(/(\w+)=(\d+)/g)].map((x) => [x[1], Number(x[2])]));
    }
    return { ...r, recap, seconds: (Date.now() - t0) / 1000 };
  };

  /** An ad hoc task; `args` is key=value text, or an object passed as JSON (lists, spaces, quotes). */
  const ansible = async (host: string, module: string, args: string | Record<string, unknown>, extra: string[] = []) => {
    if (typeof args !== 'string') args = JSON.stringify(args);
    const env = `ANSIBLE_COLLECTIONS_PATH=${work}/collections ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_NOCOLOR=1 ANSIBLE_LOCAL_TEMP=${work}/ansible-tmp ANSIBLE_SSH_ARGS='-o ControlMaster=no -o UserKnownHostsFile=/dev/null' ANSIBLE_PRIVATE_KEY_FILE=${work}/id_ed25519`;
    const quoted = `'${args.replace(/'/g, `'\\''`)}'`;
    return sh(`cd ${work} && ${inNs('lb', `env ${env} ansible -i inventory.ini ${host} -m ${module} -a ${quoted} ${extra.join(' ')}`)}`, 120_000);
  };

  const startLoad = (seconds = 120): Load => {
    const child = spawn('ip', ['netns', 'exec', ns('lb'), process.execPath, resolve('test/e2e/fleet/load.mjs'), `http://${ADDR.lb}:${LB_PORT}/`, String(seconds), '16'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const done = new Promise<void>((r) => child.on('close', () => r()));
    return {
      async stop() {
        child.kill('SIGTERM');
        await done;
        const j = JSON.parse(out.trim().split('\n').pop() ?? '{}');
        if (j.error) throw new Error(`load generator: ${j.error}`);
        return { total: j.total, failed: j.errors + j.timeouts + j.non2xx, detail: JSON.stringify({ codes: j.codes, statuses: j.statuses, timeouts: j.timeouts }) };
      },
    };
  };

  /** What the hosts answer through HAProxy: "version host" pairs seen in `count` requests. */
  const answers = async (count = 60) => {
    const r = await must(inNs('lb', `${process.execPath} -e "
      (async () => { const seen = {}; for (let i = 0; i < ${count}; i++) { const t = (await (await fetch('http://${ADDR.lb}:${LB_PORT}/', { headers: { connection: 'close' } })).text()).split(' '); const k = t[0] + ' ' + t[1]; seen[k] = (seen[k] || 0) + 1; } console.log(JSON.stringify(seen)); })()"`));
    return JSON.parse(r) as Record<string, number>;
  };

  /** HAProxy's view of each server (UP, DOWN, ...), from its stats socket. */
  const serverStates = async (): Promise<Record<string, string>> => {
    const csv = await new Promise<string>((res, rej) => {
      const s = connect(join(work, 'haproxy.sock'));
      let data = '';
      s.on('data', (b) => (data += b.toString()));
      s.on('end', () => res(data));
      s.on('error', rej);
      s.end('show stat\n');
    });
    const out: Record<string, string> = {};
    for (const line of csv.split('\n')) {
      const f = line.split(',');
      if (f[0] === 'web' && /^web-\d$/.test(f[1])) out[`h${f[1].slice(4)}`] = f[17];
    }
    return out;
  };

  const releaseOn = async (h: string) => {
    const r = await hosts.get(h)!.exec(['nodeunit', 'releases', 'web', '--json']);
    const j = JSON.parse(r.stdout);
    return { current: j.releases.find((x: { current: boolean }) => x.current)?.id as string, running: j.releases.filter((x: { instances: number[] }) => x.instances.length > 0).map((x: { id: string }) => x.id) as string[] };
  };

  const step = (what: string, seconds: number, extra = '') => {
    const line = `${what}: ${seconds.toFixed(1)}s${extra ? `; ${extra}` : ''}`;
    steps.push(line);
    console.log(`[fleet] ${line}`);
  };

  beforeAll(async () => {
    const t0 = Date.now();
    work = mkdtempSync(join(tmpdir(), 'nodeunit-fleet-'));
    image = await ensureImageWith(EXTRA_PACKAGES);
    // The package under test, built like the package e2e builds it.
    const debDir = resolve('dist/deb-fleet');
    const version = JSON.parse(readFileSync(resolve('package.json'), 'utf8')).version as string;
    await exec(resolve('node_modules/.bin/tsx'), [resolve('build/deb.ts'), '--fast', '--if-stale', '--out', debDir, '--version', version], { maxBuffer: 64 * 1024 * 1024 });
    const deb = join(debDir, `nodeunit_${version}_amd64.deb`);
    // The collection, built and installed for this run only.
    await must(`ansible-galaxy collection build ${resolve('ansible')} --output-path ${work}/build --force && ansible-galaxy collection install ${work}/build/nodeunit-nodeunit-*.tar.gz -p ${work}/collections --force`);
    // Releases: v1, v2 good; v3 exits at start.
    for (const [v, broken] of [['v1', false], ['v2', false], ['v3', true]] as const) {
      mkdirSync(join(work, 'src', v), { recursive: true });
      writeFileSync(join(work, 'src', v, 'server.js'), serverJs(v, broken));
      await must(`tar -czf ${work}/web-${v}.tgz -C ${work}/src/${v} .`);
    }
    // A throwaway ssh key, only in this run's temp directory.
    // The apt repository: a throwaway signing key, the same .deb, served from its own namespace below.
    makeThrowawayKey(join(work, 'gnupg'));
    publishRepo(join(work, 'gnupg'), join(work, 'apt'), deb, REPO_URL);
    await must(`ssh-keygen -q -t ed25519 -N '' -C nodeunit-fleet-test -f ${work}/id_ed25519`);
    const pub = readFileSync(`${work}/id_ed25519.pub`, 'utf8');
    writeFileSync(join(work, 'site.yml'), readFileSync(resolve('test/e2e/fleet/site.yml'), 'utf8'));
    writeFileSync(
      join(work, 'inventory.ini'),
      `[web]\n${HOSTS.map((h) => `${h} ansible_host=${ADDR[h]}`).join('\n')}\n\n[web:vars]\nansible_user=root\nansible_python_interpreter=/usr/bin/python3\nnodeunit_deb=${deb}\n`.replace(
        /^(h\d) (ansible_host=\S+)$/gm,
        (line, h: string) => (FROM_REPO.includes(h) ? `${line} nodeunit_deb='' nodeunit_repo_url=${REPO_URL} nodeunit_repo_key=${work}/apt/nodeunit-archive-keyring.pgp` : line),
      ),
    );
    await makeNetwork();
    // The repository's static server, listening only on its test address inside its namespace.
    repoServer = spawn('ip', ['netns', 'exec', ns('apt'), resolve('node_modules/.bin/tsx'), resolve('test/e2e/harness/serve-static.ts'), join(work, 'apt'), ADDR.apt, String(REPO_PORT)], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((ok, fail) => {
      let buf = '';
      repoServer!.once('exit', (code) => fail(new Error(`the repository server exited (${code})`)));
      repoServer!.stdout!.on('data', (b: Buffer) => {
        buf += b.toString();
        const lines = buf.split('\n');
        buf = lines.pop()!;
        for (const line of lines) {
          if (line === 'listening') ok();
          else repoLog.push(line);
        }
      });
    });
    for (const h of HOSTS) {
      const d = await makeMachineDirectory(image);
      dirs.set(h, d);
      mkdirSync(join(d.dir, 'root/.ssh'), { recursive: true, mode: 0o700 });
      writeFileSync(join(d.dir, 'root/.ssh/authorized_keys'), pub, { mode: 0o600 });
      writeFileSync(join(d.dir, 'etc/hostname'), `${h}\n`);
      // No way out of the namespaces: Debian's sources could only fail; apt asks the fleet's repository alone.
      rmSync(join(d.dir, 'etc/apt/sources.list'), { force: true });
      rmSync(join(d.dir, 'etc/apt/sources.list.d/debian.sources'), { force: true });
    }
    await Promise.all(HOSTS.map(boot));
    for (const h of HOSTS) {
      const r = await hosts.get(h)!.exec(['systemctl', 'is-active', 'ssh.service']);
      expect(r.stdout.trim(), `sshd on ${h}`).toBe('active');
    }
    step('setup (root, package, collection, network, 3 hosts booted)', (Date.now() - t0) / 1000);
  }, 600_000);

  afterAll(async () => {
    haproxy?.kill('SIGTERM');
    repoServer?.kill('SIGTERM');
    if (work) killGpgAgent(join(work, 'gnupg'));
    await Promise.all([...hosts.values()].map((c) => c.stop()));
    for (const d of dirs.values()) await d.remove();
    await deleteNetwork();
    if (work) rmSync(work, { recursive: true, force: true });
    console.log(`[fleet] summary:\n  ${steps.join('\n  ')}`);
  }, 120_000);

  it('install + enable on all three from nothing; a second run changes nothing', async () => {
    const first = await playbook(['-e', 'release=web-v1.tgz']);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    step('playbook, install + deploy v1 + enable, 3 hosts from nothing', first.seconds, `changed per host ${HOSTS.map((h) => first.recap[h]?.changed).join('/')}`);
    for (const h of HOSTS) expect(first.recap[h]).toMatchObject({ failed: 0, unreachable: 0 });
    for (const h of HOSTS) expect(first.recap[h].changed).toBeGreaterThanOrEqual(3);
    // h1 installed nodeunit by name from the repository, through the role's keyring and deb822 source; h2 and h3 from the .deb.
    for (const h of HOSTS) {
      const c = hosts.get(h)!;
      const files = await c.sh("cat /etc/apt/sources.list.d/nodeunit.sources 2>/dev/null; ls /usr/share/keyrings/nodeunit-archive-keyring.pgp 2>/dev/null; dpkg-query -W -f='${Status}' nodeunit");
      expect(files.stdout).toContain('install ok installed');
      if (FROM_REPO.includes(h)) {
        expect(files.stdout).toContain(`URIs: ${REPO_URL}\n`);
        expect(files.stdout).toContain('Signed-By: /usr/share/keyrings/nodeunit-archive-keyring.pgp');
        const policy = await c.sh('apt-cache policy nodeunit');
        expect(policy.stdout).toMatch(/^\s+\*\*\* \S+ 500$/m);
        expect(policy.stdout).toContain(`500 ${REPO_URL} stable/main amd64 Packages`);
      } else {
        expect(files.stdout).not.toContain('nodeunit-archive-keyring');
      }
    }
    expect(repoLog).toContainEqual(expect.stringMatching(new RegExp(`^${ADDR.h1.replace(/\./g, '\\.')} GET /dists/stable/InRelease 200$`)));
    expect(repoLog).toContainEqual(expect.stringMatching(new RegExp(`^${ADDR.h1.replace(/\./g, '\\.')} GET /pool/main/n/nodeunit/nodeunit_\\S+_amd64\\.deb 200$`)));
    expect(repoLog.filter((l) => !l.startsWith(`${ADDR.h1} `))).toEqual([]);
    const second = await playbook(['-e', 'release=web-v1.tgz']);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    step('playbook again, same release', second.seconds, `changed per host ${HOSTS.map((h) => second.recap[h]?.changed).join('/')}`);
    for (const h of HOSTS) expect(second.recap[h], second.stdout).toMatchObject({ changed: 0, failed: 0 });
    // Check mode + diff mode: a new instance count is reported as a change with a diff, and nothing is done.
    const appArgs = `name=web script=server.js release_dir=true port=8080 env='{"PORT":"8080","HOST_ID":"h1"}'`;
    const check = await ansible('h1', 'nodeunit.nodeunit.app', `${appArgs} instances=3`, ['--check', '--diff']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toMatch(/^h1 \| CHANGED/m);
    expect((await hosts.get('h1')!.exec(['systemctl', 'is-enabled', 'web@3.service'])).stdout.trim()).not.toBe('enabled');
    // A bad parameter: nodeunit's one-line error, nothing changed.
    const bad = await ansible('h1', 'nodeunit.nodeunit.app', `${appArgs} instances=0`);
    expect(bad.code).not.toBe(0);
    expect(bad.stdout).toMatch(/"msg": "--instances must be 1-256, not 0"/);
    expect(bad.stdout).toMatch(/"changed": false/);

    // HAProxy in front, its backend generated by nodeunit itself.
    const backend = await must(`${resolve('dist/nodeunit')} generate web --haproxy ${HOSTS.map((h) => `${ADDR[h]}:8080`).join(' ')} --listen ${LB_PORT} --check-path /health`);
    writeFileSync(
      join(work, 'haproxy.cfg'),
      `global\n    stats socket ${work}/haproxy.sock mode 600 level admin\n\ndefaults\n    mode http\n    timeout connect 2s\n    timeout client 30s\n    timeout server 30s\n\n${backend.replace(`bind :${LB_PORT}`, `bind ${ADDR.lb}:${LB_PORT}`)}`,
    );
    await must(`haproxy -c -f ${work}/haproxy.cfg`);
    haproxy = spawn('ip', ['netns', 'exec', ns('lb'), 'haproxy', '-db', '-f', join(work, 'haproxy.cfg')], { stdio: 'ignore' });
    const deadline = Date.now() + 20_000;
    while (Object.values(await serverStates().catch(() => ({}))).filter((s) => s === 'UP').length < 3 && Date.now() < deadline) await sleep(250);
    expect(await serverStates()).toEqual({ h1: 'UP', h2: 'UP', h3: 'UP' });
    const seen = await answers();
    expect(Object.keys(seen).sort()).toEqual(['v1 h1', 'v1 h2', 'v1 h3']);
  }, 600_000);

  it('a rolling deploy of v2, serial 1, under keep-alive load through HAProxy: 0 failed, every host on v2', async () => {
    const load = startLoad();
    await sleep(1500);
    const r = await playbook(['-e', 'release=web-v2.tgz']);
    await sleep(1500);
    const l = await load.stop();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    step('rolling deploy v2 (serial 1)', r.seconds, `${l.total} requests, ${l.failed} failed ${l.detail}`);
    for (const h of HOSTS) expect(r.recap[h]).toMatchObject({ failed: 0 });
    expect(l.total).toBeGreaterThan(1000);
    expect(l.failed).toBe(0);
    // Release ids carry each host's deploy time, then the content hash: the same hash everywhere.
    const hash = (id: string) => id.slice(-12);
    const v2 = hash((await releaseOn('h1')).current);
    for (const h of HOSTS) {
      const r = await releaseOn(h);
      expect([hash(r.current), ...r.running.map(hash)]).toEqual([v2, v2]);
    }
    expect(Object.keys(await answers()).sort()).toEqual(['v2 h1', 'v2 h2', 'v2 h3']);
  }, 600_000);

  it('a broken v3: the first host rolls back by itself, the play stops there, the others stay on v2, 0 failed', async () => {
    const before = await Promise.all(HOSTS.map(releaseOn));
    const load = startLoad();
    await sleep(1500);
    const r = await playbook(['-e', 'release=web-v3.tgz']);
    await sleep(1500);
    const l = await load.stop();
    step('deploy broken v3: h1 rolls back, play stops', r.seconds, `${l.total} requests, ${l.failed} failed ${l.detail}`);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toMatch(/failed: web@1 did not become ready .*; rolled back to /);
    expect(r.stdout).toContain('v3: cannot start: DATABASE_URL is not set');
    expect(r.recap.h1).toMatchObject({ failed: 1 });
    // serial: 1 + max_fail_percentage: 0: h2 and h3 were never started on.
    expect(r.recap.h2).toBeUndefined();
    expect(r.recap.h3).toBeUndefined();
    expect(await Promise.all(HOSTS.map(releaseOn))).toEqual(before);
    expect(l.total).toBeGreaterThan(1000);
    expect(l.failed).toBe(0);
    expect(Object.keys(await answers()).sort()).toEqual(['v2 h1', 'v2 h2', 'v2 h3']);
  }, 600_000);

  it('one host powered off mid-load: HAProxy routes around it; booted again, its instances come back and HAProxy takes it back', async () => {
    const load = startLoad();
    await sleep(1500);
    const t0 = Date.now();
    await hosts.get('h3')!.stop();
    const down = (Date.now() - t0) / 1000;
    let deadline = Date.now() + 15_000;
    while (!/^DOWN/.test((await serverStates()).h3) && Date.now() < deadline) await sleep(200);
    const marked = (Date.now() - t0) / 1000;
    expect((await serverStates()).h3).toMatch(/^DOWN/);
    await sleep(2000);
    const t1 = Date.now();
    const c = await boot('h3');
    const booted = (Date.now() - t1) / 1000;
    deadline = Date.now() + 30_000;
    while ((await serverStates()).h3 !== 'UP' && Date.now() < deadline) await sleep(200);
    const back = (Date.now() - t1) / 1000;
    await sleep(1500);
    const l = await load.stop();
    step('h3 powered off and booted under load', (Date.now() - t0) / 1000, `poweroff ${down.toFixed(1)}s, HAProxy marked it down after ${marked.toFixed(1)}s, boot ${booted.toFixed(1)}s, UP in HAProxy ${back.toFixed(1)}s after boot start; ${l.total} requests, ${l.failed} failed ${l.detail}`);
    expect((await serverStates()).h3).toBe('UP');
    expect((await c.exec(['systemctl', 'is-active', 'web@1.service', 'web@2.service'])).stdout.split('\n').filter(Boolean)).toEqual(['active', 'active']);
    expect(Object.keys(await answers()).sort()).toEqual(['v2 h1', 'v2 h2', 'v2 h3']);
    expect(l.total).toBeGreaterThan(1000);
    // An orderly poweroff drains: at most the requests in flight on h3 may fail (16 connections).
    expect(l.failed).toBeLessThanOrEqual(16);
  }, 600_000);

  it('the deploy module in check mode: changed only when the content differs, and nothing happens', async () => {
    const t0 = Date.now();
    const h2 = hosts.get('h2')!;
    const disk = async () => (await h2.sh('ls /var/lib/nodeunit/web/releases; cat /var/lib/nodeunit/web/history; readlink /var/lib/nodeunit/web/current')).stdout;
    const pids = async () => (await h2.exec(['systemctl', 'show', '-p', 'MainPID', '--value', 'web@1.service', 'web@2.service'])).stdout;
    const [diskBefore, pidsBefore, releaseBefore] = [await disk(), await pids(), await releaseOn('h2')];
    // h2 runs v2: deploying v1 again would switch current back and restart both instances.
    const other = await ansible('h2', 'nodeunit.nodeunit.deploy', `name=web src=${work}/web-v1.tgz`, ['--check']);
    expect(other.code, other.stdout + other.stderr).toBe(0);
    expect(other.stdout).toMatch(/^h2 \| CHANGED/m);
    expect(other.stdout).toMatch(/"instances_to_restart": \[\s*1,\s*2\s*\]/);
    const same = await ansible('h2', 'nodeunit.nodeunit.deploy', `name=web src=${work}/web-v2.tgz`, ['--check']);
    expect(same.code, same.stdout + same.stderr).toBe(0);
    expect(same.stdout).toMatch(/^h2 \| SUCCESS/m);
    expect(same.stdout).toContain(`"release": "${releaseBefore.current}"`);
    // A broken release in check mode is only a changed content: nothing starts, nothing rolls back.
    const broken = await ansible('h2', 'nodeunit.nodeunit.deploy', `name=web src=${work}/web-v3.tgz`, ['--check']);
    expect(broken.stdout).toMatch(/^h2 \| CHANGED/m);
    expect(await disk()).toBe(diskBefore);
    expect(await pids()).toBe(pidsBefore);
    expect(await releaseOn('h2')).toEqual(releaseBefore);
    step('deploy module --check on h2: v1 (changed), v2 (not), broken v3 (changed); nothing on disk or running changed', (Date.now() - t0) / 1000);
  }, 120_000);

  it('the app module: stopped, started, reloaded and absent, each idempotent; args reach the app verbatim', async () => {
    const t0 = Date.now();
    const appArgs = `name=web script=server.js release_dir=true instances=2 port=8080 env='{"HOST_ID":"h2","PORT":"8080"}'`;
    const run = async (state: string, expected: 'CHANGED' | 'SUCCESS', args: string | Record<string, unknown> = `${appArgs} state=${state}`) => {
      const r = await ansible('h2', 'nodeunit.nodeunit.app', args);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout, `state=${state}`).toMatch(new RegExp(`^h2 \\| ${expected}`, 'm'));
    };
    const active = async () => (await hosts.get('h2')!.exec(['systemctl', 'is-active', 'web@1.service', 'web@2.service'])).stdout.split('\n').filter(Boolean);
    await run('started', 'SUCCESS');
    await run('stopped', 'CHANGED');
    expect(await active()).toEqual(['inactive', 'inactive']);
    await run('stopped', 'SUCCESS');
    await run('started', 'CHANGED');
    expect(await active()).toEqual(['active', 'active']);
    // args: through YAML/JSON, the module, 'enable -- ...', the unit's ExecStart= and the launcher, to process.argv.
    const appArgv = ['--greeting', 'hello world', `it's "quoted"`, '$HOME', '100%', ''];
    const withArgs = { name: 'web', script: 'server.js', release_dir: true, instances: 2, port: ['8080'], env: { HOST_ID: 'h2', PORT: '8080' }, args: appArgv };
    await run('started', 'CHANGED', withArgs);
    const argsSeen = await hosts.get('h2')!.exec(['node', '-e', "fetch('http://127.0.0.1:8080/args', { headers: { connection: 'close' } }).then((r) => r.text()).then((t) => process.stdout.write(t))"]);
    expect(JSON.parse(argsSeen.stdout), argsSeen.stderr).toEqual(appArgv);
    for (const n of [1, 2]) {
      const pid = (await hosts.get('h2')!.exec(['systemctl', 'show', '-p', 'MainPID', '--value', `web@${n}.service`])).stdout.trim();
      const cmdline = (await hosts.get('h2')!.exec(['cat', `/proc/${pid}/cmdline`])).stdout.split('\0');
      expect(cmdline.slice(-appArgv.length - 1, -1), `web@${n} cmdline`).toEqual(appArgv);
    }
    await run('started', 'SUCCESS', withArgs);
    await run('reloaded', 'CHANGED');
    await run('absent', 'CHANGED');
    expect((await hosts.get('h2')!.exec(['nodeunit', 'ls'])).stdout).toMatch(/no apps/);
    await run('absent', 'SUCCESS');
    step('app module on h2: started, stopped (x2), started, started with args (x2), reloaded, absent (x2)', (Date.now() - t0) / 1000);
  }, 300_000);
});
