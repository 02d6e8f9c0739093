import { describe, expect, it } from 'vitest';
import { optionTable, splitStrayArgs, strayArgsProblem } from '../../../src/cli/app-args.js';
import { COMMANDS } from '../../../src/cli/commands.js';
import { enableCommand } from '../../../src/cli/enable.js';
import { shellQuote } from '../../../src/cli/shell-quote.js';

describe('arguments for the app without --', () => {
  it('knows the options enable declares, with aliases and --no- forms', () => {
    const t = optionTable(enableCommand as never);
    for (const o of ['port', 'p', 'instances', 'i', 'env', 'e', 'node-option', 'env-file', 'memory-max']) expect(t.values.has(o), o).toBe(true);
    for (const o of ['harden', 'start', 'force', 'dynamic-user']) expect(t.flags.has(o), o).toBe(true);
  });

  it('splits own options from stray words', () => {
    const t = optionTable(enableCommand as never);
    expect(splitStrayArgs(['app', 'x.js', '--port', '80', '--flag', '-i', '2', 'extra', '--no-harden', '--trust=1'], t)).toEqual({
      own: ['app', 'x.js', '--port', '80', '-i', '2', '--no-harden'],
      stray: ['--flag', 'extra', '--trust=1'],
    });
  });

  it('refuses enable with app arguments but no --, giving the fixed command line', () => {
    expect(strayArgsProblem(['enable', 'app', 'x.js', '--port', '8080', '--flag', 'with space'], COMMANDS)).toBe(
      "--flag 'with space': arguments for the app go after '--', like this: nodeunit enable app x.js --port 8080 -- --flag 'with space'",
    );
    expect(strayArgsProblem(['generate', 'app', 'x.js', 'start', '--', '-p', '3000'], COMMANDS)).toBe(
      "start: arguments for the app go after '--', like this: nodeunit generate app x.js -- start -p 3000",
    );
  });

  it('accepts enable/generate with arguments after --, and without any', () => {
    expect(strayArgsProblem(['enable', 'app', 'x.js', '--port', '8080', '--', '--flag', 'x y'], COMMANDS)).toBeUndefined();
    expect(strayArgsProblem(['generate', 'app', 'x.js', '-o', '/tmp/x'], COMMANDS)).toBeUndefined();
    expect(strayArgsProblem(['enable', 'app', 'x.js', '--dynamicUser'], COMMANDS)).toBeUndefined();
  });

  it("takes every word of an array option (generate --haproxy HOST:PORT...), as yargs does", () => {
    const hosts = ['10.0.0.1:8080', '10.0.0.2:8080', '10.0.0.3:8080'];
    expect(strayArgsProblem(['generate', 'web', '--haproxy', ...hosts, '--listen', '80', '--check-path', '/health'], COMMANDS)).toBeUndefined();
    expect(strayArgsProblem(['generate', 'web', '--nginx', ...hosts], COMMANDS)).toBeUndefined();
    // Words after the next option are that option's (or stray) again.
    expect(strayArgsProblem(['generate', 'web', 'x.js', '--haproxy', hosts[0], '--listen', '80', 'extra'], COMMANDS)).toBe(
      "extra: arguments for the app go after '--', like this: nodeunit generate web x.js --haproxy 10.0.0.1:8080 --listen 80 -- extra",
    );
  });

  it('refuses words after -- for commands that take none', () => {
    expect(strayArgsProblem(['status', 'app', '--', 'x'], COMMANDS)).toBe("'nodeunit status' takes no arguments after '--'");
    expect(strayArgsProblem(['status', 'app'], COMMANDS)).toBeUndefined();
  });

  it('shell-quotes for display', () => {
    expect(shellQuote('plain-word_1.js')).toBe('plain-word_1.js');
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('$HOME')).toBe("'$HOME'");
  });
});
