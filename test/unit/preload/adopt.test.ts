import { describe, expect, it } from 'vitest';
import { requirePreload } from './load';

const { routeListen } = requirePreload('./adopt.cjs');

const fds = [
  { fd: 3, name: 'web' },
  { fd: 4, name: '9090' },
];
const cb = () => {};

describe('routeListen', () => {
  it('serves listen(port) on the fd named after the port', () => {
    const claimed = new Set<number>();
    expect(routeListen(fds, claimed, [9090, cb])).toEqual([{ fd: 4 }, cb]);
    expect([...claimed]).toEqual([4]);
  });
  it('serves listen(port) on the first unclaimed fd when no name matches', () => {
    const claimed = new Set<number>();
    expect(routeListen(fds, claimed, [3000])).toEqual([{ fd: 3 }]);
    expect(routeListen(fds, claimed, ['3001', '0.0.0.0', cb])).toEqual([{ fd: 4 }, cb]);
  });
  it('matches host:port names and options objects', () => {
    const claimed = new Set<number>();
    const named = [{ fd: 3, name: '127.0.0.1:80' }];
    expect(routeListen(named, claimed, [{ port: 80, host: '127.0.0.1' }, cb])).toEqual([{ fd: 3 }, cb]);
  });
  it('binds as usual once every fd is claimed', () => {
    const claimed = new Set<number>([3, 4]);
    expect(routeListen(fds, claimed, [8080, cb])).toEqual([8080, cb]);
  });
  it('leaves port 0, pipes, handles and no-argument listens alone', () => {
    const claimed = new Set<number>();
    for (const args of [[0], ['/run/app.sock'], [{ path: '/run/app.sock' }], [{ handle: {} }], [], [{ port: 0 }]]) {
      expect(routeListen(fds, claimed, args)).toBe(args);
    }
    expect(claimed.size).toBe(0);
  });
  it("keeps an app's own listen({ fd: 3 }) and counts that fd as claimed", () => {
    const claimed = new Set<number>();
    const args = [{ fd: 3 }, cb];
    expect(routeListen(fds, claimed, args)).toBe(args);
    expect(routeListen(fds, claimed, [8080])).toEqual([{ fd: 4 }]);
  });
});
