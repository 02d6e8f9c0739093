/**
 * Property tests (fast-check) for everything that goes into a unit file:
 * app names, paths, environment values, node options and the script drawn
 * from unicode, spaces, quotes, %, $, backslashes, control characters and
 * long strings. Each either renders a unit whose values read back exactly
 * (test/support/systemd-unquote.ts reads them the way systemd does) or is
 * refused with one line. test/e2e/unit-roundtrip.test.ts runs a sample
 * through a real systemd.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildAppSpec } from '../../../src/cli/app-options.js';
import { UserError } from '../../../src/cli/user-error.js';
import { quoteEnvironmentAssignment, renderApp, renderCommandLine } from '../../../src/units/index.js';
import { hasInvalidUnicode } from '../../../src/units/quote.js';
import { nasty } from '../../support/arbitraries.js';
import { readCommandLine, readEnvironment } from '../../support/systemd-unquote.js';

const RUNS = Number(process.env.NODEUNIT_PROPERTY_RUNS ?? 3000);

const CONTROL = /[\x00-\x1f\x7f]/;

describe('ExecStart= quoting (property)', () => {
  it('any argv either reads back exactly or is refused with a RangeError', () => {
    fc.assert(
      fc.property(fc.array(nasty, { maxLength: 6 }), (args) => {
        const argv = ['/usr/bin/nodeunit', ...args];
        let line: string;
        try {
          line = renderCommandLine(argv);
        } catch (err) {
          expect(err).toBeInstanceOf(RangeError);
          expect((err as Error).message).not.toContain('\n');
          return;
        }
        expect(line).not.toMatch(/[\n\r]/);
        expect(readCommandLine(line)).toEqual(argv);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('Environment= quoting (property)', () => {
  it('any value either reads back exactly or is refused with one line', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,20}$/), nasty, (key, value) => {
        let line: string;
        try {
          line = quoteEnvironmentAssignment(key, value);
        } catch (err) {
          expect(err).toBeInstanceOf(RangeError);
          expect(CONTROL.test(value) || hasInvalidUnicode(value)).toBe(true);
          return;
        }
        expect(readEnvironment(line)).toEqual([`${key}=${value}`]);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('a whole app from the command line (property)', () => {
  const host = { cwd: '/srv', systemdVersion: 252, nodeunitPath: '/usr/bin/nodeunit', resolveNode: (f: string | undefined) => f ?? '/usr/bin/node' };
  it('name, script, cwd, env, node options: a unit that reads back, or one UserError line', () => {
    fc.assert(
      fc.property(
        fc.oneof(nasty, fc.stringMatching(/^[a-z][a-z0-9_-]{0,30}$/)),
        nasty,
        nasty,
        fc.array(fc.tuple(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,10}$/), nasty), { maxLength: 3 }),
        fc.array(nasty, { maxLength: 3 }),
        (name, script, cwd, env, nodeOptions) => {
          let files;
          let spec;
          try {
            spec = buildAppSpec(
              { name, script: `/opt/${script}`, cwd: `/${cwd}`, env: env.map(([k, v]) => `${k}=${v}`), nodeOption: nodeOptions, dynamicUser: true },
              host,
            );
            files = renderApp(spec);
          } catch (err) {
            expect(err).toBeInstanceOf(UserError);
            expect((err as Error).message).not.toMatch(/[\n\r]/);
            return;
          }
          const service = files.find((f) => f.path.endsWith('@.service'))!.content;
          const value = (key: string) => service.split('\n').filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));
          const exec = readCommandLine(value('ExecStart')[0]);
          expect(exec.slice(-1 - spec.nodeOptions.length)).toEqual([...spec.nodeOptions, spec.script]);
          // WorkingDirectory= takes the rest of the line with specifiers only.
          expect(value('WorkingDirectory')[0].replaceAll('%%', '%')).toBe(spec.cwd);
          // The first Environment= line is nodeunit's own NODEUNIT_INSTANCE=%i, a specifier on purpose.
          const assigned = value('Environment').filter((v) => v !== 'NODEUNIT_INSTANCE=%i').flatMap(readEnvironment);
          for (const [k, v] of spec.env) expect(assigned).toContain(`${k}=${v}`);
          for (const line of service.split('\n')) expect(line === '' || /^(#|\[|[A-Za-z]+=)/.test(line)).toBe(true);
        },
      ),
      { numRuns: Math.ceil(RUNS / 3) },
    );
  });
});
