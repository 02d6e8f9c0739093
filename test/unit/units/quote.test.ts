import { describe, expect, it } from 'vitest';
import { escapePath } from '../../../src/units/quote.js';
import { escapeSpecifiers, quoteEnvironmentAssignment, quoteExecArg, renderCommandLine } from '../../../src/units/index.js';
import { listenAddress } from '../../../src/units/render-socket.js';

describe('escapeSpecifiers', () => {
  it('doubles %', () => {
    expect(escapeSpecifiers('50% %i %%')).toBe('50%% %%i %%%%');
  });
});

describe('quoteExecArg (systemd.service(5) command lines)', () => {
  it('leaves plain words alone', () => {
    expect(quoteExecArg('/usr/bin/node')).toBe('/usr/bin/node');
    expect(quoteExecArg('--max-old-space-size=512')).toBe('--max-old-space-size=512');
  });
  it('escapes specifiers and variable expansion', () => {
    expect(quoteExecArg('100%')).toBe('100%%');
    expect(quoteExecArg('$HOME')).toBe('$$HOME');
    expect(quoteExecArg('${A}$$')).toBe('$${A}$$$$');
  });
  it('quotes whitespace, quotes and backslashes with C escapes', () => {
    expect(quoteExecArg('a b')).toBe('"a b"');
    expect(quoteExecArg('tab\there')).toBe('"tab\\x09here"');
    expect(quoteExecArg(`it's`)).toBe(`"it's"`);
    expect(quoteExecArg('say "hi"')).toBe('"say \\"hi\\""');
    expect(quoteExecArg('C:\\x')).toBe('"C:\\\\x"');
    expect(quoteExecArg('a b $X 5%')).toBe('"a b $$X 5%%"');
  });
  it('keeps empty arguments and lone semicolons as arguments', () => {
    expect(quoteExecArg('')).toBe('""');
    expect(quoteExecArg(';')).toBe('\\;');
    expect(quoteExecArg('a;b')).toBe('a;b');
  });
  it('requires an absolute command', () => {
    expect(renderCommandLine(['/bin/node', 'x y'])).toBe('/bin/node "x y"');
    expect(() => renderCommandLine(['node'])).toThrow(RangeError);
    expect(() => renderCommandLine([])).toThrow(RangeError);
  });
});

describe('quoteEnvironmentAssignment (systemd.exec(5) Environment=)', () => {
  it('leaves simple assignments unquoted', () => {
    expect(quoteEnvironmentAssignment('PORT', '8080')).toBe('PORT=8080');
    expect(quoteEnvironmentAssignment('EMPTY', '')).toBe('EMPTY=');
    expect(quoteEnvironmentAssignment('URL', 'postgres://u@h/db?a=b')).toBe('URL=postgres://u@h/db?a=b');
  });
  it('does not escape $ (no variable expansion in Environment=)', () => {
    expect(quoteEnvironmentAssignment('A', '$HOME')).toBe('A=$HOME');
  });
  it('doubles % (specifiers are expanded)', () => {
    expect(quoteEnvironmentAssignment('A', '50%')).toBe('A=50%%');
  });
  it('quotes the whole assignment when the value has spaces, quotes or backslashes', () => {
    expect(quoteEnvironmentAssignment('A', 'hello world')).toBe('"A=hello world"');
    expect(quoteEnvironmentAssignment('A', `it's "x"`)).toBe(`"A=it's \\"x\\""`);
    expect(quoteEnvironmentAssignment('A', 'C:\\dir')).toBe('"A=C:\\\\dir"');
  });
  it('refuses what systemd cannot represent', () => {
    expect(() => quoteEnvironmentAssignment('A', 'x\ty')).toThrow(RangeError);
    expect(() => quoteEnvironmentAssignment('1A', 'x')).toThrow(RangeError);
    expect(() => quoteEnvironmentAssignment('A-B', 'x')).toThrow(RangeError);
  });
});

describe('escapePath', () => {
  it('doubles % and keeps spaces (whole-line values are not unquoted)', () => {
    expect(escapePath('/srv/my app/50%')).toBe('/srv/my app/50%%');
  });
  it('refuses relative paths and trailing backslashes', () => {
    expect(() => escapePath('srv')).toThrow(RangeError);
    expect(() => escapePath('/srv\\')).toThrow(RangeError);
  });
});

describe('listenAddress (ListenStream=)', () => {
  it('writes ports, IPv4 and bracketed IPv6', () => {
    expect(listenAddress({ port: 80 })).toBe('80');
    expect(listenAddress({ host: '127.0.0.1', port: 80 })).toBe('127.0.0.1:80');
    expect(listenAddress({ host: '::1', port: 80 })).toBe('[::1]:80');
    expect(listenAddress({ host: '[::1]', port: 80 })).toBe('[::1]:80');
    expect(listenAddress({ host: 'fe80::1%eth0', port: 80 })).toBe('[fe80::1%%eth0]:80');
  });
  it('refuses bad ports and hosts', () => {
    expect(() => listenAddress({ port: 0 })).toThrow(RangeError);
    expect(() => listenAddress({ port: 65536 })).toThrow(RangeError);
    expect(() => listenAddress({ host: 'a b', port: 80 })).toThrow(RangeError);
  });
});
