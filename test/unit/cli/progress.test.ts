import { describe, expect, it } from 'vitest';
import { progressReporter } from '../../../src/cli/progress.js';

function stream(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, out: { isTTY, columns: 200, write: (s: string) => chunks.push(s) } as unknown as NodeJS.WriteStream };
}

describe('progressReporter', () => {
  it('plain lines when not a terminal, one per instance and outcome', () => {
    const { chunks, out } = stream(false);
    const p = progressReporter('web', out);
    p.onPhase!('web@1.service', 'starting', {}, 0);
    p.onPhase!('web@1.service', 'ready', { MainPID: '140' }, 512);
    p.onPhase!('web@2.service', 'failed', { ActiveState: 'failed', SubState: 'failed', Result: 'exit-code' }, 900);
    p.onPoll!(new Map([['web@1.service', 'ready']]), 900);
    p.done();
    expect(chunks.join('')).toBe('web@1: ready, pid 140 (0.5s)\nweb@2: FAILED, failed (failed, result exit-code) after 0.9s\n');
  });
  it('one line redrawn in place on a terminal', () => {
    const { chunks, out } = stream(true);
    const p = progressReporter('web', out);
    p.onPhase!('web@1.service', 'ready', { MainPID: '140' }, 512);
    p.onPoll!(new Map([['web@1.service', 'ready'], ['web@2.service', 'starting']]), 700);
    p.done();
    expect(chunks).toEqual(['\r\x1b[Kweb: 1/2 ready (0.7s)  @1 ✓  @2 …', '\n']);
  });
});
