/**
 * Streaming readers of an import file, from any byte offset: each record comes with its
 * line number and the byte offset just past it, so an import can checkpoint exactly
 * where it stands and resume there. Nothing holds the whole file in memory.
 */
import { MetaindexError } from '@metaindex/core';
import { CsvError, parse as parseCsv, type Info, type Options as CsvOptions } from 'csv-parse';
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/** One record of the file. */
export interface SourceRecord {
  /** 1-based number of the line where the record starts. */
  line: number;
  /** JSONL: the line's text. CSV: the record's fields. */
  text: string;
  fields: string[];
}

/** A run of consecutive records, and where the file stands after them. */
export interface SourceChunk {
  records: SourceRecord[];
  /** Byte offset just past the last line read (blank lines included). */
  end: number;
  /** Number of the last line read. */
  lastLine: number;
}

export interface RecordSource {
  /** Up to `max` records (fewer at the end); null once the file is exhausted. */
  next(max: number): Promise<SourceChunk | null>;
  /** Byte offset just past what was read so far. */
  readonly position: number;
  close(): Promise<void>;
}

const CHUNK_BYTES = 1 << 20;
const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** True when the text is empty or whitespace only (such lines are skipped, not records). */
function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0xfeff) return false;
  }
  return true;
}

/**
 * JSON Lines: one record per `\n`-terminated line (a `\r` before it is dropped, as is a
 * UTF-8 byte order mark at the start of the file). Blank lines are skipped but counted.
 */
export class JsonlSource implements RecordSource {
  readonly #file: FileHandle;
  readonly #buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  /** Bytes read but not yet split into lines, starting at file offset #position. */
  #carry: Buffer = Buffer.alloc(0);
  #position: number;
  #readAt: number;
  #line: number;
  #eof = false;

  private constructor(file: FileHandle, offset: number, line: number) {
    this.#file = file;
    this.#position = offset;
    this.#readAt = offset;
    this.#line = line;
  }

  /** Reads `path` from byte `offset`, the first line there being number `line + 1`. */
  static async open(path: string, offset = 0, line = 0): Promise<JsonlSource> {
    return new JsonlSource(await open(path, 'r'), offset, line);
  }

  get position(): number {
    return this.#position;
  }

