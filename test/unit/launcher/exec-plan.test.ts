import { describe, expect, it } from 'vitest';
import { execPlan, underSystemd } from '../../../src/launcher/exec-plan';

const base = { node: '/usr/bin/node', nodeOptions: ['--max-old-space-size=512'], script: 'app.js', scriptArgs: ['--flag'] };

describe('execPlan', () => {
  it('outside systemd: node [options] script [args], environment untouched', () => {
    expect(execPlan({ ...base, env: { PATH: '/usr/bin', GONE: undefined } })).toEqual({
      file: '/usr/bin/node',
      args: ['/usr/bin/node', '--max-old-space-size=512', 'app.js', '--flag'],
      env: { PATH: '/usr/bin' },
    });
  });
  it('under systemd: the preload goes after node options, settings go in the environment', () => {
    const plan = execPlan({
      ...base,
      env: { NOTIFY_SOCKET: '/run/systemd/notify' },
      preload: { file: '/usr/lib/nodeunit/1/preload.cjs', notifyFd: 21, ready: 'manual', drainTimeoutSec: 3, adopt: false },
    });
    expect(plan.args).toEqual(['/usr/bin/node', '--max-old-space-size=512', '--require', '/usr/lib/nodeunit/1/preload.cjs', 'app.js', '--flag']);
    expect(plan.env).toEqual({
      NOTIFY_SOCKET: '/run/systemd/notify',
      NODEUNIT_NOTIFY_FD: '21',
      NODEUNIT_READY: 'manual',
      NODEUNIT_DRAIN_TIMEOUT: '3',
      NODEUNIT_ADOPT: '0',
    });
  });
  it("derives pm2's 0-based NODE_APP_INSTANCE from NODEUNIT_INSTANCE", () => {
    expect(execPlan({ ...base, env: { NODEUNIT_INSTANCE: '1' } }).env.NODE_APP_INSTANCE).toBe('0');
    expect(execPlan({ ...base, env: { NODEUNIT_INSTANCE: '4' } }).env.NODE_APP_INSTANCE).toBe('3');
    expect(execPlan({ ...base, env: { NODEUNIT_INSTANCE: 'blue' } }).env.NODE_APP_INSTANCE).toBeUndefined();
    expect(execPlan({ ...base, env: { NODEUNIT_INSTANCE: '2', NODE_APP_INSTANCE: '7' } }).env.NODE_APP_INSTANCE).toBe('7');
  });
});

describe('underSystemd', () => {
  it.each([
    [{}, false],
    [{ NOTIFY_SOCKET: '/run/systemd/notify' }, true],
    [{ LISTEN_FDS: '1' }, true],
    [{ NOTIFY_SOCKET: '' }, false],
  ])('%j -> %s', (env, yes) => expect(underSystemd(env)).toBe(yes));
});
