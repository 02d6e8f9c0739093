import { describe, expect, it } from 'vitest';
import { choosePm2User } from '../../../src/cli/import.js';
import { pm2Invocation } from '../../../src/system/pm2.js';

describe("whose pm2 import drives", () => {
  it("this process's own pm2, or another user's through runuser with that user's HOME and PM2_HOME", () => {
    expect(pm2Invocation(['jlist'])).toEqual(['pm2', ['jlist']]);
    expect(pm2Invocation(['stop', 'my app'], { user: 'ubuntu', home: '/home/ubuntu' })).toEqual([
      'runuser',
      ['-u', 'ubuntu', '--', 'env', 'HOME=/home/ubuntu', 'PM2_HOME=/home/ubuntu/.pm2', 'pm2', 'stop', 'my app'],
    ]);
  });

  it('--pm2-user wins; under sudo the invoking user when they have a ~/.pm2; else our own', () => {
    const has = (users: string[]) => (u: string) => users.includes(u);
    expect(choosePm2User({ flag: 'ubuntu', me: 'root', hasPm2Home: has([]) })).toBe('ubuntu');
    expect(choosePm2User({ flag: 'ubuntu', sudoUser: 'admin', me: 'root', hasPm2Home: has(['admin']) })).toBe('ubuntu');
    expect(choosePm2User({ sudoUser: 'ubuntu', me: 'root', hasPm2Home: has(['ubuntu']) })).toBe('ubuntu');
    expect(choosePm2User({ sudoUser: 'ubuntu', me: 'root', hasPm2Home: has([]) })).toBeUndefined();
    expect(choosePm2User({ sudoUser: 'root', me: 'root', hasPm2Home: has(['root']) })).toBeUndefined();
    expect(choosePm2User({ me: 'root', hasPm2Home: has(['root']) })).toBeUndefined();
    expect(choosePm2User({ flag: 'root', me: 'root', hasPm2Home: has([]) })).toBeUndefined(); // our own: no runuser
  });
});
