/**
 * Fault matrix: a chatty app (20,000 lines/s) against journald's rate limit,
 * real systemd 252. `--log-rate-limit` renders LogRateLimitBurst=/
 * LogRateLimitIntervalSec=, and `status` says how many lines journald
 * dropped. Ports 18660-18669.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Container, ExecResult } from './harness/container.js';
import { describeE2E } from './harness/container.js';
import { bootWithNodeunit, show, until } from './harness/nodeunit.js';

const PORT = 18660;
const SECONDS = 10;
const RATE = 20_000;

describeE2E('fault: a chatty app and journald rate limits', () => {
  let c: Container;
  const ok = (r: ExecResult) => expect(r.code, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0);
  beforeAll(async () => {
    c = await bootWithNodeunit();
  });
  afterAll(async () => {
    await c?.stop();
  });

  it(`${RATE} lines/s for ${SECONDS} s under --log-rate-limit 5000/2: status counts what journald dropped`, async () => {
    ok(await c.exec(['nodeunit', 'enable', 'chat', '/opt/apps/chatty.js', '--port', String(PORT), '--env', `PORT=${PORT}`, '--env', `SECONDS=${SECONDS}`, '--env', `LINES_PER_SEC=${RATE}`, '--log-rate-limit', '5000/2'], { timeoutMs: 60_000 }));
    const p = await show(c, 'chat@1.service', 'LogRateLimitIntervalUSec', 'LogRateLimitBurst');
    expect(p).toEqual({ LogRateLimitIntervalUSec: '2s', LogRateLimitBurst: '5000' });
    // The app's last line ("chatty: wrote N lines") comes after the last dropping window has ended.
    const status = await until(async () => {
      const r = await c.exec(['nodeunit', 'status', 'chat', '--json']);
      const i = JSON.parse(r.stdout).apps[0].instances[0] as { logLinesDropped: number };
      const done = (await c.sh("journalctl --sync; journalctl -u chat@1.service -o cat | grep -c '^chatty: wrote' ; true")).stdout.trim() === '1';
      return done && i.logLinesDropped > 0 ? i : undefined;
    }, 40_000, 'the app to finish and journald to report drops').catch(async (err) => {
      console.log((await c.sh('journalctl -b -o cat MESSAGE_ID=a596d6fe7bfa4994828e72309e95d61e; journalctl -b -o cat | grep -i -m5 suppress; journalctl -u chat@1.service -o cat | tail -3')).stdout);
      throw err;
    });
    // Read again now that the final line is in: it made journald report the last window's drops.
    const again = JSON.parse((await c.exec(['nodeunit', 'status', 'chat', '--json'])).stdout).apps[0].instances[0] as { logLinesDropped: number };
    if (status) status.logLinesDropped = again.logLinesDropped;
    const kept = Number((await c.sh("journalctl -u chat@1.service _TRANSPORT=stdout -o cat | grep -c '^line '")).stdout.trim());
    console.log(`[fault] chatty app: ${RATE * SECONDS} lines written, ${kept} kept in the journal, status says ${status?.logLinesDropped} dropped`);
    expect(kept).toBeLessThan(RATE * SECONDS);
    expect((status?.logLinesDropped ?? 0) + kept).toBeGreaterThanOrEqual(RATE * SECONDS * 0.9);
    const text = await c.exec(['nodeunit', 'status', 'chat']);
    expect(text.stdout).toMatch(/chat@1: journald dropped \d+ log lines/);
  }, 120_000);
});
