/**
 * Validation throughput: 1,000,000 typical 12-key documents against a compiled
 * validator, on one core. Run with `npm run bench:validate`.
 */
import { compileMetadataValidator } from '@metaindex/core';
import { benchmarkDocuments, benchmarkSchema } from './data-generator.js';
import { median, printTable } from './harness.js';

const TOTAL = 1_000_000;
const DISTINCT = 100_000; // distinct documents, cycled through ten times
const RUNS = 5;

const validator = compileMetadataValidator(benchmarkSchema().entries);
// Documents arrive as JSON, so the validated ones come from JSON.parse (flat strings),
// as they would in the server.
const texts = benchmarkDocuments(DISTINCT).map((d) => JSON.stringify(d));
const documents = texts.map((t) => JSON.parse(t) as unknown);

function run(label: string, validateOne: (i: number) => boolean): { label: string; rate: number } {
  const rates: number[] = [];
  for (let r = 0; r < RUNS + 1; r++) {
    let invalid = 0;
    const start = process.hrtime.bigint();
    for (let i = 0; i < TOTAL; i++) if (!validateOne(i % DISTINCT)) invalid++;
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (invalid !== 0) throw new Error(`${label}: ${invalid} documents failed validation`);
    if (r > 0) rates.push(TOTAL / seconds); // the first run warms up the JIT
  }
  return { label, rate: median(rates) };
}

const results = [
  run('validate (parsed documents)', (i) => validator.validate(documents[i]).ok),
  run('JSON.parse + validate', (i) => validator.validate(JSON.parse(texts[i] as string)).ok),
  run('JSON.parse alone (reference)', (i) => typeof JSON.parse(texts[i] as string) === 'object'),
];

printTable(
  `metadata validation, ${TOTAL.toLocaleString('en')} documents x 12 keys, median of ${RUNS} runs, Node ${process.version}`,
  ['scenario', 'documents/s'],
  results.map((r) => [r.label, Math.round(r.rate).toLocaleString('en')]),
);
