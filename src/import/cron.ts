/**
 * pm2's `cron_restart` pattern (croner 4.1.97, the version pm2 7 pins) as a
 * systemd calendar event (systemd.time(7) "Calendar Events").
 *
 * croner: exactly 5 fields `min hour day-of-month month day-of-week`, or 6
 * with seconds first; `*`, lists, ranges `a-b`, steps `*\/n` and `a-b/n`,
 * month names jan..dec, day names sun..sat (0 and 7 are Sunday), `L` (last
 * day of the month, day-of-month only); day-of-month and day-of-week are
 * ANDed (unlike Vixie cron), as OnCalendar= does too. `?` (croner: the
 * value at the time pm2 started) and `@daily`-style nicknames are refused,
 * as is anything croner rejects. Every field other than `*` is written as
 * an explicit list, which every systemd version reads the same way.
 *
 * Outcome: `{ onCalendar }`, or `{ error }` with one line saying what is wrong.
 */
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const SYSTEMD_DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

interface Field {
  what: string;
  min: number;
  max: number;
  names?: string[];
  /** Index of names[0]. */
  nameBase?: number;
}

const FIELDS: Record<string, Field> = {
  second: { what: 'second', min: 0, max: 59 },
  minute: { what: 'minute', min: 0, max: 59 },
  hour: { what: 'hour', min: 0, max: 23 },
  day: { what: 'day of month', min: 1, max: 31 },
  month: { what: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1 },
  weekday: { what: 'day of week', min: 0, max: 7, names: DAYS, nameBase: 0 },
};

function value(text: string, f: Field): number {
  const lower = text.toLowerCase();
  const named = f.names?.indexOf(lower) ?? -1;
  if (named >= 0) return named + (f.nameBase ?? 0);
  if (!/^\d+$/.test(text)) throw new Error(`'${text}' is not a valid ${f.what}`);
  const n = Number(text);
  if (n < f.min || n > f.max) throw new Error(`${f.what} ${n} is outside ${f.min}-${f.max}`);
  return n;
}

/** The values a field matches, or undefined for `*`. */
function expand(text: string, f: Field): number[] | undefined {
  if (text === '*') return undefined;
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^([^/]+)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new Error(`'${part}' is not a valid ${f.what}`);
    const step = m[2] === undefined ? 1 : Number(m[2]);
    if (step < 1) throw new Error(`step 0 in '${part}'`);
    let from: number;
    let to: number;
    if (m[1] === '*') {
      from = f.min;
      to = f.max;
    } else if (m[1].includes('-')) {
      const [a, b] = m[1].split('-');
      from = value(a, f);
      to = value(b, f);
      if (from > to) throw new Error(`range '${m[1]}' goes backwards`);
    } else {
      from = value(m[1], f);
      to = m[2] === undefined ? from : f.max;
    }
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return [...out].sort((a, b) => a - b);
}

const pad = (n: number) => String(n).padStart(2, '0');

export function cronToOnCalendar(pattern: string | number): { onCalendar: string } | { error: string } {
  const text = String(pattern).trim();
  if (text.startsWith('@')) return { error: `'${text}': croner (pm2) does not accept @nicknames; write the 5 fields` };
  const parts = text.split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6) return { error: `'${text}' has ${parts.length} fields; croner takes 5, or 6 with seconds first` };
  if (parts.includes('?') || parts.some((p) => p.includes('?'))) {
    return { error: `'${text}': '?' means "the value when pm2 started", which has no fixed meaning; write the value` };
  }
  const [sec, min, hour, dom, month, dow] = parts.length === 6 ? parts : ['0', ...parts];
  try {
    const list = (v: number[] | undefined, fmt: (n: number) => string = pad) => (v === undefined ? '*' : v.map(fmt).join(','));
    const seconds = list(expand(sec, FIELDS.second));
    const minutes = list(expand(min, FIELDS.minute));
    const hours = list(expand(hour, FIELDS.hour));
    const months = list(expand(month, FIELDS.month));
    const weekdays = expand(dow, FIELDS.weekday);
    const days = [...new Set((weekdays ?? []).map((d) => d % 7))].sort((a, b) => a - b);
    const dowText = weekdays === undefined ? '' : `${days.map((d) => SYSTEMD_DAYS[d]).join(',')} `;
    let date: string;
    if (dom.toUpperCase() === 'L') date = `*-${months}~01`;
    else if (/L/i.test(dom)) return { error: `'${text}': 'L' is supported alone in the day-of-month field` };
    else date = `*-${months}-${list(expand(dom, FIELDS.day))}`;
    return { onCalendar: `${dowText}${date} ${hours}:${minutes}:${seconds}` };
  } catch (err) {
    return { error: `'${text}': ${(err as Error).message}` };
  }
}
