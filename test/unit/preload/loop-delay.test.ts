import perfHooks from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { requirePreload } from './load';

const { createLoopDelay, RESOLUTION_MS } = requirePreload('./loop-delay.cjs');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function busy(ms: number) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // block the event loop
  }
}

function fakeHistogram(percentileNs: number, count = 10) {
  return {
    monitorEventLoopDelay: (options: { resolution: number }) => {
      expect(options.resolution).toBe(RESOLUTION_MS);
      return { enable() {}, disable() {}, reset() {}, count, percentile: () => percentileNs };
    },
  };
}

describe('createLoopDelay', () => {
  it('subtracts the sampling interval the histogram records as a whole', () => {
    expect(createLoopDelay(fakeHistogram(20_300_000)).p99Ms()).toBeCloseTo(0.3);
    expect(createLoopDelay(fakeHistogram(221_000_000)).p99Ms()).toBeCloseTo(201);
  });

  it('never reads below 0, nor anything before the first sample', () => {
    expect(createLoopDelay(fakeHistogram(19_000_000)).p99Ms()).toBe(0);
    expect(createLoopDelay(fakeHistogram(9e18, 0)).p99Ms()).toBe(0);
  });

  // Real histograms. An idle loop used to read ~20 ms (the resolution). Timer
  // jitter on a busy machine can be several ms, so the idle check takes the
  // quietest of three 1-second windows and allows half the resolution.
  it('reads well under the resolution on an idle loop', async () => {
    const delay = createLoopDelay(perfHooks);
    const windows: number[] = [];
    for (let i = 0; i < 3; i++) {
      delay.p99Ms();
      await sleep(1000);
      windows.push(delay.p99Ms());
      if (windows[i] < RESOLUTION_MS / 2) break;
    }
    delay.stop();
    expect(Math.min(...windows)).toBeLessThan(RESOLUTION_MS / 2);
  });

  it('reads a loop blocked 200 ms every second as at least 150 ms', async () => {
    const delay = createLoopDelay(perfHooks);
    delay.p99Ms();
    for (let i = 0; i < 3; i++) {
      await sleep(800);
      busy(200);
    }
    await sleep(100);
    const p99 = delay.p99Ms();
    delay.stop();
    expect(p99).toBeGreaterThanOrEqual(150);
  });
});
