// Answers every request with its arguments and, for each path given in WRITE_TO (':'-separated),
// whether this process could create a file there: "ok" or the error code (EROFS, EACCES...).
const fs = require('fs');
const http = require('http');
http
  .createServer((req, res) => {
    const wrote = {};
    for (const path of (process.env.WRITE_TO || '').split(':').filter(Boolean)) {
      try {
        fs.writeFileSync(path, `written by pid ${process.pid}\n`);
        wrote[path] = 'ok';
      } catch (err) {
        wrote[path] = err.code || String(err);
      }
    }
    res.end(JSON.stringify({ argv: process.argv.slice(2), wrote }) + '\n');
  })
  .listen(Number(process.env.PORT || 8080));
