import yargs, { type CommandModule } from 'yargs';
import { shellQuote } from './shell-quote';

/** Commands that pass everything after `--` to the app (`enable NAME SCRIPT [options] -- ARG...`). */
export const APP_ARGS_COMMANDS: readonly string[] = ['enable', 'generate'];

interface OptionTable {
  /** Options that take a value (long names and one-letter aliases). */
  values: Set<string>;
  /** Flags (`--x`, `--no-x`). */
  flags: Set<string>;
  /** Options declared `array: true` (generate's --haproxy/--nginx): yargs gives them every word up to the next option. */
  arrays: Set<string>;
}

/** The options a command's yargs builder declares, with their aliases. */
export function optionTable(command: CommandModule): OptionTable {
  const y = yargs([]);
  const built = typeof command.builder === 'function' ? command.builder(y as never) : y;
  // getOptions() is yargs' public API, missing from @types/yargs.
  const o = (built as unknown as { getOptions(): { string: string[]; boolean: string[]; array: string[]; alias: Record<string, string[]> } }).getOptions();
  const values = new Set<string>(o.string);
  const flags = new Set<string>(o.boolean);
  const arrays = new Set<string>(o.array);
  for (const [name, aliases] of Object.entries(o.alias)) {
    for (const a of aliases) {
      (values.has(name) ? values : flags.has(name) ? flags : new Set()).add(a);
      if (arrays.has(name)) arrays.add(a);
    }
  }
  return { values, flags, arrays };
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * Splits the words between the command and `--` into nodeunit's own (the two
 * positionals and the declared options with their values) and the stray ones
 * that can only be meant for the app: unknown options and extra positionals.
 */
export function splitStrayArgs(words: readonly string[], table: OptionTable, positionals = 2): { own: string[]; stray: string[] } {
  const own: string[] = [];
  const stray: string[] = [];
  let seen = 0;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const long = /^--([^=]+)(=.*)?$/.exec(w);
    const short = /^-([A-Za-z])(.*)$/.exec(w);
    if (long) {
      const name = kebab(long[1]);
      const bare = name.startsWith('no-') ? name.slice(3) : name;
      if (table.values.has(name)) {
        own.push(w);
        if (long[2] === undefined && i + 1 < words.length) own.push(words[++i]);
        // Like yargs: an array option takes every following word that is not an option.
        if (table.arrays.has(name)) while (i + 1 < words.length && !words[i + 1].startsWith('-')) own.push(words[++i]);
      } else if (table.flags.has(name) || table.flags.has(bare)) own.push(w);
      else stray.push(w);
    } else if (short) {
      if (table.values.has(short[1])) {
        own.push(w);
        if (short[2] === '' && i + 1 < words.length) own.push(words[++i]);
        if (table.arrays.has(short[1])) while (i + 1 < words.length && !words[i + 1].startsWith('-')) own.push(words[++i]);
      } else if (table.flags.has(short[1]) && short[2] === '') own.push(w);
      else stray.push(w);
    } else if (seen < positionals) {
      own.push(w);
      seen++;
    } else stray.push(w);
  }
  return { own, stray };
}

/**
 * For `enable`/`generate`: arguments meant for the app but given without
 * `--` would be dropped (or refused by yargs with a confusing line); this
 * returns the one-line refusal with the fixed command line, or undefined.
 * For other commands, anything after `--` is refused.
 */
export function strayArgsProblem(argv: readonly string[], commands: readonly CommandModule[]): string | undefined {
  const [name, ...rest] = argv;
  const dashes = rest.indexOf('--');
  if (!APP_ARGS_COMMANDS.includes(name)) {
    const command = commands.find((c) => String(Array.isArray(c.command) ? c.command[0] : c.command).split(/\s+/)[0] === name);
    if (command && dashes >= 0 && rest.length > dashes + 1) return `'nodeunit ${name}' takes no arguments after '--'`;
    return undefined;
  }
  const command = commands.find((c) => String(c.command).split(/\s+/)[0] === name);
  if (command === undefined) return undefined;
  const before = dashes >= 0 ? rest.slice(0, dashes) : rest;
  const after = dashes >= 0 ? rest.slice(dashes + 1) : [];
  if (before.includes('--help') || before.includes('-h')) return undefined;
  const { own, stray } = splitStrayArgs(before, optionTable(command));
  if (stray.length === 0) return undefined;
  const fixed = ['nodeunit', name, ...own, '--', ...stray, ...after].map(shellQuote).join(' ');
  return `${stray.map(shellQuote).join(' ')}: arguments for the app go after '--', like this: ${fixed}`;
}
