import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { requirePreload } from './load';

const { loadSecrets, secretNames } = requirePreload('./credentials.cjs');

describe('loadSecrets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nodeunit-creds-'));
  writeFileSync(join(dir, 'DB_PASSWORD'), 'hunter2 "with" $pecial %chars\nand a second line');
  writeFileSync(join(dir, 'TOKEN'), 'tok');
  writeFileSync(join(dir, 'NUL'), 'a\0b');
  writeFileSync(join(dir, 'OTHER'), 'not named');

  it('sets the named credentials as environment variables, byte for byte, over existing values', () => {
    const env: Record<string, string> = { CREDENTIALS_DIRECTORY: dir, NODEUNIT_SECRETS: 'DB_PASSWORD,TOKEN,MISSING,NUL', TOKEN: 'old' };
    expect(loadSecrets(env, fs, path)).toEqual(['DB_PASSWORD', 'TOKEN']);
    expect(env.DB_PASSWORD).toBe('hunter2 "with" $pecial %chars\nand a second line');
    expect(env.TOKEN).toBe('tok');
    expect(env.OTHER).toBeUndefined();
    expect(env.NUL).toBeUndefined();
    expect(env.MISSING).toBeUndefined();
  });
  it('does nothing without CREDENTIALS_DIRECTORY or names', () => {
    const env: Record<string, string> = { NODEUNIT_SECRETS: 'TOKEN' };
    expect(loadSecrets(env, fs, path)).toEqual([]);
    expect(env.TOKEN).toBeUndefined();
    expect(loadSecrets({ CREDENTIALS_DIRECTORY: dir }, fs, path)).toEqual([]);
  });
  it('ignores names that are not variable names (no path traversal)', () => {
    expect(secretNames('A,../etc/passwd,,B_1,1X')).toEqual(['A', 'B_1']);
  });
});
