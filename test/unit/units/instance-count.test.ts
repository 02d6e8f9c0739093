import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderService } from '../../../src/units/render-service.js';
import { withInstanceCount } from '../../../src/units/instance-count.js';
import { defaultSpec, MATRIX } from './fixtures.js';

describe('withInstanceCount', () => {
  it('turns the template rendered for a instances into the one rendered for b, for shared sockets', () => {
    const shared = Object.entries(MATRIX).filter(([, o]) => (o.balance ?? 'shared') === 'shared');
    fc.assert(
      fc.property(fc.constantFrom(...shared), fc.integer({ min: 1, max: 256 }), fc.integer({ min: 1, max: 256 }), ([, o], a, b) => {
        const withPorts = { ...o, ports: o.ports?.length ? o.ports : [{ port: 8080 }] };
        const from = renderService(defaultSpec({ ...withPorts, instances: a })).content;
        const to = renderService(defaultSpec({ ...withPorts, instances: b })).content;
        expect(withInstanceCount(from, b)).toBe(to);
      }),
      { numRuns: 300 },
    );
  });

  it('leaves a file that is not nodeunit\'s template alone', () => {
    expect(withInstanceCount('[Service]\nExecStart=/bin/true\n', 4)).toBeUndefined();
  });

  it('never touches a NODEUNIT_INSTANCES the user set with --env (no comment above it)', () => {
    const t = renderService(defaultSpec({ instances: 2, ports: [{ port: 8080 }], env: [['OTHER', '1']] })).content;
    const user = t.replace('Environment=OTHER=1\n', 'Environment=OTHER=1\nEnvironment=NODEUNIT_INSTANCES=7\n');
    expect(withInstanceCount(user, 3)).toContain('Environment=NODEUNIT_INSTANCES=7\n');
    expect(withInstanceCount(user, 3)).toContain('Environment=NODEUNIT_INSTANCES=3\n');
  });
});
