/**
 * The inverse of quote.ts for ExecStart= lines nodeunit wrote: splits a
 * command line into words per systemd.syntax(7) "Quoting" and
 * systemd.service(5) "Command lines" (`"…"`/`'…'` words, C escapes `\\ \" \'
 * \xHH \n \t`, `\;`, `%%` -> `%`, `$$` -> `$`). It reads our own output back
 * (status shows the app's command line); it is not a full systemd parser:
 * specifiers other than `%%` and `$VAR` expansion are left as written.
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let i = 0;
  const unescape = (c: string, quoteEnd?: string): string => {
    switch (c) {
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case 'x': {
        const hex = line.slice(i + 1, i + 3);
        i += 2;
        return String.fromCharCode(parseInt(hex, 16));
      }
      default:
        return quoteEnd === undefined && c === ';' ? ';' : c;
    }
  };
  const specifiers = (w: string) => w.replace(/%%|\$\$/g, (m) => m[0]);
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i])) i++;
    if (i >= line.length) break;
    let word = '';
    const q = line[i];
    if (q === '"' || q === "'") {
      i++;
      while (i < line.length && line[i] !== q) {
        if (line[i] === '\\' && i + 1 < line.length) {
          i++;
          word += unescape(line[i], q);
        } else word += line[i];
        i++;
      }
      i++;
    } else {
      while (i < line.length && !/\s/.test(line[i])) {
        if (line[i] === '\\' && i + 1 < line.length) {
          i++;
          word += unescape(line[i]);
        } else word += line[i];
        i++;
      }
    }
    words.push(specifiers(word));
  }
  return words;
}
