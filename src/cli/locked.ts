import { withAppLock } from '../system/app-lock';
import { validateAppName } from './app-options';

/**
 * Runs an app-changing command under the app's lock (system/app-lock.ts): a
 * second command on the same app says who holds it on stderr and waits, or
 * refuses with one line after the bounded wait. The lock names the command
 * as `nodeunit VERB APP` only: the rest of the command line may hold secrets.
 * Without root there is no lock to take: the command refuses by itself
 * (requireRoot), or only reads (enable --check).
 */
export function underAppLock<A>(verb: string, nameOf: (argv: A) => string, fn: (argv: A) => Promise<void>): (argv: A) => Promise<void> {
  return (argv) => {
    if (process.getuid?.() !== 0) return fn(argv);
    const app = validateAppName(String(nameOf(argv)));
    return withAppLock(app, `nodeunit ${verb} ${app}`, (line) => process.stderr.write(line), () => fn(argv));
  };
}
