import { describe, expect, it } from 'vitest';
import { MetadataSchemaError } from '../errors.js';
import { MetadataSchema } from './metadata-schema.js';

/** Asserts that `fn` throws a MetadataSchemaError with exactly `message`. */
function expectSchemaError(fn: () => unknown, message: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(MetadataSchemaError);
  expect((caught as MetadataSchemaError).message).toBe(message);
  expect((caught as MetadataSchemaError).code).toBe('invalid_argument');
}

function seedSchema(): MetadataSchema {
  const schema = new MetadataSchema();
  schema.addScalar('metadata_1', 'boolean');
  schema.addScalar('metadata_2', 'datetime');
  schema.addScalar('metadata_3', 'number');
  schema.addScalar('metadata_4', 'uuid');
  schema.addScalar('metadata_5', 'varchar');
  schema.addScalar('metadata_6', 'text');
  schema.addEnum('my-enum', ['enum-value-01', 'enum-value-02', 'enum-value-03']);
  schema.addEmbedding('my-test-active-embedding', 512);
  schema.addEmbedding('my-test-index-embedding', 4096);
  return schema;
}

describe('MetadataSchema: the seed snippet', () => {
  it('builds the documented schema with the exact wire shapes', () => {
    const schema = seedSchema();
    expect(Object.fromEntries(schema.entries)).toEqual({
      metadata_1: { ty: 'variant', hint: 'boolean' },
      metadata_2: { ty: 'variant', hint: 'datetime' },
      metadata_3: { ty: 'variant', hint: 'number' },
      metadata_4: { ty: 'variant', hint: 'uuid' },
      metadata_5: { ty: 'variant', hint: 'varchar' },
      metadata_6: { ty: 'variant', hint: 'text' },
      'my-enum': { ty: 'enum', values: ['enum-value-01', 'enum-value-02', 'enum-value-03'] },
      'my-test-active-embedding': { ty: 'embedding', size: 512, api: null },
      'my-test-index-embedding': { ty: 'embedding', size: 4096, api: null },
    });
    expect(schema.keys()).toEqual([...schema.entries.keys()]);
  });

  it('re-types scalars with setScalar, as the seed does', () => {
    const schema = seedSchema();
    schema.setScalar('metadata_1', 'number');
    schema.setScalar('metadata_2', 'boolean');
    schema.setScalar('metadata_3', 'boolean');
    expect(schema.getKeyType('metadata_1')).toBe('number');
    expect(schema.getKeyType('metadata_2')).toBe('boolean');
    expect(schema.getKeyType('metadata_3')).toBe('boolean');
  });

  it('soft-deletes and restores a key, as the seed does with Fruit', () => {
    const schema = new MetadataSchema();
    schema.addScalar('Fruit', 'varchar');
    schema.deleteKey('Fruit', { hard: false });
    expect(schema.hasKey('Fruit')).toBe(true);
    expect(schema.isKeyDeleted('Fruit')).toBe(true);
    expect(schema.getKeyType('Fruit')).toBeUndefined();
    expect(schema.entries.get('Fruit')).toEqual({
      ty: 'tombstone',
      deleted_ty: { ty: 'variant', hint: 'varchar' },
    });
    schema.restoreKey('Fruit');
    expect(schema.entries.get('Fruit')).toEqual({ ty: 'variant', hint: 'varchar' });
    expect(schema.isKeyDeleted('Fruit')).toBe(false);
  });
});

