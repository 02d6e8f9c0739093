// A plain http app, configured by environment: PORT, LISTEN_DELAY_MS.
// GET /        -> "<pid>\n"
// GET /slow    -> answers after 1500 ms (to see in-flight requests finish on stop)
// GET /hang    -> blocks the event loop forever (to trip the watchdog)
// GET /env     -> the environment keys the app sees
const http = require('http');
const port = Number(process.env.PORT || 8080);
const server = http.createServer((req, res) => {
  if (req.url === '/slow') return setTimeout(() => res.end(`slow ${process.pid}\n`), 1500);
  if (req.url === '/hang') {
    res.end('hanging\n');
    setImmediate(() => {
      for (;;);
    });
    return;
  }
  if (req.url === '/env') return res.end(JSON.stringify({ keys: Object.keys(process.env).sort(), node: process.version }) + '\n');
  res.end(`${process.pid}\n`);
});
setTimeout(() => server.listen(port), Number(process.env.LISTEN_DELAY_MS || 0));
