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
  let x = sink | 0;
  for (let i = 0; i < 600000; i++) x = (Math.imul(x, 31) + i) | 0;
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
