// Keep-alive load for the fleet test, run inside the balancer's network
// namespace (ip netns exec): autocannon against URL for at most SECONDS, or
// until SIGTERM; prints one JSON line with what the clients saw.
import autocannon from 'autocannon';

const [url, seconds = '60', connections = '16'] = process.argv.slice(2);
const codes = {};
const instance = autocannon({ url, connections: Number(connections), duration: Number(seconds) }, (err, r) => {
  if (err) {
    console.log(JSON.stringify({ error: String(err) }));
    process.exit(1);
  }
  const statuses = {};
  for (const [k, v] of Object.entries(r.statusCodeStats ?? {})) statuses[k] = v.count;
  console.log(JSON.stringify({ total: r.requests.total, errors: r.errors, timeouts: r.timeouts, non2xx: r.non2xx, codes, statuses }));
  process.exit(0);
});
instance.on('reqError', (e) => (codes[e.code ?? e.message] = (codes[e.code ?? e.message] ?? 0) + 1));
process.on('SIGTERM', () => instance.stop());
console.error('load: started');
