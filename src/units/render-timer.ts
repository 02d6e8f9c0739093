import type { AppSpec, RenderedFile } from './app-spec.js';
import { generatedHeader } from './marker.js';
import { escapePath, escapeSpecifiers, renderCommandLine } from './quote.js';
import { directive, renderUnitFile } from './unit-file.js';
import { targetUnit } from './unit-names.js';

/** `<name>-restart.timer` and the oneshot it starts. */
export function restartTimerUnit(name: string): string {
  return `${name}-restart.timer`;
}
export function restartServiceUnit(name: string): string {
  return `${name}-restart.service`;
}

/**
 * pm2's `cron_restart` (imported): a timer on the calendar event that starts
 * a oneshot running `nodeunit reload NAME`, a rolling restart (each instance
 * ready before the next stops) instead of pm2's restart of every process.
 * Persistent=no: a restart missed while the machine was off is not worth
 * doing at boot (pm2 does not catch up either). systemd.timer(5).
 */
export function renderRestartTimer(spec: AppSpec): RenderedFile[] {
  const cron = spec.cronRestart;
  const watch = spec.watchPaths ?? [];
  if (cron === undefined && watch.length === 0) return [];
  const name = spec.name;
  const why = cron === undefined ? 'pm2 watch' : `pm2 cron_restart ${escapeSpecifiers(cron.pattern)}`;
  const files: RenderedFile[] = [
    {
      path: restartServiceUnit(name),
      content: renderUnitFile(
        generatedHeader(name),
        [
          {
            name: 'Unit',
            directives: [
              directive('Description', `${name}: rolling restart (${why})`),
              directive('Requisite', targetUnit(name), 'only when the app runs: a stopped app stays stopped'),
              directive('After', targetUnit(name)),
            ],
          },
          {
            name: 'Service',
            directives: [
              directive('Type', 'oneshot', 'done when the last instance is ready again'),
              directive('ExecStart', renderCommandLine([spec.nodeunitPath, 'reload', name]), 'one instance at a time, each ready before the next: no failed request'),
            ],
          },
        ],
        spec.systemdVersion,
      ),
    },
  ];
  if (cron !== undefined) {
    files.push({
      path: restartTimerUnit(name),
      content: renderUnitFile(
        generatedHeader(name),
        [
          { name: 'Unit', directives: [directive('Description', `${name}: restart schedule`), directive('PartOf', targetUnit(name), 'stops with the app')] },
          {
            name: 'Timer',
            directives: [
              directive('OnCalendar', cron.onCalendar, `cron_restart ${escapeSpecifiers(cron.pattern)} (croner: seconds first with 6 fields; day and weekday ANDed, as here)`),
              directive('AccuracySec', '1s', 'on time to the second, like pm2'),
              directive('Persistent', 'no', 'a restart missed while the machine was off is not made up at boot'),
            ],
          },
          { name: 'Install', directives: [directive('WantedBy', targetUnit(name), 'armed whenever the app is started')] },
        ],
        spec.systemdVersion,
      ),
    });
  }
  if (watch.length > 0) {
    files.push({
      path: watchPathUnit(name),
      content: renderUnitFile(
        generatedHeader(name),
        [
          { name: 'Unit', directives: [directive('Description', `${name}: restart on file changes (pm2 watch, --allow-watch)`), directive('PartOf', targetUnit(name), 'stops with the app')] },
          {
            name: 'Path',
            directives: [
              ...watch.map((p) => directive('PathChanged', escapePath(p), 'this path itself, or an entry directly in it: not recursive, no globs')),
              directive('Unit', restartServiceUnit(name), 'a change runs the rolling restart (nodeunit reload)'),
              directive('TriggerLimitIntervalSec', '10s', 'however many files a deploy changes,'),
              directive('TriggerLimitBurst', '5', 'at most 5 rolling restarts in 10 s'),
            ],
          },
          { name: 'Install', directives: [directive('WantedBy', targetUnit(name), 'armed whenever the app is started')] },
        ],
        spec.systemdVersion,
      ),
    });
  }
  return files;
}

export function watchPathUnit(name: string): string {
  return `${name}-watch.path`;
}
