import { describe, expect, it } from 'vitest';
import { requirePreload } from './load';

const { createNotifier, formatState, parseFd } = requirePreload('./notify.cjs');

function fakeFs(opts: { socket?: boolean; error?: string } = {}) {
  const written: string[] = [];
  return {
    written,
    fstatSync: () => ({ isSocket: () => opts.socket ?? true }),
    writeSync: (_fd: number, buf: Buffer) => {
      if (opts.error) throw Object.assign(new Error(opts.error), { code: opts.error });
      written.push(buf.toString());
    },
  };
}

describe('formatState', () => {
  it('writes one KEY=VALUE line per field, in order', () => {
    expect(formatState({ READY: 1, STATUS: 'Ready: listening on [::]:80' })).toBe(
      'READY=1\nSTATUS=Ready: listening on [::]:80\n',
    );
  });
  it('turns newlines in a value into spaces so they cannot start a new assignment', () => {
    expect(formatState({ STATUS: 'a\nREADY=1\r\nb' })).toBe('STATUS=a READY=1 b\n');
  });
});

describe('parseFd', () => {
  it.each([
    ['7', 7],
    [undefined, undefined],
    ['', undefined],
    ['-1', undefined],
    ['3x', undefined],
  ])('%s -> %s', (value, fd) => expect(parseFd(value)).toBe(fd));
});

describe('createNotifier', () => {
  it('sends one datagram per call', () => {
    const io = fakeFs();
    const n = createNotifier(9, io);
    expect(n.enabled).toBe(true);
    expect(n.send({ WATCHDOG: 1 })).toBe(true);
    expect(io.written).toEqual(['WATCHDOG=1\n']);
  });
  it('is quiet without an fd', () => {
    const io = fakeFs();
    const n = createNotifier(undefined, io);
    expect(n.send({ READY: 1 })).toBe(false);
    expect(io.written).toEqual([]);
  });
  it('is quiet when the fd is not a socket', () => {
    const io = fakeFs({ socket: false });
    expect(createNotifier(9, io).send({ READY: 1 })).toBe(false);
    expect(io.written).toEqual([]);
  });
  it('keeps trying after EAGAIN (full queue) but gives up after EBADF', () => {
    const again = createNotifier(9, fakeFs({ error: 'EAGAIN' }));
    expect(again.send({ READY: 1 })).toBe(false);
    expect(again.enabled).toBe(true);
    const bad = createNotifier(9, fakeFs({ error: 'EBADF' }));
    expect(bad.send({ READY: 1 })).toBe(false);
    expect(bad.enabled).toBe(false);
  });
});
