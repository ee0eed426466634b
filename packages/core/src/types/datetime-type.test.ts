import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { datetimeType, parseIsoInstant } from './datetime-type.js';
import { ValueProblem } from './metadata-type.js';

const check = datetimeType.compile(undefined);

function rejection(value: unknown): ValueProblem {
  const result = check(value);
  expect(result).toBeInstanceOf(ValueProblem);
  return result as ValueProblem;
}

/** Epoch ms of a UTC calendar instant, with the year taken literally (Date.UTC maps 0–99 to 19xx). */
function utc(year: number, month: number, day: number, h = 0, m = 0, s = 0, ms = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(h, m, s, ms);
  return d.getTime();
}

const NOON_THIRTY = utc(2024, 5, 1, 12, 30); // 2024-05-01T12:30:00Z

/** Prints `instant` as the same instant seen from a zone `offsetMinutes` east of UTC. */
function withOffset(instant: number, offsetMinutes: number, form: 'HH:MM' | 'HHMM' = 'HH:MM'): string {
  const local = new Date(instant + offsetMinutes * 60_000).toISOString().slice(0, -1); // drop the "Z"
  const sign = offsetMinutes < 0 ? '-' : '+';
  const hh = String(Math.floor(Math.abs(offsetMinutes) / 60)).padStart(2, '0');
  const mm = String(Math.abs(offsetMinutes) % 60).padStart(2, '0');
  return `${local}${sign}${hh}${form === 'HH:MM' ? ':' : ''}${mm}`;
}

describe('datetime: accepted forms, normalised to a UTC instant (epoch ms)', () => {
  it.each([
    ['a zoned date-time', '2024-05-01T12:30:00Z', NOON_THIRTY],
    ['a bare date (midnight UTC)', '2024-05-01', utc(2024, 5, 1)],
    ['minutes without seconds', '2024-05-01T12:30Z', NOON_THIRTY],
    ['milliseconds', '2024-05-01T12:30:00.123Z', NOON_THIRTY + 123],
    ['one fractional digit (tenths)', '2024-05-01T12:30:00.1Z', NOON_THIRTY + 100],
    ['two fractional digits (hundredths)', '2024-05-01T12:30:00.12Z', NOON_THIRTY + 120],
    ['nanoseconds, truncated to ms', '2024-05-01T12:30:00.123456789Z', NOON_THIRTY + 123],
    ['.9999, truncated rather than rounded up', '2024-05-01T12:30:00.9999Z', NOON_THIRTY + 999],
    ['a comma as the decimal sign', '2024-05-01T12:30:00,5Z', NOON_THIRTY + 500],
    ['offset +HH:MM', '2024-05-01T18:00:00+05:30', NOON_THIRTY],
    ['offset +HHMM', '2024-05-01T18:00:00+0530', NOON_THIRTY],
    ['offset +HH', '2024-05-01T17:30:00+05', NOON_THIRTY],
    ['a negative offset', '2024-05-01T07:30:00-05:00', NOON_THIRTY],
    ['offset -00:00', '2024-05-01T12:30:00-00:00', NOON_THIRTY],
    ['an offset that moves the date back', '2024-05-02T00:00:00+11:30', NOON_THIRTY],
    ['an offset that moves the date forward', '2024-04-30T23:30:00-13:00', NOON_THIRTY],
    ['offset +23:59, the largest', '2024-05-02T12:29:00+23:59', NOON_THIRTY],
    ['lowercase t and z', '2024-05-01t12:30:00z', NOON_THIRTY],
    ['a space instead of T', '2024-05-01 12:30:00Z', NOON_THIRTY],
    ['29 February of a leap year', '2024-02-29', utc(2024, 2, 29)],
    ['29 February 2000 (divisible by 400)', '2000-02-29T00:00:00Z', utc(2000, 2, 29)],
    ['the last millisecond before the epoch', '1969-12-31T23:59:59.999Z', -1],
    ['the epoch', '1970-01-01T00:00:00Z', 0],
    ['year 0000, literally', '0000-01-01T00:00:00Z', -62_167_219_200_000],
    ['year 0050, literally (not 1950)', '0050-06-15', utc(50, 6, 15)],
    ['year 0099, literally (not 1999)', '0099-12-31T23:59:59Z', utc(99, 12, 31, 23, 59, 59)],
    ['year 9999', '9999-12-31T23:59:59.999Z', utc(9999, 12, 31, 23, 59, 59, 999)],
  ])('accepts %s: %s', (_label, text, expected) => {
    expect(check(text)).toBe(expected);
    expect(parseIsoInstant(text)).toBe(expected);
  });

  it('accepts fractions of any length (RFC 3339), truncated to milliseconds', () => {
    expect(parseIsoInstant('2024-05-01T12:30:00.1234567890123Z')).toBe(
      Date.parse('2024-05-01T12:30:00.123Z'),
    );
  });

  it('keeps years 0000–0099 literal, where Date.UTC would shift them to 19xx', () => {
    expect(check('0050-06-15')).not.toBe(Date.UTC(50, 5, 15));
    expect(new Date(check('0050-06-15') as number).getUTCFullYear()).toBe(50);
    expect(check('0050-06-15')).toBe(Date.parse('0050-06-15T00:00:00Z'));
  });
});

