import type { CommandModule } from 'yargs';
import { runtimeFiles } from '../launcher/runtime-files';
import { installRuntimeFiles } from '../system/runtime-install';
import { VERSION } from '../version';
import { embeddedAsset } from './embedded-assets';
import { UserError } from './user-error';

/** `nodeunit setup`: writes the runtime files for a bare-binary install. */
export const setupCommand: CommandModule = {
  command: 'setup',
  describe: `install the runtime files into /usr/lib/nodeunit/${VERSION}/ (as root; the .deb does this for you)`,
  handler: () => {
    if (process.getuid?.() !== 0) throw new UserError("'nodeunit setup' writes to /usr/lib/nodeunit: run it as root");
    const files = runtimeFiles(VERSION);
    const changed = installRuntimeFiles(files, {
      preload: embeddedAsset('preload.cjs'),
      helper: embeddedAsset('fd-helper.node'),
    });
    process.stdout.write(
      changed.length ? changed.map((f) => `installed ${f}\n`).join('') : `runtime files in ${files.dir} are up to date\n`,
    );
  },
};
