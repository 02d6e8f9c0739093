// Answers with the environment variables named in ?names=A,B (JSON; missing ones as null),
// to check that secrets reach process.env. GET / -> "<pid>\n".
const http = require('http');
const port = Number(process.env.PORT || 8080);
http
  .createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/env') {
      const names = (url.searchParams.get('names') || '').split(',').filter(Boolean);
      return res.end(JSON.stringify(Object.fromEntries(names.map((n) => [n, process.env[n] ?? null]))) + '\n');
    }
    res.end(`${process.pid}\n`);
  })
  .listen(port);
