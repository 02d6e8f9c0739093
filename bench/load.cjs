// The load generator, one run: autocannon against one URL, started by
// bench/run.ts under `taskset -c 0` (the servers run on CPU 1). Bounded by
// `duration`; SIGTERM stops it early. Prints one JSON object on stdout:
// totals, latency, failures by error code, per response-body pid the
// count and the first/last time (ms since the epoch) it answered, and per
// pid the connections whose last answer came from it (`held`).
// Usage: node load.cjs '{"url":..., "connections":.., "duration":.., "close":bool, "timeout":..}'
const autocannon = require('autocannon');
const { dropPendingOnReconnect } = require('./lib/autocannon-reconnect.cjs');

const o = JSON.parse(process.argv[2]);
const pids = {};
const codes = {};
// Requests autocannon never counts as failed: the server closed a keep-alive
// connection (FIN, no RST) while a request on it was in flight, without
// having announced `Connection: close`. A real client sees "socket hang up".
let lost = 0;
// Answers after the first second: the rate once the instances have settled
// (accept pacing moves keep-alive connections during the first second).
const SETTLE_MS = 1000;
let settled = 0;
// Per client, the pid of its last answer: which instance holds each
// keep-alive connection when the run ends.
const clients = [];
const startedAt = Date.now();
const instance = autocannon(
  {
    url: o.url,
    connections: o.connections,
    duration: o.duration,
    timeout: o.timeout ?? 5,
    // A new TCP connection per request: the server answers and closes.
    headers: o.close ? { connection: 'close' } : {},
    setupClient(client) {
      dropPendingOnReconnect(client);
      const st = { pending: false, closeAnnounced: false, pid: undefined };
      clients.push(st);
      client.on('request', () => (st.pending = true));
      client.on('response', () => (st.pending = false));
      client.on('connError', () => (st.pending = false));
      client.on('headers', (h) => {
        if (h.shouldKeepAlive === false) st.closeAnnounced = true;
        const raw = h.headers || [];
        for (let i = 0; i < raw.length; i += 2) {
          if (String(raw[i]).toLowerCase() === 'connection' && /close/i.test(String(raw[i + 1]))) st.closeAnnounced = true;
        }
      });
      const connect = client._connect;
      client._connect = function () {
        st.pending = false;
        st.closeAnnounced = false;
        connect.call(this);
        // Runs before autocannon's own 'end' handler, which reconnects at once.
        this.conn.prependListener('end', () => {
          if (st.pending && !st.closeAnnounced) lost++;
          st.pending = false;
        });
      };
      client.on('body', (buf) => {
        const pid = buf.toString('latin1').trim();
        st.pid = pid;
        const now = Date.now();
        const p = (pids[pid] ??= { count: 0, first: now, last: now });
        p.count++;
        p.last = now;
        if (now - startedAt >= SETTLE_MS) settled++;
      });
    },
  },
  (err, r) => {
    if (err) {
      process.stderr.write(String(err.stack || err) + '\n');
      process.exit(1);
    }
    const seconds = (Date.now() - startedAt) / 1000;
    // The load generator's own CPU time over the run (bench/lib/cpu-time.ts).
    const { user, system } = process.cpuUsage();
    const held = {};
    for (const st of clients) if (st.pid !== undefined) held[st.pid] = (held[st.pid] || 0) + 1;
    process.stdout.write(
      JSON.stringify({
        startedAt,
        seconds,
        requests: r.requests.total,
        rps: r.requests.total / seconds,
        settledRps: seconds > 2 * (SETTLE_MS / 1000) ? settled / (seconds - SETTLE_MS / 1000) : undefined,
        ok: r['2xx'],
        errors: r.errors,
        timeouts: r.timeouts,
        non2xx: r.non2xx,
        mismatches: r.mismatches,
        lost,
        codes,
        latency: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max },
        pids,
        held,
        cpuUs: user + system,
      }) + '\n',
    );
  },
);
instance.on('reqError', (err) => {
  const code = err.code || err.message;
  codes[code] = (codes[code] || 0) + 1;
});
process.on('SIGTERM', () => instance.stop());
