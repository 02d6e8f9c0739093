import type { CommandModule } from 'yargs';
import { appStatuses } from '../apps/status';
import { formatAppStatus, statusJson, table } from './format';
import { validateAppName } from './app-options';
import { out } from './common';

interface StatusArgv {
  name?: string;
  json?: boolean;
}

export const statusCommand: CommandModule<object, StatusArgv> = {
  command: 'status [name]',
  describe: "the app's instances: state, PID, uptime, memory, CPU, restarts, status text (all apps without a name)",
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'the app (default: every app nodeunit manages)' })
      .option('json', { type: 'boolean', default: false, describe: 'machine-readable output' }) as never,
  handler: async (argv) => {
    const statuses = await appStatuses(argv.name === undefined ? undefined : validateAppName(argv.name));
    if (argv.json) {
      out(JSON.stringify(statusJson(statuses), null, 2) + '\n');
      return;
    }
    if (statuses.length === 0) {
      out("no apps: 'nodeunit enable <name> <script>' installs one\n");
      return;
    }
    out(statuses.map(formatAppStatus).join('\n'));
  },
};

export const lsCommand: CommandModule<object, { json?: boolean }> = {
  command: 'ls',
  describe: 'list every app nodeunit manages',
  builder: (y) => y.option('json', { type: 'boolean', default: false, describe: 'machine-readable output' }) as never,
  handler: async (argv) => {
    const statuses = await appStatuses();
    if (argv.json) {
      out(JSON.stringify(statuses.map((s) => ({ name: s.name, target: s.targetState, instances: s.instances.filter((i) => i.enabled).length, running: s.instances.filter((i) => i.activeState === 'active').length, ports: s.ports })), null, 2) + '\n');
      return;
    }
    if (statuses.length === 0) {
      out("no apps: 'nodeunit enable <name> <script>' installs one\n");
      return;
    }
    const rows = [['APP', 'RUNNING', 'PORTS', 'TARGET']];
    for (const s of statuses) {
      const enabled = s.instances.filter((i) => i.enabled).length;
      const running = s.instances.filter((i) => i.activeState === 'active').length;
      rows.push([s.name, `${running}/${enabled}`, s.ports.join(',') || '-', s.targetState]);
    }
    out(table(rows).join('\n') + '\n');
  },
};
