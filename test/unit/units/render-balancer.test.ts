/**
 * The HAProxy and nginx front ends `generate --haproxy/--nginx` prints:
 * snapshots, and the real tools' own config checks (`haproxy -c -f`,
 * `nginx -t`) where the binaries are installed (scripts/install-deps.sh
 * installs both; without them those two cases are skipped).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateBalancer } from '../../../src/cli/generate-balancer';
import { parseServer, type BalancerSpec } from '../../../src/units/render-balancer';
import { renderHaproxy } from '../../../src/units/render-haproxy';
import { renderNginx } from '../../../src/units/render-nginx';

const spec: BalancerSpec = {
  name: 'web',
  servers: [
    { host: '10.201.0.11', port: 8080 },
    { host: 'app2.internal', port: 8080 },
    { host: '[fd00::3]', port: 8080 },
  ],
  listen: 80,
  checkPath: '/health',
  checkIntervalSec: 1,
  slowstartSec: 10,
};

const tmp = mkdtempSync(join(tmpdir(), 'nodeunit-balancer-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const found = (bin: string) => ['/usr/sbin', '/usr/bin', '/sbin'].some((d) => existsSync(join(d, bin)));
// Host names must resolve for the real tools: the checked config uses addresses only.
const checkable: BalancerSpec = { ...spec, servers: [spec.servers[0], { host: '127.0.0.1', port: 8081 }, spec.servers[2]], listen: 18950 };

describe('renderHaproxy', () => {
  it('matches the snapshot', () => {
    expect(renderHaproxy(spec)).toMatchSnapshot();
  });
  it('has health checks, slowstart and retries to another server for idempotent requests', () => {
    const cfg = renderHaproxy(spec);
    expect(cfg).toContain('http-check send meth GET uri /health ver HTTP/1.1 hdr Host web');
    expect(cfg).toMatch(/default-server check inter 1s fall 2 rise 2 slowstart 10s/);
    expect(cfg).toContain('option redispatch');
    expect(cfg).toMatch(/^    retry-on conn-failure empty-response/m);
    expect(cfg).toContain('    server web-3 [fd00::3]:8080');
  });
  it.skipIf(!found('haproxy'))('passes haproxy -c', () => {
    const file = join(tmp, 'haproxy.cfg');
    writeFileSync(file, `global\n    log stdout format raw local0\n\ndefaults\n    mode http\n    timeout connect 2s\n    timeout client 30s\n    timeout server 30s\n\n${renderHaproxy(checkable)}`);
    const r = spawnSync('haproxy', ['-c', '-f', file], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toMatch(/\[WARNING\]/);
  });
});

describe('renderNginx', () => {
  it('matches the snapshot', () => {
    expect(renderNginx(spec)).toMatchSnapshot();
  });
  it.skipIf(!found('nginx'))('passes nginx -t', () => {
    const file = join(tmp, 'nginx.conf');
    writeFileSync(file, `pid ${tmp}/nginx.pid;\nerror_log stderr;\nevents {}\nhttp {\n    access_log off;\n${renderNginx(checkable)}}\n`);
    const r = spawnSync('nginx', ['-t', '-c', file, '-p', tmp, '-e', 'stderr'], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });
});

describe('generate --haproxy/--nginx options', () => {
  it('parses HOST:PORT, space or comma separated, and refuses bad input with one line', () => {
    expect(parseServer('[::1]:80')).toEqual({ host: '[::1]', port: 80 });
    expect(generateBalancer({ name: 'web', haproxy: ['10.0.0.1:80,10.0.0.2:80'] })).toContain('server web-2 10.0.0.2:80');
    expect(generateBalancer({ name: 'web' })).toBeUndefined();
    expect(() => generateBalancer({ name: 'web', haproxy: ['10.0.0.1'] })).toThrow(/--haproxy '10.0.0.1' is not HOST:PORT/);
    expect(() => generateBalancer({ name: 'web', haproxy: ['a:1'], nginx: ['b:1'] })).toThrow(/not both/);
    expect(() => generateBalancer({ name: 'web', nginx: ['a:1'], checkPath: 'health' })).toThrow(/--check-path/);
    expect(() => generateBalancer({ name: 'a b', nginx: ['a:1'] })).toThrow(/spaces/);
  });
});
