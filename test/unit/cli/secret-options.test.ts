import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDotenv, parseSecretOptions, secretLookingEnvWarnings } from '../../../src/cli/secret-options';

describe('secret options', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nodeunit-secret-opts-'));
  writeFileSync(join(dir, 'pw'), 's3cret\n');
  writeFileSync(join(dir, '.env'), '# comment\nexport A=1\nB = two words # note\nC=\'lit $x \\n\'\nD="multi\\nline \\"q\\""\nE="span\nlines"\n\nA=override\n');

  it('parses dotenv files', () => {
    expect(parseDotenv('# c\nexport A=1\nB = two words # note\nC=\'lit $x\'\nD="x\\ny"\n', 'f')).toEqual([
      ['A', '1'],
      ['B', 'two words'],
      ['C', 'lit $x'],
      ['D', 'x\ny'],
    ]);
    expect(() => parseDotenv('A=1\nnot an assignment\n', '/x/.env')).toThrow(/^\/x\/\.env:2: expected NAME=value$/);
    expect(() => parseDotenv('PW="hunter2\n', 'f')).toThrow(/f:1: PW: the double quote is not closed/);
  });
  it('collects --secrets-from, --secret-file and --secret, later ones winning', () => {
    const got = parseSecretOptions({ secretsFrom: '.env', secretFile: ['PW=pw'], secret: ['A=cli', 'EMPTY='] }, dir);
    expect(Object.fromEntries(got)).toEqual({ A: 'cli', B: 'two words', C: 'lit $x \\n', D: 'multi\nline "q"', E: 'span\nlines', PW: 's3cret', EMPTY: '' });
  });
  it('never shows a value in an error', () => {
    const messages: string[] = [];
    for (const argv of [{ secret: 'hunter2' }, { secret: 'bad key=hunter2' }, { secret: 'K=hun\0ter2' }, { secretFile: 'K=/nonexistent/hunter2' }]) {
      try {
        parseSecretOptions(argv, dir);
      } catch (err) {
        messages.push((err as Error).message);
      }
    }
    expect(messages).toHaveLength(4);
    for (const m of messages.slice(0, 3)) expect(m).not.toContain('hunter2');
    expect(messages[0]).toBe('--secret: expected NAME=value (the argument is not shown, it may be a secret)');
  });
  it('warns about --env keys that look secret and shows the --secret form', () => {
    const w = secretLookingEnvWarnings([['PORT', '1'], ['DB_PASSWORD', 'hunter2']]);
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(/--env DB_PASSWORD looks like a secret.*--secret DB_PASSWORD=\.\.\./);
    expect(w[0]).not.toContain('hunter2');
  });
});
