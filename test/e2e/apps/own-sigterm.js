// An app that owns its shutdown: nodeunit must only send STOPPING=1.
const http = require('http');
const server = http.createServer((req, res) => res.end('own\n')).listen(Number(process.env.PORT || 8080));
process.on('SIGTERM', () => {
  console.log('app: SIGTERM handler ran');
  server.close(() => {
    console.log('app: closed, exiting 0');
    process.exit(0);
  });
});
