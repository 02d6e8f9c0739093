// A WebSocket app (the `ws` package, from WS_MODULE or node_modules): echoes,
// and GET /sse streams events until the client goes. PORT from the environment.
// OWN_CLOSE=1: the app handles SIGTERM itself and closes its clients with 1012.
const http = require('http');
const { WebSocketServer } = require(process.env.WS_MODULE || 'ws');
const port = Number(process.env.PORT || 8080);
const server = http.createServer((req, res) => {
  if (req.url === '/sse') {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const t = setInterval(() => res.write(`data: ${process.pid}\n\n`), 100);
    res.on('close', () => clearInterval(t));
    return;
  }
  res.end(`${process.pid}\n`);
});
const wss = new WebSocketServer({ server });
wss.on('connection', (ws) => {
  ws.send(String(process.pid));
  ws.on('message', (m) => ws.send(m));
});
if (process.env.OWN_CLOSE === '1') {
  // The app's own shutdown: its SIGTERM handler says goodbye with 1012 (service restart).
  process.once('SIGTERM', () => {
    for (const c of wss.clients) c.close(1012, 'app restarting');
    server.close(() => process.exit(0));
  });
}
server.listen(port);
