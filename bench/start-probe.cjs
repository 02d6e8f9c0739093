// Runs inside the benchmark container: for each round, starts a unit with
// `systemctl start --no-block` and polls its port until a connection is
// accepted, then stops it. Prints one JSON object: { unit: [ms, ...] }.
const { execFileSync } = require('child_process');
const net = require('net');

const [rounds, ...pairs] = process.argv.slice(2);
const units = pairs.map((p) => ({ unit: p.split('=')[0], port: Number(p.split('=')[1]) }));

function tryConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

async function once({ unit, port }) {
  const t0 = process.hrtime.bigint();
  execFileSync('systemctl', ['start', '--no-block', unit]);
  const deadline = Date.now() + 20000;
  while (!(await tryConnect(port))) {
    if (Date.now() > deadline) throw new Error(`${unit} did not answer on ${port}`);
    await new Promise((r) => setTimeout(r, 1));
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  execFileSync('systemctl', ['stop', unit]);
  return ms;
}

(async () => {
  const out = Object.fromEntries(units.map((u) => [u.unit, []]));
  for (let i = 0; i < Number(rounds); i++) {
    // Alternate which contender goes first, so neither always follows the other.
    const order = i % 2 ? [...units].reverse() : units;
    for (const u of order) out[u.unit].push(await once(u));
  }
  process.stdout.write(JSON.stringify(out));
})().catch((err) => {
  process.stderr.write(String(err.stack || err) + '\n');
  process.exit(1);
});
