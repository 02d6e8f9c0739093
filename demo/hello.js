// The demo's app: a plain http server that knows nothing about systemd.
// NODEUNIT_INSTANCE comes from the unit (Environment=NODEUNIT_INSTANCE=%i).
'use strict';
const http = require('node:http');

http
  .createServer((req, res) => res.end(`hello from instance ${process.env.NODEUNIT_INSTANCE} (pid ${process.pid})\n`))
  .listen(Number(process.env.PORT || 3000), () => console.log('hello: listening'));
