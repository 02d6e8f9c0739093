import { describe, expect, it } from 'vitest';
import { parseLogRateLimit } from '../../../src/cli/app-options';
import { parseDropped } from '../../../src/system/log-drops';

describe('journald drops', () => {
  it('sums "Suppressed N messages from UNIT" per unit', () => {
    const m = parseDropped(['Suppressed 85859 messages from chat@1.service', 'Suppressed 20391 messages from chat@1.service', 'Suppressed 3 messages from other.service', 'unrelated']);
    expect(Object.fromEntries(m)).toEqual({ 'chat@1.service': 106250, 'other.service': 3 });
  });
  it('--log-rate-limit LINES/SECONDS or off; anything else is one line', () => {
    expect(parseLogRateLimit('50000/30')).toEqual({ burst: 50000, intervalSec: 30 });
    expect(parseLogRateLimit('1000/2s')).toEqual({ burst: 1000, intervalSec: 2 });
    expect(parseLogRateLimit('off')).toEqual({ burst: 0, intervalSec: 0 });
    expect(parseLogRateLimit(undefined)).toBeUndefined();
    expect(() => parseLogRateLimit('lots')).toThrow(/^--log-rate-limit must be LINES\/SECONDS like 50000\/30, or off; not 'lots'$/);
  });
});
