import type { Props } from '../system/systemctl';
import type { Phase, WaitOptions } from '../system/wait';

/**
 * Start-up progress: on a terminal one line rewritten in place
 * (`myapp: 2/4 ready  @1 ✓  @2 ✓  @3 …  @4 …`); otherwise plain lines, one
 * per instance and phase change, which read well in CI logs and journals.
 */
export function progressReporter(app: string, out: NodeJS.WriteStream = process.stdout): Pick<WaitOptions, 'onPhase' | 'onPoll'> & { done(): void } {
  const tty = out.isTTY === true;
  let drawn = false;
  const short = (unit: string) => unit.replace(`${app}@`, '@').replace(/\.service$/, '');
  return {
    onPhase(unit: string, phase: Phase, p: Props, elapsedMs: number) {
      if (tty || phase === 'starting') return;
      const secs = (elapsedMs / 1000).toFixed(1);
      if (phase === 'ready') out.write(`${unit.replace(/\.service$/, '')}: ready, pid ${p.MainPID} (${secs}s)\n`);
      else out.write(`${unit.replace(/\.service$/, '')}: FAILED, ${p.ActiveState} (${p.SubState}, result ${p.Result}) after ${secs}s\n`);
    },
    onPoll(phases: Map<string, Phase>, elapsedMs: number) {
      if (!tty) return;
      const marks = { ready: '✓', failed: '✗', starting: '…' } as const;
      const ready = [...phases.values()].filter((p) => p === 'ready').length;
      const parts = [...phases].map(([u, p]) => `${short(u)} ${marks[p]}`);
      const line = `${app}: ${ready}/${phases.size} ready (${(elapsedMs / 1000).toFixed(1)}s)  ${parts.join('  ')}`;
      const width = out.columns ?? 100;
      out.write(`\r\x1b[K${line.length > width - 1 ? line.slice(0, width - 2) + '…' : line}`);
      drawn = true;
    },
    done() {
      if (drawn) out.write('\n');
      drawn = false;
    },
  };
}
