/**
 * An independent reading of unit file values the way systemd reads them,
 * for property tests of the renderer: extract_first_word() with
 * EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE (systemd.syntax(7) "Quoting"), then
 * specifier unescaping (`%%` -> `%`, systemd.unit(5) "Specifiers") and for
 * command lines `$$` -> `$` (systemd.service(5) "Command lines"). It knows
 * only the escapes systemd documents and throws on anything else, so a
 * renderer bug shows up as a mismatch or a throw.
 */
const SIMPLE: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'", s: ' ' };

export function splitWords(line: string): string[] {
  // systemd's unichar_is_valid(): noncharacters make the whole assignment invalid.
  for (const ch of line) {
    const cp = ch.codePointAt(0)!;
    if ((cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) === 0xfffe) throw new Error('String is not UTF-8 clean');
  }
  const words: string[] = [];
  let i = 0;
  const ws = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
  while (i < line.length) {
    while (i < line.length && ws(line[i])) i++;
    if (i >= line.length) break;
    let word = '';
    let quote: string | undefined;
    for (; i < line.length; i++) {
      const c = line[i];
      if (quote === undefined && ws(c)) break;
      if (quote === undefined && (c === '"' || c === "'")) {
        quote = c;
        continue;
      }
      if (quote !== undefined && c === quote) {
        quote = undefined;
        continue;
      }
      if (c === '\\') {
        const n = line[++i];
        if (n === undefined) throw new Error('trailing backslash');
        if (n in SIMPLE) word += SIMPLE[n];
        else if (n === ';' && quote === undefined) word += ';';
        else if (n === 'x') {
          const hex = line.slice(i + 1, i + 3);
          if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new Error(`bad \\x escape at ${i}`);
          const code = parseInt(hex, 16);
          if (code === 0) throw new Error('systemd refuses \\x00');
          word += String.fromCharCode(code);
          i += 2;
        } else throw new Error(`escape \\${n} not expected from the renderer`);
        continue;
      }
      word += c;
    }
    if (quote !== undefined) throw new Error('unterminated quote');
    words.push(word);
  }
  return words;
}

/** `%%` -> `%`; any other `%x` would be a specifier systemd expands, which the renderer must never leave. */
export function unescapeSpecifiers(s: string): string {
  return s.replace(/%(.)/gs, (_, c: string) => {
    if (c === '%') return '%';
    throw new Error(`unescaped specifier %${c}`);
  });
}

/** An ExecStart= value as the argv systemd executes. */
export function readCommandLine(value: string): string[] {
  return splitWords(value).map((w) => {
    const s = unescapeSpecifiers(w);
    // $$ -> $; a single $ followed by a name would be expanded by systemd.
    return s.replace(/\$(\$|[A-Za-z_{])/g, (m, c: string) => {
      if (c === '$') return '$';
      throw new Error(`unescaped variable ${m}`);
    });
  });
}

/** One Environment= line as the assignments systemd stores. */
export function readEnvironment(value: string): string[] {
  return splitWords(value).map(unescapeSpecifiers);
}
