import { describe, expect, it } from 'vitest';
import { MetadataSchema } from './metadata-schema.js';
import { pythonJsonDumps, pythonStrRepr } from './python-text.js';
import type { SchemaTypeObject } from './schema-types.js';

// Golden texts produced by CPython 3.11 applying the SDK's printing rules (sorted keys,
// str.__repr__ for enum options, json.dumps defaults) to the same schema.
const entries: [string, SchemaTypeObject][] = [
  ['metadata_1', { ty: 'variant', hint: 'boolean' }],
  ['metadata_2', { ty: 'variant', hint: 'datetime' }],
  [
    'my-enum',
    {
      ty: 'enum',
      values: [
        "It's",
        'a\\b',
        'café ☕',
        'enum-value-01',
        'enum-value-03',
        'quote"d',
        'tab\there',
        'zero\u200bwidth',
      ],
    },
  ],
  ['my-test-active-embedding', { ty: 'embedding', size: 512, api: null }],
  ['Fruit', { ty: 'tombstone', deleted_ty: { ty: 'variant', hint: 'varchar' } }],
  ['a-very-long-deleted-key-name-for-padding', { ty: 'tombstone', deleted_ty: null }],
  ['géo', { ty: 'geospatial' }],
  ['legacy', { ty: 'number', format: 'F32' }],
  ['𝒳', { ty: 'variant', hint: 'uuid' }],
  ['ｚ', { ty: 'varchar', max_length: 12 }],
];

const PYTHON_STR =
  "Metadata Schema:\n----------------\n - 'g\u00e9o':                                      geospatial\n - 'legacy':                                   number\n - 'metadata_1':                               scalar(hint=boolean)\n - 'metadata_2':                               scalar(hint=datetime)\n - 'my-enum':                                  enum(values=[\"It's\", 'a\\\\b', 'caf\u00e9 \u2615', 'enum-value-01', 'enum-value-03', 'quote\"d', 'tab\\there', 'zero\\u200bwidth'])\n - 'my-test-active-embedding':                 embedding(size=512)\n - '\uff5a':                                        varchar\n - '\ud835\udcb3':                                        scalar(hint=uuid)\n";
const PYTHON_REPR =
  '{"Fruit": {"ty": "tombstone", "deleted_ty": {"ty": "variant", "hint": "varchar"}}, "a-very-long-deleted-key-name-for-padding": {"ty": "tombstone", "deleted_ty": null}, "g\\u00e9o": {"ty": "geospatial"}, "legacy": {"ty": "number", "format": "F32"}, "metadata_1": {"ty": "variant", "hint": "boolean"}, "metadata_2": {"ty": "variant", "hint": "datetime"}, "my-enum": {"ty": "enum", "values": ["It\'s", "a\\\\b", "caf\\u00e9 \\u2615", "enum-value-01", "enum-value-03", "quote\\"d", "tab\\there", "zero\\u200bwidth"]}, "my-test-active-embedding": {"ty": "embedding", "size": 512, "api": null}, "\\uff5a": {"ty": "varchar", "max_length": 12}, "\\ud835\\udcb3": {"ty": "variant", "hint": "uuid"}}';

describe('schema text', () => {
  it('prints like the Python SDK: sorted by code point, padded over all keys, tombstones hidden', () => {
    expect(new MetadataSchema(entries).toString()).toBe(PYTHON_STR);
  });

  it('reprs like the Python SDK: json.dumps of every entry with sorted keys', () => {
    expect(new MetadataSchema(entries).toRepr()).toBe(PYTHON_REPR);
  });

  it('prints an empty schema as just the header', () => {
    expect(new MetadataSchema().toString()).toBe('Metadata Schema:\n----------------\n');
    expect(new MetadataSchema().toRepr()).toBe('{}');
  });

  it('prints the seed schema', () => {
    const schema = new MetadataSchema();
    schema.addScalar('metadata_1', 'boolean');
    schema.addEnum('my-enum', ['enum-value-01', 'enum-value-02']);
    schema.addEmbedding('my-test-index-embedding', 8);
    expect(schema.toString()).toBe(
      [
        'Metadata Schema:',
        '----------------',
        " - 'metadata_1':              scalar(hint=boolean)",
        " - 'my-enum':                 enum(values=['enum-value-01', 'enum-value-02'])",
        " - 'my-test-index-embedding': embedding(size=8)",
        '',
      ].join('\n'),
    );
  });

  it('shows a legacy user key instead of failing', () => {
    expect(new MetadataSchema([['who', { ty: 'user' }]]).toString()).toContain(" - 'who': user");
  });
});

describe('Python text helpers', () => {
  // Expected values printed by CPython's repr().
  it.each([
    ['plain', "'plain'"],
    ["it's", `"it's"`],
    [`both ' and "`, `'both \\' and "'`],
    ['\u0001\u007f\u0085', "'\\x01\\x7f\\x85'"],
    ['\u2028', "'\\u2028'"],
    ['\u{e0001}', "'\\U000e0001'"],
    ['non-breaking\u00a0space', "'non-breaking\\xa0space'"],
  ])('repr(%j) is %s', (input, expected) => {
    expect(pythonStrRepr(input)).toBe(expected);
  });

  it('dumps JSON with Python separators and ASCII escapes', () => {
    expect(pythonJsonDumps({ a: [1, true, null], é: '☕🙂' })).toBe(
      '{"a": [1, true, null], "\\u00e9": "\\u2615\\ud83d\\ude42"}',
    );
  });
});
