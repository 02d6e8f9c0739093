import type { CommandModule } from 'yargs';
import { disableCommand } from './disable';
import { deployCommand, rollbackCommand } from './deploy';
import { doctorCommand } from './doctor';
import { enableCommand } from './enable';
import { generateCommand } from './generate';
import { importCommand } from './import';
import { restartCommand, startCommand, stopCommand } from './lifecycle';
import { logsCommand } from './logs';
import { releasesCommand } from './releases';
import { reloadCommand } from './reload';
import { scaleCommand } from './scale';
import { secretCommand } from './secret';
import { lsCommand, statusCommand } from './status';

/** The commands that manage apps as systemd units (issue 3). */
export const APP_COMMANDS = [
  enableCommand,
  statusCommand,
  lsCommand,
  logsCommand,
  reloadCommand,
  restartCommand,
  startCommand,
  stopCommand,
  scaleCommand,
  disableCommand,
  generateCommand,
  doctorCommand,
  importCommand,
  deployCommand,
  rollbackCommand,
  releasesCommand,
  secretCommand,
] as unknown as CommandModule[];

export const APP_COMMAND_NAMES = ['enable', 'status', 'ls', 'logs', 'reload', 'restart', 'start', 'stop', 'scale', 'disable', 'generate', 'doctor', 'import', 'deploy', 'rollback', 'releases', 'secret'];
