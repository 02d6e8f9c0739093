'use strict';
/**
 * Event-loop delay for the status line: how late the loop ran a timer that
 * was due, as perf_hooks.monitorEventLoopDelay measures it.
 *
 * The histogram records the whole interval between two runs of its own
 * `resolution`-ms timer (node src/histogram.cc, IntervalHistogram::OnInterval
 * records now - previous), so an idle loop reads `resolution` (20.3 ms for
 * 20), not 0. The delay is what exceeds the resolution.
 *
 * createLoopDelay(perfHooks, resolutionMs) outcomes:
 *   - p99Ms() -> the 99th percentile of delay since the last call, in ms,
 *     resolution subtracted, never below 0; then starts a new window;
 *   - an idle loop                         -> about 0 (timer jitter only);
 *   - a loop blocked B ms at a time, often enough to fill the top 1 % of
 *     samples (one block per second at 20 ms resolution is 1 in ~40)
 *                                          -> about B;
 *   - no sample yet (window shorter than one resolution) -> 0.
 */

const RESOLUTION_MS = 20;

function createLoopDelay(perfHooks, resolutionMs = RESOLUTION_MS) {
  const histogram = perfHooks.monitorEventLoopDelay({ resolution: resolutionMs });
  histogram.enable();
  return {
    p99Ms() {
      const count = typeof histogram.count === 'number' ? histogram.count : 1;
      const p99 = count > 0 ? histogram.percentile(99) / 1e6 : 0;
      histogram.reset();
      return Math.max(0, p99 - resolutionMs);
    },
    stop() {
      histogram.disable();
    },
  };
}

module.exports = { createLoopDelay, RESOLUTION_MS };
