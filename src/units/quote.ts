/**
 * Escaping for values written into unit files. Each directive family has its
 * own rules (systemd.syntax(7) "Quoting", systemd.unit(5) "Specifiers",
 * systemd.service(5) "Command lines", systemd.exec(5) Environment=), so each
 * gets its own function rather than one "quote" that is wrong for some of them.
 */

/** Nearly every value is specifier-expanded, so a literal `%` must be doubled. */
export function escapeSpecifiers(value: string): string {
  return value.replaceAll('%', '%%');
}

// Control characters: a unit file line cannot carry them raw (and a newline
// would end the directive), so they are written as C escapes inside quotes.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;
// Anything that makes the unquoting parser see more (or less) than one word.
// eslint-disable-next-line no-control-regex
const NEEDS_QUOTES = /[\s"'\\\x00-\x1f\x7f]/;

/**
 * Code points systemd refuses anywhere in a unit file ("String is not UTF-8
 * clean, ignoring assignment"; unichar_is_valid() in systemd's utf8.c):
 * U+FDD0..U+FDEF and U+xFFFE/U+xFFFF (noncharacters), and lone surrogates,
 * which have no UTF-8 form. Found by test/e2e/unit-roundtrip.test.ts.
 */
export function hasInvalidUnicode(value: string): boolean {
  for (const ch of value) {
    const cp = ch.codePointAt(0)!;
    if ((cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) === 0xfffe) return true;
  }
  return false;
}

/** Wraps a word in double quotes with the C escapes systemd.syntax(7) understands. */
function doubleQuote(word: string): string {
  let out = '"';
  for (const ch of word) {
    if (ch === '\\' || ch === '"') out += `\\${ch}`;
    else if (CONTROL.test(ch)) out += `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/**
 * One ExecStart= word: `%` -> `%%` (specifiers) and `$` -> `$$` (ExecStart
 * expands $VAR and ${VAR}); quoted when it has whitespace, quotes, backslashes
 * or control characters, or is empty (an empty word must survive as an
 * argument). A lone `;` would separate two command lines, so it becomes `\;`.
 */
export function quoteExecArg(arg: string): string {
  if (arg === ';') return '\\;';
  const escaped = escapeSpecifiers(arg).replaceAll('$', () => '$$');
  return escaped === '' || NEEDS_QUOTES.test(escaped) ? doubleQuote(escaped) : escaped;
}

/** A whole ExecStart= command line; the first word must be an absolute path. */
export function renderCommandLine(argv: readonly string[]): string {
  const [command] = argv;
  if (command === undefined || !command.startsWith('/')) {
    throw new RangeError(`ExecStart= needs an absolute executable path, got ${JSON.stringify(command)}`);
  }
  // systemd refuses \x00 in a unit file, and no process argument can hold a NUL anyway (found by test/unit/units/property.test.ts).
  if (argv.some((arg) => arg.includes('\0'))) throw new RangeError('a command-line argument cannot contain a NUL character');
  if (argv.some(hasInvalidUnicode)) throw new RangeError('a command-line argument contains a Unicode noncharacter or lone surrogate, which systemd refuses');
  return argv.map(quoteExecArg).join(' ');
}

/**
 * One Environment= assignment. systemd.exec(5): the value is unquoted like
 * any quoted setting and specifier-expanded, but `$` is NOT special, so only
 * `%` is doubled. Quotes go around the whole `K=V` when the value needs them.
 * systemd rejects non-printable characters in values (tab included), and no
 * escape gets around that, so those are refused here with a clear message.
 */
export function quoteEnvironmentAssignment(key: string, value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
    throw new RangeError(`invalid environment variable name ${JSON.stringify(key)}`);
  }
  if (CONTROL.test(value)) {
    throw new RangeError(`environment variable ${key}: systemd rejects control characters in values`);
  }
  if (hasInvalidUnicode(value)) throw new RangeError(`environment variable ${key}: the value contains a Unicode noncharacter or lone surrogate, which systemd refuses`);
  const assignment = `${key}=${escapeSpecifiers(value)}`;
  return NEEDS_QUOTES.test(assignment) ? doubleQuote(assignment) : assignment;
}

/**
 * A path written as a whole-line value (WorkingDirectory=, EnvironmentFile=):
 * no unquoting happens there, so only specifiers need escaping. Leading `-`
 * and `~` would change the meaning, which absolute paths never start with.
 */
export function escapePath(path: string): string {
  if (!path.startsWith('/')) throw new RangeError(`expected an absolute path, got ${JSON.stringify(path)}`);
  // A trailing backslash would continue the directive onto the next line.
  if (CONTROL.test(path) || path.endsWith('\\') || hasInvalidUnicode(path)) {
    throw new RangeError(`path ${JSON.stringify(path)} cannot be written into a unit file`);
  }
  return escapeSpecifiers(path);
}

/**
 * A path as one word of a space-separated list (ReadWritePaths=,
 * BindPaths=, BindReadOnlyPaths=): specifiers doubled, and double quotes
 * with C escapes around a path containing spaces, quotes or backslashes
 * (systemd.exec(5): these settings unquote each word).
 */
export function quotePathWord(path: string): string {
  const escaped = escapePath(path);
  return NEEDS_QUOTES.test(escaped) ? doubleQuote(escaped) : escaped;
}
