import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTime, withAppLock } from '../../../src/system/app-lock';

const dir = mkdtempSync(join(tmpdir(), 'app-lock-'));
const children: Array<ReturnType<typeof spawn>> = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

function holdBy(pid: number, started: string | undefined, command: string, app: string): void {
  writeFileSync(join(dir, `${app}.lock`), `${pid} ${started ?? ''}\n${command}\n`);
}

describe('withAppLock', () => {
  it('takes a free lock, names the command in the file, and removes it afterwards (also on a throw)', async () => {
    const seen = await withAppLock('a', 'nodeunit scale a', () => {}, async () => readFileSync(join(dir, 'a.lock'), 'utf8'), { dir });
    expect(seen).toBe(`${process.pid} ${startTime(process.pid)}\nnodeunit scale a\n`);
    expect(existsSync(join(dir, 'a.lock'))).toBe(false);
    await expect(withAppLock('a', 'x', () => {}, async () => Promise.reject(new Error('boom')), { dir })).rejects.toThrow('boom');
    expect(existsSync(join(dir, 'a.lock'))).toBe(false);
  });

  it('is re-entrant in one process (secret set runs reload)', async () => {
    const r = await withAppLock('b', 'outer', () => {}, () => withAppLock('b', 'inner', () => {}, async () => 42, { dir, waitMs: 100 }), { dir });
    expect(r).toBe(42);
  });

  it('waits for a live holder with one line, then refuses with one line naming it; fn never runs', async () => {
    const child = spawn('sleep', ['30']);
    children.push(child);
    await new Promise((r) => setTimeout(r, 50));
    holdBy(child.pid!, startTime(child.pid!), 'nodeunit reload c', 'c');
    const said: string[] = [];
    let ran = false;
    const err = await withAppLock('c', 'nodeunit scale c', (l) => said.push(l), async () => (ran = true), { dir, waitMs: 700 }).catch((e: Error) => e);
    expect(ran).toBe(false);
    expect(said).toEqual([`c: waiting for 'nodeunit reload c' (pid ${child.pid}) to finish (at most 1 s)\n`]);
    expect((err as Error).message).toMatch(/^c is busy: 'nodeunit reload c' \(pid \d+\) is still changing it after 1 s; try again/);
  });

  it('runs as soon as the live holder lets go', async () => {
    const child = spawn('sleep', ['30']);
    children.push(child);
    await new Promise((r) => setTimeout(r, 50));
    holdBy(child.pid!, startTime(child.pid!), 'nodeunit reload d', 'd');
    setTimeout(() => child.kill('SIGKILL'), 300);
    const t0 = Date.now();
    expect(await withAppLock('d', 'x', () => {}, async () => 'ran', { dir, waitMs: 10_000 })).toBe('ran');
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('takes over a stale lock: a dead pid, or a live pid with another start time (reused)', async () => {
    holdBy(2 ** 22 + 7, '123', 'nodeunit enable e', 'e');
    expect(await withAppLock('e', 'x', () => {}, async () => 'ran', { dir, waitMs: 100 })).toBe('ran');
    holdBy(process.ppid, '1', 'nodeunit enable f', 'f');
    expect(await withAppLock('f', 'x', () => {}, async () => 'ran', { dir, waitMs: 100 })).toBe('ran');
  });
});