describe('MetadataSchema.addScalar / setScalar', () => {
  it('resolves the aliases before storing: string → varchar, long_string → text', () => {
    const schema = new MetadataSchema();
    schema.addScalar('a', 'string');
    schema.addScalar('b', 'long_string');
    expect(schema.entries.get('a')).toEqual({ ty: 'variant', hint: 'varchar' });
    expect(schema.entries.get('b')).toEqual({ ty: 'variant', hint: 'text' });
  });

  it('re-types a live scalar freely (number → text → number)', () => {
    const schema = new MetadataSchema();
    schema.addScalar('k', 'number');
    schema.addScalar('k', 'text');
    expect(schema.getKeyType('k')).toBe('text');
    schema.setScalar('k', 'number');
    expect(schema.getKeyType('k')).toBe('number');
  });

  it('revives a soft-deleted scalar with any scalar type', () => {
    const schema = new MetadataSchema();
    schema.addScalar('k', 'boolean');
    schema.deleteKey('k');
    schema.addScalar('k', 'uuid');
    expect(schema.entries.get('k')).toEqual({ ty: 'variant', hint: 'uuid' });
  });

  it.each([
    [
      'enum',
      (s: MetadataSchema) => {
        s.addEnum('k', ['a']);
      },
    ],
    [
      'embedding',
      (s: MetadataSchema) => {
        s.addEmbedding('k', 3);
      },
    ],
    [
      'geospatial',
      (s: MetadataSchema) => {
        s.addGeospatial('k');
      },
    ],
  ])('refuses to turn a live %s into a scalar', (_name, create) => {
    const schema = new MetadataSchema();
    create(schema);
    expectSchemaError(() => {
      schema.addScalar('k', 'varchar');
    }, 'k is already defined');
  });

  it('refuses to re-type a legacy strict key', () => {
    const schema = new MetadataSchema([['legacy', { ty: 'number', format: 'F64' }]]);
    expectSchemaError(() => {
      schema.addScalar('legacy', 'varchar');
    }, 'legacy is already defined');
  });

  it('refuses a hard-deleted key', () => {
    const schema = new MetadataSchema();
    schema.addScalar('k', 'number');
    schema.deleteKey('k', { hard: true });
    expectSchemaError(() => {
      schema.addScalar('k', 'number');
    }, 'k is hard deleted');
  });

  it('refuses to revive a soft-deleted enum or embedding as a scalar (SDK text, typo included)', () => {
    const schema = new MetadataSchema();
    schema.addEnum('e', ['a']);
    schema.deleteKey('e');
    expectSchemaError(() => {
      schema.addScalar('e', 'varchar');
    }, 'e is cannot be restored with this type');
    schema.addEmbedding('v', 2);
    schema.deleteKey('v');
    expectSchemaError(() => {
      schema.setScalar('v', 'number');
    }, 'v is cannot be restored with this type');
  });

  it('checks the existing key before the key name, as the SDK does', () => {
    // An invalid stored name that is an enum reports "already defined", not the name.
    const schema = new MetadataSchema([['bad/name', { ty: 'enum', values: ['a'] }]]);
    expectSchemaError(() => {
      schema.addScalar('bad/name', 'number');
    }, 'bad/name is already defined');
  });

  it('validates the key name', () => {
    const schema = new MetadataSchema();
    expectSchemaError(() => {
      schema.addScalar('$name', 'number');
    }, '$name is an invalid format for a metadata key');
    expectSchemaError(() => {
      schema.addScalar('key frames', 'number');
    }, 'key frames is an invalid format for a metadata key');
  });

  it('checks the key name before the type name', () => {
    const schema = new MetadataSchema();
    expectSchemaError(() => {
      schema.addScalar('a/b', 'enum');
    }, 'a/b is an invalid format for a metadata key');
  });

  it('rejects enum, embedding and unknown type names with the SDK messages', () => {
    const schema = new MetadataSchema();
    expectSchemaError(() => {
      schema.addScalar('k', 'enum');
    }, 'Enum must be created explicitly');
    expectSchemaError(() => {
      schema.addScalar('k', 'embedding');
    }, 'Embedding must be created explicitly');
    expectSchemaError(() => {
      schema.addScalar('k', 'geospatial');
    }, 'Unknown simple schema type: geospatial');
    expectSchemaError(() => {
      schema.addScalar('k', 'float');
    }, 'Unknown simple schema type: float');
    expect(schema.hasKey('k')).toBe(false);
  });
});

