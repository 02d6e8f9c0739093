import { describe, expect, it } from 'vitest';
import { renderCommandLine } from '../../../src/units/quote.js';
import { splitCommandLine } from '../../../src/units/unquote.js';

const TRICKY = ['--port', '8080', 'with space', `it's "quoted"`, '100% %i', '$HOME ${PATH}', 'back\\slash\\', ';', '', 'tab\there', 'new\nline', 'ünï', "'", '"', '\\', '$$', '%%', 'a;b', '-', '--'];

/** A small deterministic generator: words from an alphabet full of characters that need quoting. */
function* randomWords(seed: number, count: number): Generator<string[]> {
  let x = seed;
  const next = () => ((x = (x * 1103515245 + 12345) & 0x7fffffff), x);
  const alphabet = ['a', 'Z', '0', ' ', '"', "'", '\\', '%', '$', '{', ';', '\t', '\n', 'é', '-', '='];
  for (let n = 0; n < count; n++) {
    const words: string[] = [];
    for (let w = next() % 6; w >= 0; w--) {
      let word = '';
      for (let k = next() % 8; k > 0; k--) word += alphabet[next() % alphabet.length];
      words.push(word);
    }
    yield words;
  }
}

describe('splitCommandLine reads back what renderCommandLine wrote', () => {
  it('every tricky argument survives as one word, verbatim', () => {
    const argv = ['/usr/bin/nodeunit', '--node', '/usr/bin/node', '/srv/app.js', ...TRICKY];
    expect(splitCommandLine(renderCommandLine(argv))).toEqual(argv);
  });
  it('500 generated argument lists round-trip', () => {
    for (const words of randomWords(42, 500)) {
      const argv = ['/usr/bin/nodeunit', ...words];
      expect(splitCommandLine(renderCommandLine(argv))).toEqual(argv);
    }
  });
  it('splits plain words on whitespace', () => {
    expect(splitCommandLine('/usr/bin/node  a.js\tb')).toEqual(['/usr/bin/node', 'a.js', 'b']);
  });
});
