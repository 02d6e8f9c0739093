/**
 * tsx test/e2e/harness/serve-static.ts ROOT HOST PORT: serveStatic() as a
 * process, for tests that serve from inside a network namespace
 * (`ip netns exec NS tsx serve-static.ts ...`). Prints "listening" once it
 * is, then one line per request: "<client> <method> <path> <status>".
 */
import { resolve } from 'node:path';
import { serveStatic } from './apt-repo.js';

const [root, host, port] = process.argv.slice(2);
if (!root || !host || !port) throw new Error('usage: serve-static.ts ROOT HOST PORT');
await serveStatic(resolve(root), Number(port), host, (line) => console.log(line));
console.log('listening');
process.on('SIGTERM', () => process.exit(0));
