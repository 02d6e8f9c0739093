// Runs inside the benchmark container (figure 6): runs one start command,
// then polls http://127.0.0.1:<port>/ until it answers 200, and prints the
// milliseconds from just before the command to that answer (and the time
// the command itself took). A refused or reset connection is retried at once;
// a connection systemd's socket accepts waits for the app in its queue.
// Usage: node serve-probe.cjs <port> <command> [args...]
const { spawnSync } = require('child_process');
const http = require('http');

const [port, ...cmd] = process.argv.slice(2);

function get() {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port: Number(port), path: '/', agent: false, timeout: 20000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

(async () => {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd[0], cmd.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  const commandMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} failed: ${r.stderr}`);
  const deadline = Date.now() + 20000;
  while (!(await get())) {
    if (Date.now() > deadline) throw new Error(`nothing served on ${port} within 20 s`);
    await new Promise((res) => setTimeout(res, 2));
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  process.stdout.write(JSON.stringify({ ms, commandMs }) + '\n');
})().catch((err) => {
  process.stderr.write(String(err.stack || err) + '\n');
  process.exit(1);
});
