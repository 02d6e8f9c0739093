import type { AppSpec, RenderedFile } from './app-spec.js';
import { generatedHeader } from './marker.js';
import { directive, renderUnitFile } from './unit-file.js';
import { targetUnit } from './unit-names.js';

/**
 * The handle for the whole app: `systemctl start|stop|restart <name>.target`.
 * It lists no Wants=: instances join it by being enabled
 * (`systemctl enable <name>@N`, via their WantedBy=), so the instance count
 * lives in the .wants/ directory and scaling is enable/disable of instances.
 */
export function renderTarget(spec: AppSpec): RenderedFile {
  return {
    path: targetUnit(spec.name),
    content: renderUnitFile(
      generatedHeader(spec.name),
      [
        {
          name: 'Unit',
          directives: [directive('Description', `${spec.name} (nodeunit app, all instances)`)],
        },
        {
          name: 'Install',
          directives: [directive('WantedBy', 'multi-user.target', 'started at boot once enabled')],
        },
      ],
      spec.systemdVersion,
    ),
  };
}
