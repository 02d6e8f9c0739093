/**
 * A sample of the property test's strings (test/unit/units/property.test.ts)
 * through a real systemd (Debian 12, 252): each value is rendered into
 * ExecStart= arguments and Environment= lines exactly as nodeunit renders
 * them, `systemd-analyze verify` must accept every unit, and the process
 * systemd starts must receive each value byte for byte. No ports.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { quoteEnvironmentAssignment, renderCommandLine } from '../../src/units/index.js';
import { nasty } from '../support/arbitraries.js';
import type { Container } from './harness/container.js';
import { describeE2E } from './harness/container.js';
import { bootWithNodeunit } from './harness/nodeunit.js';

const UNITS = 30;
const PER_UNIT = 10;

function renders(f: () => unknown): boolean {
  try {
    f();
    return true;
  } catch {
    return false;
  }
}

describeE2E('unit values round-trip through a real systemd', () => {
  let c: Container;
  beforeAll(async () => {
    c = await bootWithNodeunit();
  });
  afterAll(async () => {
    await c?.stop();
  });

  it(`${UNITS * PER_UNIT} arguments and ${UNITS * PER_UNIT} environment values read back exactly`, async () => {
    // A fixed seed: the same sample every run, so a failure can be reproduced.
    const pool = fc.sample(nasty, { numRuns: 4000, seed: 9 });
    const args = pool.filter((v) => renders(() => renderCommandLine(['/usr/bin/node', v]))).slice(0, UNITS * PER_UNIT);
    const envs = pool.filter((v) => renders(() => quoteEnvironmentAssignment('V0', v))).slice(0, UNITS * PER_UNIT);
    expect(args).toHaveLength(UNITS * PER_UNIT);
    expect(envs).toHaveLength(UNITS * PER_UNIT);
    const units: string[] = [];
    for (let u = 0; u < UNITS; u++) {
      const a = args.slice(u * PER_UNIT, (u + 1) * PER_UNIT);
      const e = envs.slice(u * PER_UNIT, (u + 1) * PER_UNIT);
      const body = [
        '[Service]',
        'Type=oneshot',
        `Environment=OUT=/run/rt/${u}.json`,
        ...e.map((v, i) => `Environment=${quoteEnvironmentAssignment(`V${i}`, v)}`),
        `ExecStart=${renderCommandLine(['/usr/bin/node', '/opt/apps/dump.js', ...a])}`,
        '',
      ].join('\n');
      await c.writeFile(`/etc/systemd/system/rt${u}.service`, body);
      units.push(`rt${u}.service`);
    }
    const verify = await c.exec(['systemd-analyze', 'verify', ...units.map((u) => `/etc/systemd/system/${u}`)], { timeoutMs: 120_000 });
    expect(verify.stderr.split('\n').filter((l) => /rt\d+\.service/.test(l))).toEqual([]);
    expect((await c.sh('mkdir -p /run/rt && systemctl daemon-reload')).code).toBe(0);
    const start = await c.exec(['systemctl', 'start', ...units], { timeoutMs: 120_000 });
    expect(start.code, start.stderr).toBe(0);
    let same = 0;
    for (let u = 0; u < UNITS; u++) {
      const got = JSON.parse((await c.exec(['cat', `/run/rt/${u}.json`])).stdout) as { argv: string[]; env: Record<string, string> };
      expect(got.argv).toEqual(args.slice(u * PER_UNIT, (u + 1) * PER_UNIT));
      expect(got.env).toEqual(Object.fromEntries(envs.slice(u * PER_UNIT, (u + 1) * PER_UNIT).map((v, i) => [`V${i}`, v])));
      same += PER_UNIT * 2;
    }
    console.log(`${same} values round-tripped through systemd ${UNITS} units; longest argument ${Math.max(...args.map((a) => a.length))} characters`);
  }, 300_000);
});
