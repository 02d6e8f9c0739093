import { describe, expect, it } from 'vitest';
import { requirePreload } from './load';

const { listenFds } = requirePreload('./listen-fds.cjs');

describe('listenFds', () => {
  it('numbers fds from 3 with their names', () => {
    expect(listenFds({ LISTEN_PID: '42', LISTEN_FDS: '2', LISTEN_FDNAMES: '8080:admin' }, 42)).toEqual([
      { fd: 3, name: '8080' },
      { fd: 4, name: 'admin' },
    ]);
  });
  it.each([
    [{ LISTEN_FDS: '1' }, 'no LISTEN_PID'],
    [{ LISTEN_PID: '41', LISTEN_FDS: '1' }, 'another process'],
    [{ LISTEN_PID: 'x', LISTEN_FDS: '1' }, 'malformed LISTEN_PID'],
    [{ LISTEN_PID: '42' }, 'no LISTEN_FDS'],
    [{ LISTEN_PID: '42', LISTEN_FDS: 'two' }, 'malformed LISTEN_FDS'],
    [{ LISTEN_PID: '42', LISTEN_FDS: '0' }, 'zero fds'],
  ])("%j -> none (%s)", (env, _why) => expect(listenFds(env, 42)).toEqual([]));
  it('names every fd "unknown" when LISTEN_FDNAMES is missing or does not match the count', () => {
    expect(listenFds({ LISTEN_PID: '42', LISTEN_FDS: '2', LISTEN_FDNAMES: 'only-one' }, 42)).toEqual([
      { fd: 3, name: 'unknown' },
      { fd: 4, name: 'unknown' },
    ]);
    expect(listenFds({ LISTEN_PID: '42', LISTEN_FDS: '1' }, 42)).toEqual([{ fd: 3, name: 'unknown' }]);
  });
});
