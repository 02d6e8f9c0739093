/**
 * pm2's quote-aware split of a string option (`args`, `node_args`, a script
 * with spaces): words separated by whitespace, where '…' and "…" group
 * (lib/tools/Config.js: `"-c 'npm run dev'"` -> `["-c", "npm run dev"]`).
 * No backslash escapes, as in pm2.
 */
export function splitPm2Args(text: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (const ch of text) {
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      else word += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      word ??= '';
    } else if (/\s/.test(ch)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else word = (word ?? '') + ch;
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** A string or array option as a list of strings (numbers become strings). */
export function argList(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.map((v) => String(v));
  if (typeof value === 'string') return splitPm2Args(value);
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  return undefined;
}