describe('datetime: rejected strings (datetime.format)', () => {
  it.each([
    ['a date-time without zone', '2024-05-01T12:30:00'],
    ['minutes without zone', '2024-05-01T12:30'],
    ['milliseconds without zone', '2024-05-01T12:30:00.123'],
    ['29 February of a common year', '2023-02-29'],
    ['29 February 1900 (divisible by 100)', '1900-02-29'],
    ['31 April', '2024-04-31'],
    ['month 13', '2024-13-01'],
    ['month 00', '2024-00-10'],
    ['day 00', '2024-05-00'],
    ['day 32', '2024-01-32'],
    ['hour 24', '2024-05-01T24:00:00Z'],
    ['minute 60', '2024-05-01T12:60:00Z'],
    ['second 60 (leap second)', '2024-05-01T12:30:60Z'],
    ['offset hour 24', '2024-05-01T12:30:00+24:00'],
    ['offset minute 60', '2024-05-01T12:30:00+05:60'],
    ['a one-digit offset hour', '2024-05-01T12:30:00+5:30'],
    ['a dangling offset colon', '2024-05-01T12:30:00+05:'],
    ['a three-digit offset', '2024-05-01T12:30:00+053'],
    ['offset seconds', '2024-05-01T12:30:00+05:30:00'],
    ['an empty fraction', '2024-05-01T12:30:00.Z'],
    ['a fraction without seconds', '2024-05-01T12:30.5Z'],
    ['two zones', '2024-05-01T12:30:00ZZ'],
    ['a trailing space', '2024-05-01T12:30:00Z '],
    ['a leading space', ' 2024-05-01'],
    ['a trailing T', '2024-05-01T'],
    ['an hour only', '2024-05-01T12Z'],
    ['a one-digit second', '2024-05-01T12:30:5Z'],
    ['a date with a zone but no time', '2024-05-01Z'],
    ['one-digit month and day', '2024-5-1'],
    ['the basic format (no separators)', '20240501'],
    ['a basic-format date-time', '20240501T123000Z'],
    ['an expanded year', '+002024-05-01T00:00:00Z'],
    ['a two-digit year', '24-05-01'],
    ['slashes', '2024/05/01'],
    ['a named month', 'May 1, 2024'],
    ['epoch milliseconds as a string', '1714566600000'],
    ['an empty string', ''],
  ])('rejects %s: %j', (_label, text) => {
    const problem = rejection(text);
    expect(problem.rule).toBe('datetime.format');
    expect(problem.message).toBe(
      `expected an ISO 8601 date-time with a zone ("Z" or an offset such as "+02:00") or a date, got ${JSON.stringify(text)}`,
    );
    expect(parseIsoInstant(text)).toBeUndefined();
  });

  it('shortens a long bad string in the message', () => {
    const text = `2024-05-01T12:30:00Z${'x'.repeat(100)}`;
    const problem = rejection(text);
    expect(problem.message).toContain(`got "${text.slice(0, 57)}..."`);
    expect(problem.message).not.toContain(text);
  });
});

describe('datetime: rejected kinds (datetime.type)', () => {
  it.each([
    ['epoch milliseconds', NOON_THIRTY, 'a number'],
    ['a boolean', true, 'a boolean'],
    ['an object', { $date: '2024-05-01T12:30:00Z' }, 'an object'],
    ['an array', ['2024-05-01'], 'an array'],
    ['null', null, 'null'],
  ])('rejects %s', (_label, value, kind) => {
    const problem = rejection(value);
    expect(problem.rule).toBe('datetime.type');
    expect(problem.message).toBe(`expected an ISO 8601 string, got ${kind}`);
  });
});

describe('datetime: agrees with Date.parse on ordinary zoned input', () => {
  const dates = fc.date({
    // One day inside the 4-digit-year range, so no offset can push the local time out of it.
    min: new Date('1000-01-02T00:00:00Z'),
    max: new Date('9999-12-30T23:59:59.999Z'),
    noInvalidDate: true,
  });
  const offsets = fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 });

  it('parses toISOString() to getTime()', () => {
    fc.assert(
      fc.property(dates, (date) => {
        const text = date.toISOString();
        expect(Date.parse(text)).toBe(date.getTime());
        expect(check(text)).toBe(date.getTime());
      }),
    );
  });

  it('parses the same instant printed with a ±HH:MM offset to getTime()', () => {
    fc.assert(
      fc.property(dates, offsets, (date, offset) => {
        const text = withOffset(date.getTime(), offset);
        expect(Date.parse(text)).toBe(date.getTime());
        expect(check(text)).toBe(date.getTime());
        expect(check(withOffset(date.getTime(), offset, 'HHMM'))).toBe(date.getTime());
      }),
    );
  });

  it('rejects the same date-time with its zone dropped', () => {
    fc.assert(
      fc.property(dates, (date) => {
        const local = date.toISOString().slice(0, -1);
        expect(rejection(local).rule).toBe('datetime.format');
      }),
    );
  });

  it('accepts a calendar date exactly when it exists (years 0000–9999)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 31 }),
        (year, month, day) => {
          const text = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
          const instant = utc(year, month, day);
          const exists = new Date(instant).getUTCDate() === day;
          expect(parseIsoInstant(text)).toBe(exists ? instant : undefined);
        },
      ),
    );
  });
});

describe('datetime: description and operators', () => {
  it('describes the expected form', () => {
    expect(datetimeType.describe(undefined)).toContain('ISO 8601');
    expect(datetimeType.describe(undefined)).toContain('zone');
  });

  it('is ordered (lt, between, …) but has no string operators', () => {
    expect(datetimeType.operators).toEqual(
      expect.arrayContaining(['eq', 'lt', 'lte', 'gt', 'gte', 'between']),
    );
    expect(datetimeType.operators).not.toContain('contains');
    expect(datetimeType.operators).not.toContain('startswith');
    expect(datetimeType.operators).not.toContain('matches');
    expect(datetimeType.indexKind).toBe('number');
  });
});
