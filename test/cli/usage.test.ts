/**
 * The usage lines of enable and generate show where the app's arguments go,
 * in --help and in the man page written from it. Needs dist/nodeunit.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderManPage } from '../../build/man.js';

const nodeunit = resolve('dist/nodeunit');

describe('usage of the commands that take the app arguments', () => {
  for (const name of ['enable', 'generate']) {
    it(`${name} --help: nodeunit ${name} <name> <script> [options] [-- ARG...]`, () => {
      const r = spawnSync(nodeunit, [name, '--help'], { encoding: 'utf8', env: { PATH: process.env.PATH!, COLUMNS: '78' } });
      expect(r.status).toBe(0);
      expect(r.stdout.split('\n')[0]).toBe(`nodeunit ${name} <name> <script> [options] [-- ARG...]`);
      expect(r.stdout.split('\n\n')[1].length).toBeGreaterThan(20); // the description follows
    });
  }

  it('the man page has them in its synopsis and section headings', () => {
    const page = renderManPage({ binary: nodeunit, version: '0.0.0', date: '2026-01-01', description: 'x' });
    for (const name of ['enable', 'generate']) {
      expect(page).toContain(`\\fBnodeunit ${name}\\fR <name> <script> [options] [\\-\\- ARG...]`);
      expect(page).toContain(`.SS "nodeunit ${name} <name> <script> [options] [\\-\\- ARG...]"`);
    }
  });
});
