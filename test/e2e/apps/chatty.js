// Logs LINES_PER_SEC lines per second (default 20000) for SECONDS (default 10), then serves on PORT.
const http = require('http');
const rate = Number(process.env.LINES_PER_SEC || 20000);
const seconds = Number(process.env.SECONDS || 10);
let sent = 0;
const started = Date.now();
const tick = setInterval(() => {
  const due = Math.min(rate * seconds, Math.floor(((Date.now() - started) / 1000) * rate));
  let chunk = '';
  for (; sent < due; sent++) chunk += `line ${sent}\n`;
  if (chunk) process.stdout.write(chunk);
  if (sent >= rate * seconds) {
    clearInterval(tick);
    // Later than any rate-limit window, so that this line is kept and makes journald report its drops.
    setTimeout(() => process.stdout.write(`chatty: wrote ${sent} lines\n`), Number(process.env.FINAL_DELAY_MS || 3000));
  }
}, 10);
http.createServer((q, s) => s.end(`${sent}\n`)).listen(Number(process.env.PORT || 8080));
