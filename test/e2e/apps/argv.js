// Answers every request with its own arguments (process.argv after the script) as JSON: PORT from the environment.
const http = require('http');
http.createServer((req, res) => res.end(JSON.stringify(process.argv.slice(2)) + '\n')).listen(Number(process.env.PORT || 8080));
