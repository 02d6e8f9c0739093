// The same idea as an ES module app.
import http from 'node:http';
const port = Number(process.env.PORT || 8080);
http.createServer((req, res) => res.end(`esm ${process.pid}\n`)).listen(port);