describe('MetadataSchema.addEnum / addEnumOptions', () => {
  it('stores options sorted by code point, keeping duplicates as the SDK does', () => {
    const schema = new MetadataSchema();
    schema.addEnum('e', ['z', 'a', 'B', 'é', 'a']);
    expect(schema.entries.get('e')).toEqual({ ty: 'enum', values: ['B', 'a', 'a', 'z', 'é'] });
    expect(schema.getEnumOptions('e')).toEqual(['B', 'a', 'a', 'z', 'é']);
  });

  it('accepts 1 to 256 options', () => {
    const schema = new MetadataSchema();
    schema.addEnum('one', ['x']);
    schema.addEnum(
      'max',
      Array.from({ length: 256 }, (_, i) => `v${i}`),
    );
    expect(schema.getEnumOptions('max')).toHaveLength(256);
    expectSchemaError(() => {
      schema.addEnum('none', []);
    }, 'Must provide at least 1 value');
    expectSchemaError(() => {
      schema.addEnum(
        'many',
        Array.from({ length: 257 }, (_, i) => `v${i}`),
      );
    }, 'Cannot provide more than 256 values');
  });

  it('refuses any existing key, tombstones included', () => {
    const schema = new MetadataSchema();
    schema.addScalar('s', 'varchar');
    expectSchemaError(() => {
      schema.addEnum('s', ['a']);
    }, 's is already defined');
    schema.deleteKey('s');
    expectSchemaError(() => {
      schema.addEnum('s', ['a']);
    }, 's is already defined');
  });

  it('validates the key name', () => {
    expectSchemaError(() => {
      new MetadataSchema().addEnum('keyframes', ['a']);
    }, 'keyframes is an invalid format for a metadata key');
  });

  it('appends options, sorted, and never removes any', () => {
    const schema = new MetadataSchema();
    schema.addEnum('e', ['b', 'd']);
    schema.addEnumOptions('e', ['c', 'a']);
    expect(schema.getEnumOptions('e')).toEqual(['a', 'b', 'c', 'd']);
  });

  it('reports a missing key with the SDK text ("already defined", sic)', () => {
    expectSchemaError(() => {
      new MetadataSchema().addEnumOptions('nope', ['a']);
    }, 'nope is already defined');
  });

  it('refuses a non-enum, an empty list, and more than 256 options in total', () => {
    const schema = new MetadataSchema();
    schema.addScalar('s', 'varchar');
    expectSchemaError(() => {
      schema.addEnumOptions('s', ['a']);
    }, 's is not an enum');
    schema.addEnum(
      'e',
      Array.from({ length: 250 }, (_, i) => `v${i}`),
    );
    expectSchemaError(() => {
      schema.addEnumOptions('e', []);
    }, 'Must provide at least 1 value');
    expectSchemaError(() => {
      schema.addEnumOptions(
        'e',
        Array.from({ length: 7 }, (_, i) => `w${i}`),
      );
    }, 'Cannot provide more than 256 values');
    schema.addEnumOptions(
      'e',
      Array.from({ length: 6 }, (_, i) => `w${i}`),
    );
    expect(schema.getEnumOptions('e')).toHaveLength(256);
  });

  it('refuses a soft-deleted enum (restore it first)', () => {
    const schema = new MetadataSchema();
    schema.addEnum('e', ['a']);
    schema.deleteKey('e');
    expectSchemaError(() => {
      schema.addEnumOptions('e', ['b']);
    }, 'e is not an enum');
  });
});

describe('MetadataSchema.addEmbedding / addGeospatial', () => {
  it('adds an embedding of 1 to 4096 dimensions', () => {
    const schema = new MetadataSchema();
    schema.addEmbedding('small', 1);
    schema.addEmbedding('large', 4096);
    expect(schema.getEmbeddingSize('small')).toBe(1);
    expect(schema.getEmbeddingSize('large')).toBe(4096);
    expect(schema.getKeyType('large')).toBe('embedding');
  });

  it.each([0, -1, 4097, 1.5, Number.NaN])('rejects size %s', (size) => {
    expectSchemaError(() => {
      new MetadataSchema().addEmbedding('e', size);
    }, `Embedding size must be an integer from 1 to 4096, got ${size}`);
  });

  it('refuses existing keys and bad names', () => {
    const schema = new MetadataSchema();
    schema.addGeospatial('where');
    expect(schema.entries.get('where')).toEqual({ ty: 'geospatial' });
    expect(schema.getKeyType('where')).toBe('geospatial');
    expectSchemaError(() => {
      schema.addGeospatial('where');
    }, 'where is already defined');
    expectSchemaError(() => {
      schema.addEmbedding('where', 3);
    }, 'where is already defined');
    expectSchemaError(() => {
      schema.addGeospatial('$x');
    }, '$x is an invalid format for a metadata key');
    expectSchemaError(() => {
      schema.addEmbedding('', 3);
    }, ' is an invalid format for a metadata key');
  });
});

