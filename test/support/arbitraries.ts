import fc from 'fast-check';

/** Strings that stress unit-file quoting: specials mixed with arbitrary unicode, sometimes very long. */
export const nasty = fc.oneof(
  fc.string({ unit: fc.constantFrom(' ', '"', "'", '\\', '%', '$', ';', '\t', '\n', '\r', '\x00', '\x7f', '{', '}', 'a', '=', '#', 'é', '日', '😀', '%i', '$HOME', '${X}', '\\n', '\uFFFF', '\uFDD0', '\u{10FFFE}') }),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !/[\uD800-\uDFFF]/.test(s.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ''))),
  fc.string({ unit: fc.constantFrom('a', ' ', '%', '$', '\\', '"'), minLength: 2000, maxLength: 6000 }),
);

