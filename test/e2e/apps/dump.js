// Writes what it was started with (argv after the script, and V0..V9) as JSON to $OUT.
const env = {};
for (let i = 0; i < 10; i++) if (process.env[`V${i}`] !== undefined) env[`V${i}`] = process.env[`V${i}`];
require('fs').writeFileSync(process.env.OUT, JSON.stringify({ argv: process.argv.slice(2), env }));
