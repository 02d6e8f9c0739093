// Tiny HTTP client for use inside the container: node get.js URL [--close]
const http = require('http');
const url = process.argv[2];
const close = process.argv.includes('--close');
http
  .get(url, { headers: close ? { connection: 'close' } : {} }, (res) => {
    let body = '';
    res.on('data', (c) => (body += c));
    res.on('end', () => {
      process.stdout.write(body);
      process.exit(res.statusCode === 200 ? 0 : 1);
    });
  })
  .on('error', (err) => {
    process.stderr.write(`${err.code || err.message}\n`);
    process.exit(2);
  });
