import pkg from '../package.json';

/** nodeunit's own version; also names the runtime-files directory. */
export const VERSION: string = pkg.version;
