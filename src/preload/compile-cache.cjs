'use strict';
/**
 * Node's on-disk compile cache (module.enableCompileCache(), Node's
 * doc/api/module.md "Module compile cache") kept in the unit's
 * CacheDirectory=, so that a restart loads the app's modules from V8 code
 * cache instead of compiling them again (Fastify with four plugins started
 * ~20 ms sooner, of ~180 ms).
 *
 * startCompileCache({ moduleApi, env, supported }) outcomes:
 *   - no $CACHE_DIRECTORY (the unit has no CacheDirectory=, systemd.exec(5))
 *                                     -> off: undefined; nothing is written anywhere
 *   - `supported` false (Node < 22.10: no flushCompileCache, and 22.8–22.9
 *     wrote cache files in place, which instances sharing the directory race on)
 *                                     -> off: undefined
 *   - NODE_COMPILE_CACHE set           -> Node enabled it itself, in that
 *     directory, before the preload ran: undefined (the user's choice stands)
 *   - NODE_DISABLE_COMPILE_CACHE set   -> Node refuses (status DISABLED): undefined
 *   - otherwise                        -> on, in <first $CACHE_DIRECTORY entry>/node-compile-cache;
 *     returns { directory, flush }. Node writes the cache only when the
 *     process exits normally; a service is also killed (SIGKILL, watchdog,
 *     OOM), so the caller flushes once the app is ready.
 *   - directory not writable           -> Node reports FAILED: undefined; the app runs as before.
 * A cache entry is checked against the module's source, so a changed file is
 * compiled again; the cache never changes what the app runs.
 */

function startCompileCache({ moduleApi, env, supported }) {
  const base = (env.CACHE_DIRECTORY || '').split(':')[0];
  if (!supported || !base.startsWith('/') || env.NODE_COMPILE_CACHE || env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  const result = moduleApi.enableCompileCache(`${base}/node-compile-cache`);
  if (!result || result.status !== moduleApi.constants.compileCacheStatus.ENABLED) return undefined;
  return { directory: result.directory, flush: () => moduleApi.flushCompileCache() };
}

module.exports = { startCompileCache };
