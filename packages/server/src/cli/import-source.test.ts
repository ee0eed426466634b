import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CsvSource, JsonlSource, type RecordSource, type SourceChunk } from './import-source.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'metaindex-source-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

async function drain(source: RecordSource, max: number): Promise<SourceChunk[]> {
  const chunks: SourceChunk[] = [];
  try {
    for (let chunk = await source.next(max); chunk !== null; chunk = await source.next(max))
      chunks.push(chunk);
  } finally {
    await source.close();
  }
  return chunks;
}

describe('JsonlSource', () => {
  const text = '\uFEFF{"a":1}\r\n\n   \n{"b":"é"}\n{"c":3}';

  it('gives each record its line number and the byte offset after each chunk', async () => {
    const path = await file('a.jsonl', text);
    const chunks = await drain(await JsonlSource.open(path), 2);
    expect(chunks.map((c) => c.records.map((r) => [r.line, r.text]))).toEqual([
      [
        [1, '{"a":1}'],
        [4, '{"b":"é"}'],
      ],
      [[5, '{"c":3}']],
    ]);
    const bytes = Buffer.byteLength(text);
    expect(chunks.map((c) => [c.end, c.lastLine])).toEqual([
      [Buffer.byteLength('\uFEFF{"a":1}\r\n\n   \n{"b":"é"}\n'), 4],
      [bytes, 5],
    ]);
  });

  it('resumes from an offset and line number', async () => {
    const path = await file('b.jsonl', text);
    const offset = Buffer.byteLength('\uFEFF{"a":1}\r\n\n');
    const chunks = await drain(await JsonlSource.open(path, offset, 2), 10);
    expect(chunks.flatMap((c) => c.records.map((r) => [r.line, r.text]))).toEqual([
      [4, '{"b":"é"}'],
      [5, '{"c":3}'],
    ]);
  });

  it('reads lines longer than its read buffer, and trailing blank lines end the file', async () => {
    const long = `{"x":"${'y'.repeat(3 << 20)}"}`;
    const path = await file('c.jsonl', `${long}\n{"z":1}\n\n\n`);
    const chunks = await drain(await JsonlSource.open(path), 10);
    const records = chunks.flatMap((c) => c.records);
    expect(records.map((r) => [r.line, r.text.length])).toEqual([
      [1, long.length],
      [2, 7],
    ]);
    expect(chunks.at(-1)?.end).toBe(long.length + 11);
    expect(chunks.at(-1)?.lastLine).toBe(4);
  });

  it('answers null at once for an empty file', async () => {
    const path = await file('empty.jsonl', '');
    expect(await drain(await JsonlSource.open(path), 10)).toEqual([]);
  });
});

describe('CsvSource', () => {
  const text = 'uuid,caption\r\n1,"one, two"\n\n2,"multi\nline ""quoted"""\n3,日本\n';

  it('reads quoted fields with commas, quotes and newlines; lines are where records start', async () => {
    const path = await file('a.csv', text);
    expect(await CsvSource.header(path)).toEqual({
      fields: ['uuid', 'caption'],
      end: Buffer.byteLength('uuid,caption\r\n'),
      line: 1,
    });
    const chunks = await drain(CsvSource.open(path), 10);
    expect(chunks.flatMap((c) => c.records.map((r) => [r.line, r.fields]))).toEqual([
      [1, ['uuid', 'caption']],
      [2, ['1', 'one, two']],
      [4, ['2', 'multi\nline "quoted"']],
      [6, ['3', '日本']],
    ]);
    expect(chunks.at(-1)?.end).toBe(Buffer.byteLength(text));
  });

  it('resumes from the end of a record', async () => {
    const path = await file('b.csv', text);
    const first = await drain(CsvSource.open(path), 2);
    const stop = first[0] as SourceChunk;
    expect(stop.records.map((r) => r.line)).toEqual([1, 2]);
    const rest = await drain(CsvSource.open(path, stop.end, stop.lastLine), 10);
    expect(rest.flatMap((c) => c.records.map((r) => [r.line, r.fields[0]]))).toEqual([
      [4, '2'],
      [6, '3'],
    ]);
  });

  it('counts a quoted CRLF as one line break, and a BOM in the header bytes', async () => {
    const crlf = '\uFEFFid,note\r\n1,"a\r\nb"\r\n2,"c\rd"\r\n3,e\r\n';
    const path = await file('crlf.csv', crlf);
    expect((await CsvSource.header(path))?.end).toBe(Buffer.byteLength('\uFEFFid,note\r\n'));
    const chunks = await drain(CsvSource.open(path), 10);
    expect(chunks.flatMap((c) => c.records.map((r) => [r.line, r.fields]))).toEqual([
      [1, ['id', 'note']],
      [2, ['1', 'a\r\nb']],
      [4, ['2', 'c\rd']],
      [5, ['3', 'e']],
    ]);
    expect(chunks.at(-1)).toMatchObject({ end: Buffer.byteLength(crlf), lastLine: 5 });
  });

  it('stops at a syntax error, naming the line of the file', async () => {
    const path = await file('bad.csv', 'uuid,x\n1,ok\n2,"bad"x\n3,ok\n');
    const source = CsvSource.open(path, Buffer.byteLength('uuid,x\n1,ok\n'), 2);
    await expect(drain(source, 10)).rejects.toThrow(
      /bad\.csv line 3: CSV syntax error: Invalid Closing Quote/,
    );
  });
});
