import { INSTANCES_COMMENT } from './render-service.js';

const ANCHOR = 'Environment=NODEUNIT_INSTANCE=%i\n';
const PAIR = new RegExp(`# ${INSTANCES_COMMENT}\\nEnvironment=NODEUNIT_INSTANCES=\\d+\\n`);

/**
 * An installed service template with its instance count changed, for
 * `scale`: the unit files are the only record of an app, so scale edits the
 * one line instead of re-rendering. The count switches accept pacing on
 * (src/preload/accept-pacing.cjs) and is its fallback for how many share the
 * socket; renderService writes it only for more than one instance.
 *
 * withInstanceCount(service, n) outcomes:
 *   - n > 1  -> the NODEUNIT_INSTANCES= line (and its comment) says n; when
 *               missing, inserted after Environment=NODEUNIT_INSTANCE=%i
 *   - n = 1  -> that pair removed
 *   - no Environment=NODEUNIT_INSTANCE=%i line (not nodeunit's template)
 *            -> undefined
 * For a template renderService wrote for a shared socket, the result is what
 * it writes for n instances (test/unit/units/instance-count.test.ts).
 */
export function withInstanceCount(service: string, instances: number): string | undefined {
  if (!service.includes(ANCHOR)) return undefined;
  const without = service.replace(PAIR, '');
  if (instances <= 1) return without;
  return without.replace(ANCHOR, `${ANCHOR}# ${INSTANCES_COMMENT}\nEnvironment=NODEUNIT_INSTANCES=${instances}\n`);
}
