'use strict';
/**
 * autocannon 9 writes a client's next request as soon as a response ends,
 * one that said `Connection: close` too, and keeps that request, never
 * answered, at the head of the client's queue of pending requests
 * (lib/pipelinedRequestsQueue.js) when it reconnects. Every later response
 * on that client is then timed from the request before it: two round trips.
 * Wherever a server closes keep-alive connections (accept pacing sheds
 * them) that doubled p50-p99 for the clients it touched.
 *
 * dropPendingOnReconnect(client): before each connect of `client` (from
 * setupClient; autocannon calls that before the first connect), empties
 * the queue. A request pending on a connection that ended is never
 * answered. Outcomes: the queue holds only requests written on the current
 * connection; nothing else changes (counts, errors, the reconnect itself).
 */
function dropPendingOnReconnect(client) {
  const connect = client._connect;
  client._connect = function () {
    this.pipelinedRequests.clear();
    return connect.call(this);
  };
}

module.exports = { dropPendingOnReconnect };