describe('MetadataSchema.deleteKey / restoreKey', () => {
  it('hard delete blocks the key forever but keeps it in the map', () => {
    const schema = new MetadataSchema();
    schema.addEmbedding('e', 8);
    schema.deleteKey('e', { hard: true });
    expect(schema.entries.get('e')).toEqual({ ty: 'tombstone', deleted_ty: null });
    expect(schema.keys()).toEqual(['e']);
    expectSchemaError(() => {
      schema.restoreKey('e');
    }, 'e was hard deleted, this does not support restore');
    expectSchemaError(() => {
      schema.addEmbedding('e', 8);
    }, 'e is already defined');
  });

  it('restores the exact original type', () => {
    const schema = new MetadataSchema();
    schema.addEnum('e', ['x', 'y']);
    schema.deleteKey('e');
    schema.restoreKey('e');
    expect(schema.getEnumOptions('e')).toEqual(['x', 'y']);
  });

  it('reports missing, already-deleted and not-deleted keys with the SDK texts', () => {
    const schema = new MetadataSchema();
    expectSchemaError(() => {
      schema.deleteKey('k');
    }, 'k is not defined');
    expectSchemaError(() => {
      schema.restoreKey('k');
    }, 'k is not defined');
    schema.addScalar('k', 'number');
    expectSchemaError(() => {
      schema.restoreKey('k');
    }, 'k is not currently deleted');
    schema.deleteKey('k');
    expectSchemaError(() => {
      schema.deleteKey('k');
    }, 'k is already deleted');
    expectSchemaError(() => {
      schema.deleteKey('k', { hard: true });
    }, 'k is already deleted');
  });

  it('validates the stored key name on delete but not on restore, as the SDK does', () => {
    const schema = new MetadataSchema([
      ['bad/name', { ty: 'variant', hint: 'number' }],
      ['bad/old', { ty: 'tombstone', deleted_ty: { ty: 'variant', hint: 'number' } }],
    ]);
    expectSchemaError(() => {
      schema.deleteKey('bad/name');
    }, 'bad/name is an invalid format for a metadata key');
    schema.restoreKey('bad/old');
    expect(schema.entries.get('bad/old')).toEqual({ ty: 'variant', hint: 'number' });
  });
});

describe('MetadataSchema queries', () => {
  it('answers for absent keys without throwing where the SDK does', () => {
    const schema = new MetadataSchema();
    expect(schema.hasKey('x')).toBe(false);
    expect(schema.isKeyDeleted('x')).toBe(false);
    expect(schema.getKeyType('x')).toBeUndefined();
    expectSchemaError(() => schema.getEmbeddingSize('x'), 'x is not defined');
    expectSchemaError(() => schema.getEnumOptions('x'), 'x is not defined');
  });

  it('reports the wrong kind for embedding size and enum options', () => {
    const schema = new MetadataSchema();
    schema.addScalar('s', 'number');
    expectSchemaError(() => schema.getEmbeddingSize('s'), 's does not refer to an embedding');
    expectSchemaError(() => schema.getEnumOptions('s'), 's does not refer to an enum');
  });

  it('validates stored key names in isKeyDeleted and getKeyType', () => {
    const schema = new MetadataSchema([['bad/name', { ty: 'variant', hint: 'number' }]]);
    expect(schema.hasKey('bad/name')).toBe(true);
    expectSchemaError(
      () => schema.isKeyDeleted('bad/name'),
      'bad/name is an invalid format for a metadata key',
    );
    expectSchemaError(
      () => schema.getKeyType('bad/name'),
      'bad/name is an invalid format for a metadata key',
    );
  });

  it('reports legacy strict kinds by their value type', () => {
    const schema = new MetadataSchema([
      ['n', { ty: 'number', format: 'F32' }],
      ['v', { ty: 'varchar', max_length: 10 }],
      ['d', { ty: 'datetime', timezone: 'UTC' }],
      ['b', { ty: 'boolean' }],
      ['t', { ty: 'text' }],
      ['u', { ty: 'uuid' }],
      ['who', { ty: 'user' }],
    ]);
    expect(['n', 'v', 'd', 'b', 't', 'u', 'who'].map((k) => schema.getKeyType(k))).toEqual([
      'number',
      'varchar',
      'datetime',
      'boolean',
      'text',
      'uuid',
      'user',
    ]);
  });

  it('clone is independent of the original', () => {
    const schema = new MetadataSchema();
    schema.addEnum('e', ['a']);
    const copy = schema.clone();
    copy.addEnumOptions('e', ['b']);
    expect(schema.getEnumOptions('e')).toEqual(['a']);
    expect(copy.getEnumOptions('e')).toEqual(['a', 'b']);
  });
});
