import type { ImportedApp, Topic, Verdict } from '../import/convert';
import { inHomeDirectory } from '../units/sandbox';
import { shellQuote } from './shell-quote';

/** Values safe to show in a plan; every other variable is shown by name only (it may be a secret). */
const SHOWN_VALUES = new Set(['NODE_ENV', 'PORT', 'HOST']);

const TOPIC_LINES: Array<[Topic, string]> = [
  ['name', 'name'],
  ['instances', 'instances'],
  ['memory', 'memory'],
  ['restarts', 'restarts'],
  ['ready', 'ready'],
  ['stop', 'stop'],
  ['start', 'start'],
  ['cron', 'cron'],
  ['other', 'other'],
];

function row(label: string, text: string): string {
  return `  ${label.padEnd(11)} ${text}`;
}

/** Keys with the same reason share one entry: `merge_logs, vizion (reason)`. */
function grouped(verdicts: Verdict[]): string {
  const byReason = new Map<string, string[]>();
  for (const v of verdicts) byReason.set(v.text, [...(byReason.get(v.text) ?? []), v.key]);
  return [...byReason].map(([reason, keys]) => `${keys.join(', ')}${reason ? ` (${reason})` : ''}`).join('; ');
}

export function envSummary(env: Array<[string, string]>, limit = 4): string {
  const shown = env.slice(0, limit).map(([k, v]) => (SHOWN_VALUES.has(k) ? `${k}=${v}` : k));
  return `${shown.join(', ')}${env.length > limit ? `, +${env.length - limit} more` : ''}`;
}

/** The human-readable plan of one app, shaped like issue 8's example. */
export function formatImportedApp(app: ImportedApp): string {
  const lines = [`${app.name}  ${app.refused.length ? 'REFUSED' : app.summary}${app.name !== app.pm2Name ? `   (pm2 name ${JSON.stringify(app.pm2Name)})` : ''}`];
  const v = app.verdicts;
  const spec = app.spec;
  const keys = (topic: Topic) => v.filter((x) => x.topic === topic && (x.kind === 'mapped' || x.kind === 'emulated'));
  if (spec) {
    if (spec.command) lines.push(row('command', `${spec.command.map(shellQuote).join(' ')}   (not Node: Type=exec, no preload)`));
    else {
      lines.push(row('script', [spec.script, ...(spec.args ?? [])].map(shellQuote).join(' ')));
      const nodeVerdicts = keys('node');
      lines.push(row('node', `${[spec.node, ...spec.nodeOptions].map(shellQuote).join(' ')}${nodeVerdicts.length ? `   (${nodeVerdicts.map((x) => x.key).join(', ')})` : ''}`));
    }
    const scriptNotes = keys('script').filter((x) => x.key === 'script' && /runs/.test(x.text));
    for (const n of scriptNotes) lines.push(row('', n.text));
    lines.push(row('cwd', `${spec.cwd}${spec.homeBinds ? `   (under a home directory: ProtectHome=tmpfs, BindReadOnlyPaths=${spec.homeBinds.join(' ')})` : ''}`));
    const writable = (spec.writablePaths ?? []).map((d) => `${d} (--writable: ReadWritePaths=${inHomeDirectory(d) ? ' + BindPaths=' : ''})`);
    lines.push(row('writes', [`/var/lib/${spec.name} (StateDirectory=, $STATE_DIRECTORY)`, ...writable].join(', ')));
    const userVerdict = keys('user')[0];
    lines.push(row('user', userVerdict ? `${userVerdict.text}   (${userVerdict.key})` : `${spec.user.kind === 'static' ? spec.user.name : 'dynamic'} (a system user named after the app; pm2 ran it as whoever started pm2)`));
    const envSources = keys('env').filter((x) => x.key === 'env');
    if (spec.env.length) lines.push(row('env', `${envSummary(spec.env)}${envSources.length ? `   (${envSources[0].text})` : ''}`));
    if (app.secrets?.length) lines.push(row('secrets', `${app.secrets.map(([k]) => k).join(', ')}   (secret-looking env keys: stored as systemd credentials, not in the unit; the app still reads process.env)`));
  }
  for (const [topic, label] of TOPIC_LINES) {
    // The instance count is in the first line already.
    const items = keys(topic).filter((x) => x.key !== 'instances');
    if (items.length) lines.push(row(label, items.map((x) => x.text).join(', ')));
  }
  const ignored = v.filter((x) => x.kind === 'ignored');
  if (ignored.length) lines.push(row('ignored', grouped(ignored)));
  for (const r of v.filter((x) => x.kind === 'refused')) lines.push(row('REFUSED', `${r.key}: ${r.text}`));
  const unknown = v.filter((x) => x.kind === 'unknown');
  if (unknown.length) lines.push(row('unknown', `${unknown.map((x) => x.key).join(', ')} (not pm2 options: pm2 drops them silently, and so does import)`));
  return lines.join('\n') + '\n';
}

/** The same plan, machine-readable (env values left out: they may be secrets). */
export function importedAppJson(app: ImportedApp): unknown {
  const s = app.spec;
  return {
    name: app.name,
    pm2Name: app.pm2Name,
    kind: app.kind,
    refused: app.refused,
    summary: app.summary,
    secrets: (app.secrets ?? []).map(([k]) => k),
    spec: s
      ? {
          instances: s.instances,
          ports: s.ports,
          script: s.command ? null : s.script,
          args: s.args ?? [],
          command: s.command ?? null,
          node: s.command ? null : s.node,
          nodeOptions: s.nodeOptions,
          cwd: s.cwd,
          writable: s.writablePaths ?? [],
          user: s.user,
          envKeys: s.env.map(([k]) => k),
          memoryMax: s.memoryMax ?? null,
          restart: s.restart ?? 'on-failure',
          restartSec: s.restartSec ?? null,
          ready: s.ready,
          timeoutStartSec: s.timeoutStartSec ?? null,
          drainTimeoutSec: s.drainTimeoutSec,
          cronRestart: s.cronRestart ?? null,
        }
      : null,
    autostart: app.autostart,
    options: app.verdicts.map((x) => ({ key: x.key, verdict: x.kind, detail: x.text })),
  };
}
