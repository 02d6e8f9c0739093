// An app that does its own socket activation: listen({ fd: 3 }).
require('http')
  .createServer((req, res) => res.end(`fd3 ${process.pid}\n`))
  .listen({ fd: 3 });
