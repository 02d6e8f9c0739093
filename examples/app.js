// A small app for examples/myapp.service: answers every request with its
// PID. Nothing in it knows about systemd: nodeunit tells systemd it is ready
// once it listens, feeds the watchdog and lets requests finish on stop.
//
//   install -D -m 0644 app.js /srv/myapp/app.js
'use strict';
const http = require('node:http');

const port = Number(process.env.PORT || 8080);
http
  .createServer((req, res) => {
    res.end(`hello from ${process.pid}\n`);
  })
  .listen(port, () => console.log(`listening on ${port}`));
