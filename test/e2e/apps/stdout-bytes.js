// Writes exact bytes to stdout and stderr, then listens. The journal must
// hold them unchanged (a pino JSON line stays that JSON line).
const lines = [
  '{"level":30,"time":1732600000000,"pid":1,"hostname":"h","msg":"hello \\"world\\" ünïcødé ✓"}',
  '  leading and trailing spaces  ',
  'tab\tseparated\tfields',
];
for (const line of lines) process.stdout.write(line + '\n');
process.stderr.write('{"level":50,"msg":"to stderr"}\n');
require('http').createServer((q, r) => r.end('ok\n')).listen(Number(process.env.PORT || 8080));
