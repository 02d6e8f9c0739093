import { describe, expect, it } from 'vitest';
import { parseLaunchArgs } from '../../../src/launcher/parse-args';

describe('parseLaunchArgs', () => {
  it('passes node options through verbatim and splits off the script and its arguments', () => {
    expect(parseLaunchArgs(['--max-old-space-size=512', '-r', 'dotenv/config', 'index.js', '--some-app-flag', '-x'])).toMatchObject({
      nodeOptions: ['--max-old-space-size=512', '-r', 'dotenv/config'],
      script: 'index.js',
      scriptArgs: ['--some-app-flag', '-x'],
      adopt: true,
    });
  });
  it('takes nodeunit options in both spellings and keeps them from node', () => {
    const args = parseLaunchArgs(['--node', '/opt/node/bin/node', '--ready=manual', '--drain-timeout', '2.5', '--no-adopt', '--inspect', 'app.js']);
    expect(args).toMatchObject({ node: '/opt/node/bin/node', ready: 'manual', drainTimeoutSec: 2.5, adopt: false, nodeOptions: ['--inspect'], script: 'app.js' });
  });
  it('treats options after the script as the script’s own', () => {
    expect(parseLaunchArgs(['app.js', '--ready=start', '--node', 'x'])).toMatchObject({
      nodeOptions: [],
      script: 'app.js',
      scriptArgs: ['--ready=start', '--node', 'x'],
    });
  });
  it('stops at -- and at eval options', () => {
    expect(parseLaunchArgs(['--', '--weird-name.js', 'a'])).toMatchObject({ script: '--weird-name.js', scriptArgs: ['a'] });
    const evalArgs = parseLaunchArgs(['--no-warnings', '-e', 'console.log(1)', 'x']);
    expect(evalArgs.nodeOptions).toEqual(['--no-warnings', '-e', 'console.log(1)', 'x']);
    expect(evalArgs.script).toBeUndefined();
    expect(evalArgs.evaluates).toBe(true);
    expect(parseLaunchArgs(['app.js']).evaluates).toBe(false);
  });
  it('knows help and version', () => {
    expect(parseLaunchArgs(['--help']).help).toBe(true);
    expect(parseLaunchArgs(['-v']).version).toBe(true);
  });
  it.each([
    [['--ready=soon', 'app.js'], /--ready must be listen, manual or start, not 'soon'/],
    [['--drain-timeout=ten', 'app.js'], /--drain-timeout must be a number of seconds/],
    [['--node'], /--node needs a value/],
    [['-r'], /-r needs a value/],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseLaunchArgs(argv)).toThrow(message);
    try {
      parseLaunchArgs(argv);
    } catch (err) {
      expect((err as { exitCode: number }).exitCode).toBe(2);
    }
  });
});
