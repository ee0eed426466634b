import { ORDERED_OPERATORS } from '../filter/operators.js';
import { jsonKind, showValue, ValueProblem, type MetadataType } from './metadata-type.js';

/*
 * Accepted forms (ISO 8601 / RFC 3339), with "T" also as a space and "T"/"Z" in any case:
 *   YYYY-MM-DD                                    a date: midnight UTC
 *   YYYY-MM-DDTHH:MM[:SS[.fraction]]<zone>        zone = Z | ±HH | ±HHMM | ±HH:MM
 * The fraction may have any number of digits; digits past milliseconds are dropped.
 * A time must carry its zone: a local time names no instant. The parser scans
 * character codes instead of using a regular expression because it runs once per
 * datetime value on every write.
 */

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Reads `count` decimal digits at `at`, or returns -1. */
function digits(text: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const d = text.charCodeAt(i) - 48; // NaN past the end of the text
    if (!(d >= 0 && d <= 9)) return -1;
    n = n * 10 + d;
  }
  return n;
}

const DASH = 45;
const COLON = 58;

/**
 * Parses an ISO 8601 instant to epoch milliseconds (UTC), or returns undefined.
 * Sub-millisecond digits are truncated.
 */
export function parseIsoInstant(text: string): number | undefined {
  const length = text.length;
  if (length < 10) return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  if (
    year < 0 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    text.charCodeAt(4) !== DASH ||
    text.charCodeAt(7) !== DASH
  ) {
    return undefined;
  }
  if (day > daysIn(year, month)) return undefined;
  const date = daysFromCivil(year, month, day) * 86_400_000;
  if (length === 10) return date;

  const t = text[10];
  if (t !== 'T' && t !== 't' && t !== ' ') return undefined;
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || text.charCodeAt(13) !== COLON) return undefined;
  let at = 16;
  let second = 0;
  let millis = 0;
  if (text.charCodeAt(at) === COLON) {
    second = digits(text, at + 1, 2);
    if (second < 0 || second > 59) return undefined;
    at += 3;
    const sep = text[at];
    if (sep === '.' || sep === ',') {
      at++;
      const start = at;
      // Any number of digits (RFC 3339); only milliseconds are kept.
      while (at < length) {
        const d = text.charCodeAt(at) - 48;
        if (d < 0 || d > 9) break;
        if (at - start < 3) millis = millis * 10 + d;
        at++;
      }
      const count = at - start;
      if (count === 0) return undefined;
      if (count === 1) millis *= 100;
      else if (count === 2) millis *= 10;
    }
  }

  let offsetMinutes: number;
  const zone = text[at];
  if (zone === 'Z' || zone === 'z') {
    offsetMinutes = 0;
    at++;
  } else if (zone === '+' || zone === '-') {
    const offH = digits(text, at + 1, 2);
    if (offH < 0 || offH > 23) return undefined;
    at += 3;
    let offM = 0;
    if (at < length) {
      if (text.charCodeAt(at) === COLON) at++;
      offM = digits(text, at, 2);
      if (offM < 0 || offM > 59) return undefined;
      at += 2;
    }
    offsetMinutes = (zone === '-' ? -1 : 1) * (offH * 60 + offM);
  } else {
    return undefined;
  }
  if (at !== length) return undefined;
  return date + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + millis;
}

/** An ISO 8601 date or date-time with zone; indexed as a UTC instant (epoch ms). */
export const datetimeType: MetadataType = {
  name: 'datetime',
  aliases: [],
  operators: ORDERED_OPERATORS,
  indexKind: 'number',
  describe: () => 'an ISO 8601 date-time with a zone, such as "2024-05-01T12:30:00Z", or a date',
  compile: () => (value) => {
    if (typeof value !== 'string') {
      return new ValueProblem('datetime.type', `expected an ISO 8601 string, got ${jsonKind(value)}`);
    }
    return (
      parseIsoInstant(value) ??
      new ValueProblem(
        'datetime.format',
        `expected an ISO 8601 date-time with a zone ("Z" or an offset such as "+02:00") or a date, got ${showValue(value)}`,
      )
    );
  },
};