  async next(max: number): Promise<SourceChunk | null> {
    const records: SourceRecord[] = [];
    for (;;) {
      const carry = this.#carry;
      let start = 0;
      while (records.length < max) {
        const newline = carry.indexOf(NEWLINE, start);
        if (newline === -1) break;
        this.#take(carry, start, newline, records);
        start = newline + 1;
      }
      this.#position += start;
      this.#carry = carry.subarray(start);
      if (records.length >= max) break;
      if (this.#eof) {
        // A last line without a newline.
        if (this.#carry.length > 0) {
          this.#take(this.#carry, 0, this.#carry.length, records);
          this.#position += this.#carry.length;
          this.#carry = Buffer.alloc(0);
        }
        break;
      }
      await this.#fill();
    }
    if (records.length === 0 && this.#eof && this.#carry.length === 0) {
      return null;
    }
    return { records, end: this.#position, lastLine: this.#line };
  }

  #take(buffer: Buffer, start: number, end: number, records: SourceRecord[]): void {
    this.#line += 1;
    let stop = end;
    if (stop > start && buffer[stop - 1] === CARRIAGE_RETURN) stop -= 1;
    let text = buffer.toString('utf8', start, stop);
    if (this.#line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (isBlank(text)) return;
    records.push({ line: this.#line, text, fields: [] });
  }

  async #fill(): Promise<void> {
    const { bytesRead } = await this.#file.read(this.#buffer, 0, CHUNK_BYTES, this.#readAt);
    if (bytesRead === 0) {
      this.#eof = true;
      return;
    }
    this.#readAt += bytesRead;
    const fresh = this.#buffer.subarray(0, bytesRead);
    this.#carry = this.#carry.length === 0 ? Buffer.from(fresh) : Buffer.concat([this.#carry, fresh]);
  }

  async close(): Promise<void> {
    await this.#file.close();
  }
}

interface CsvRecord {
  record: string[];
  info: Info;
}

function csvOptions(bom: boolean): CsvOptions {
  return { info: true, relax_column_count: true, record_delimiter: ['\r\n', '\n'], bom };
}

/** `line`: where the record that failed starts. */
function csvFailure(path: string, error: unknown, line: number): MetaindexError {
  if (error instanceof CsvError) {
    // csv-parse counts lines from where this read started: say the line of the file.
    const message = error.message.replace(/ at line \d+/, '');
    return new MetaindexError(
      'invalid_argument',
      `${path} line ${line}: CSV syntax error: ${message}. ` +
        'Fix the file and import it again (with --restart, since the file changed).',
    );
  }
  return error instanceof MetaindexError
    ? error
    : new MetaindexError('internal', `reading ${path}: ${(error as Error).message}`);
}

/**
 * CSV (RFC 4180: quoted fields may hold commas, quotes and newlines; `\n` or `\r\n`
 * line ends). The first record is the header; `header()` reads it from the start of the
 * file whatever the offset the records are read from. Records whose only field is empty
 * (blank lines) are skipped but counted. A syntax error (a broken quote) stops the import:
 * past it, no CSV parser can tell where records start.
 */
export class CsvSource implements RecordSource {
  readonly #path: string;
  readonly #records: AsyncIterator<CsvRecord>;
  readonly #stream: ReturnType<typeof createReadStream>;
  readonly #offset: number;
  readonly #lineBase: number;
  #position: number;
  #lastLine: number;
  #done = false;
  // Line numbers come from counting newline bytes up to each record's end: csv-parse's
  // own count takes a quoted "\r\n" for two lines.
  readonly #chunks: Buffer[] = [];
  #chunkStart: number;
  #counted: number;
  #newlines = 0;

  private constructor(path: string, offset: number, line: number) {
    this.#path = path;
    this.#offset = offset;
    this.#position = offset;
    this.#lineBase = line;
    this.#lastLine = line;
    this.#chunkStart = offset;
    this.#counted = offset;
    this.#stream = createReadStream(path, { start: offset, highWaterMark: CHUNK_BYTES });
    const parser = this.#stream.pipe(parseCsv(csvOptions(offset === 0)));
    this.#stream.on('data', (chunk: string | Buffer) => {
      this.#chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    });
    this.#stream.on('error', (error) => parser.destroy(error));
    this.#records = (parser as AsyncIterable<CsvRecord>)[Symbol.asyncIterator]();
  }

  /** Newline bytes from the start offset up to byte `end` (records come in file order). */
  #newlinesTo(end: number): number {
    while (this.#counted < end) {
      const chunk = this.#chunks[0];
      if (chunk === undefined) break;
      const stop = Math.min(chunk.length, end - this.#chunkStart);
      let at = this.#counted - this.#chunkStart;
      for (;;) {
        const newline = chunk.indexOf(NEWLINE, at);
        if (newline === -1 || newline >= stop) break;
        this.#newlines += 1;
        at = newline + 1;
      }
      this.#counted = this.#chunkStart + stop;
      if (stop === chunk.length) {
        this.#chunks.shift();
        this.#chunkStart += chunk.length;
      }
    }
    return this.#newlines;
  }

  /** Reads `path` from byte `offset` (0, or the end of a record), the first line there being `line + 1`. */
  static open(path: string, offset = 0, line = 0): CsvSource {
    return new CsvSource(path, offset, line);
  }

  /** The header record and the byte offset just past it. */
  static async header(path: string): Promise<{ fields: string[]; end: number; line: number } | null> {
    const source = new CsvSource(path, 0, 0);
    try {
      const chunk = await source.next(1);
      const first = chunk?.records[0];
      if (chunk === null || first === undefined) return null;
      return { fields: first.fields, end: chunk.end, line: chunk.lastLine };
    } finally {
      await source.close();
    }
  }

  get position(): number {
    return this.#position;
  }

  async next(max: number): Promise<SourceChunk | null> {
    if (this.#done) return null;
    const records: SourceRecord[] = [];
    while (records.length < max) {
      let step: IteratorResult<CsvRecord>;
      try {
        step = await this.#records.next();
      } catch (error) {
        throw csvFailure(this.#path, error, this.#lineBase + this.#newlines + 1);
      }
      if (step.done === true) {
        this.#done = true;
        break;
      }
      const { record, info } = step.value;
      const line = this.#lineBase + this.#newlines + 1;
      this.#position = this.#offset + info.bytes;
      this.#lastLine = this.#lineBase + this.#newlinesTo(this.#position);
      if (record.length === 1 && record[0] === '') continue;
      records.push({ line, text: '', fields: record });
    }
    if (records.length === 0 && this.#done) return null;
    return { records, end: this.#position, lastLine: this.#lastLine };
  }

  async close(): Promise<void> {
    this.#stream.destroy();
    await this.#records.return?.();
  }
}
