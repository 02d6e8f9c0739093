'use strict';
// Every decision that depends on which Node runs the app lives here, so the
// rest of the preload reads as if all Nodes were alike. The preload must load
// on Node 18 to 26.

const [major, minor] = process.versions.node.split('.').map(Number);

function atLeast(maj, min) {
  return major > maj || (major === maj && minor >= min);
}

module.exports = {
  // `tracing:net.server.listen:asyncEnd` (nodejs/node#53136) shipped in 22.3.0
  // and was backported to 20.16.0; Node 18 never got it. Where it is missing
  // the preload wraps net.Server.prototype.listen instead.
  listenTracingChannel: atLeast(22, 3) || (major === 20 && minor >= 16),
  // http.Server.prototype.close() also closes idle keep-alive connections from
  // Node 19 on, which resets a client that is sending on one right then; the
  // drain therefore calls net.Server.prototype.close, on every version.
  httpCloseClosesIdle: major >= 19,
  // module.flushCompileCache() shipped in 22.10.0, together with cache files
  // written to a temporary name and renamed (nodejs/node#54971); before, the
  // instances sharing one cache directory could read each other's half-written files.
  compileCache: atLeast(22, 10),
};
