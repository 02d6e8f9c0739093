// The benchmark app: plain `http`, the same file for every contender.
// PORT from the environment (nodeunit serves it on systemd's socket).
// GET /      -> "<pid>\n"                    (hello world)
// GET /cpu   -> "<pid>\n" after ~1 ms of CPU (a CPU-busy handler)
// GET /hang  -> answers, then blocks the event loop forever
// The pid in the body lets the load generator count each instance's share.
const http = require('http');
const port = Number(process.env.PORT || 8080);
const body = `${process.pid}\n`;
let sink = 0;
function busy() {
  // Integer work V8 cannot optimise away (the result is kept in `sink`).
  // Every value stays below 2^30, so every tier runs it as small-integer
  // arithmetic. The former `(Math.imul(x, 31) + i) | 0` overflowed int32 on
  // the way; once V8 inlined that loop into the handler it ran 3-6x slower
  // (measured: ~0.65 ms per call alone, 1.7-4 ms inside the handler under
  // load, growing run after run), at a different moment in each process, so
  // one instance of four served ~7 % of the requests whatever ran it.
  let x = sink & 0xfffff;
  for (let i = 0; i < 750000; i++) x = (x * 31 + i) & 0xfffff;
  sink = x;
}
http
  .createServer((req, res) => {
    if (req.url === '/cpu') busy();
    else if (req.url === '/hang') {
      res.end('hanging\n');
      setImmediate(() => {
        for (;;);
      });
      return;
    }
    res.end(body);
  })
  .listen(port);
