import { describe, expect, it } from 'vitest';
import { cronToOnCalendar } from '../../../src/import/cron.js';

describe('cron_restart as OnCalendar= (croner 4 syntax, as pm2 7 uses it)', () => {
  const cases: Array<[string, string]> = [
    ['0 3 * * *', '*-*-* 03:00:00'],
    ['30 0 3 * * *', '*-*-* 03:00:30'], // 6 fields: seconds first
    ['*/20 * * * *', '*-*-* *:00,20,40:00'],
    ['0 9-17/4 * * 1-5', 'Mon,Tue,Wed,Thu,Fri *-*-* 09,13,17:00:00'],
    ['0 0 1 jan,JUL *', '*-01,07-01 00:00:00'],
    ['0 0 * * sun', 'Sun *-*-* 00:00:00'],
    ['0 0 * * 7', 'Sun *-*-* 00:00:00'], // 0 and 7 are Sunday
    ['0 4 L * *', '*-*~01 04:00:00'], // the last day of the month
    ['0 0 13 * 5', 'Fri *-*-13 00:00:00'], // day AND weekday, as croner (and OnCalendar) do
  ];
  for (const [pattern, expected] of cases) it(pattern, () => expect(cronToOnCalendar(pattern)).toEqual({ onCalendar: expected }));

  it('refuses what croner refuses or what has no fixed meaning', () => {
    expect(cronToOnCalendar('@daily')).toEqual({ error: expect.stringMatching(/nicknames/) });
    expect(cronToOnCalendar('0 3 * *')).toEqual({ error: expect.stringMatching(/4 fields/) });
    expect(cronToOnCalendar('0 ? * * *')).toEqual({ error: expect.stringMatching(/'\?'/) });
    expect(cronToOnCalendar('0 25 * * *')).toEqual({ error: expect.stringMatching(/hour 25 is outside 0-23/) });
    expect(cronToOnCalendar('0 0 * * funday')).toEqual({ error: expect.stringMatching(/not a valid day of week/) });
  });
});
