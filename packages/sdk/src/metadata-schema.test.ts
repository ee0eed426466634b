import { formatOpenSshPrivateKey } from '@metaindex/core';
import { startTestServer, type TestServer } from '@metaindex/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EncordUserClient,
  InvalidArgumentsError,
  MetadataSchema,
  MetadataSchemaError,
  type ConnectionOptions,
} from './index.js';

const SEED_PRINT = [
  'Metadata Schema:',
  '----------------',
  " - 'metadata_1':               scalar(hint=boolean)",
  " - 'metadata_2':               scalar(hint=datetime)",
  " - 'metadata_3':               scalar(hint=number)",
  " - 'metadata_4':               scalar(hint=uuid)",
  " - 'metadata_5':               scalar(hint=varchar)",
  " - 'metadata_6':               scalar(hint=text)",
  " - 'my-enum':                  enum(values=['enum-value-01', 'enum-value-02', 'enum-value-03'])",
  " - 'my-test-active-embedding': embedding(size=512)",
  " - 'my-test-index-embedding':  embedding(size=1024)",
  " - 'zone':                     geospatial",
  '',
].join('\n');

/** A client for the test server's admin, and the requests it sends (method and path). */
async function adminClient(server: TestServer, options: ConnectionOptions = {}) {
  const sent: string[] = [];
  const counting: typeof fetch = (input, init) => {
    sent.push(`${init?.method ?? 'GET'} ${new URL(input instanceof Request ? input.url : input).pathname}`);
    return fetch(input, init);
  };
  const client = await EncordUserClient.createWithSshPrivateKey({
    sshPrivateKey: formatOpenSshPrivateKey({ seed: server.admin.seed }),
    domain: server.server.url,
    retry: { backoffFactor: 0.001 },
    fetch: counting,
    ...options,
  });
  return { client, sent };
}

function schemaError(run: () => void): MetadataSchemaError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(MetadataSchemaError);
    return error as MetadataSchemaError;
  }
  throw new Error('expected a MetadataSchemaError');
}

describe('MetadataSchema against a live server', () => {
  let server: TestServer;
  let client: EncordUserClient;
  let sent: string[];

  beforeAll(async () => {
    server = await startTestServer();
    ({ client, sent } = await adminClient(server));
  });
  afterAll(async () => {
    await server.close();
  });

  it('reads an empty schema (null) as an empty schema', async () => {
    const schema = await client.metadataSchema();
    expect(schema.keys()).toEqual([]);
    expect(schema.toJSON()).toEqual({});
    expect(schema.toString()).toBe('Metadata Schema:\n----------------\n');
    expect(schema.isDirty).toBe(false);
  });

  it('saves the seed schema and reads back exactly what was saved', async () => {
    const schema = await client.metadataSchema();
    schema.addScalar('metadata_1', { dataType: 'boolean' });
    schema.addScalar('metadata_2', { dataType: 'datetime' });
    schema.addScalar('metadata_3', { dataType: 'number' });
    schema.addScalar('metadata_4', { dataType: 'uuid' });
    schema.addScalar('metadata_5', { dataType: 'string' }); // alias of varchar
    schema.addScalar('metadata_6', { dataType: 'long_string' }); // alias of text
    schema.addEnum('my-enum', { values: ['enum-value-03', 'enum-value-01'] });
    schema.addEnumOptions('my-enum', { values: ['enum-value-02'] });
    schema.addEmbedding('my-test-active-embedding', { size: 512 });
    schema.addEmbedding('my-test-index-embedding', { size: 1024 });
    schema.addGeospatial('zone');
    schema.addScalar('Fruit', { dataType: 'varchar' });
    schema.deleteKey('Fruit');
    expect(schema.isDirty).toBe(true);
    await schema.save();
    expect(schema.isDirty).toBe(false);

    const again = await client.metadataSchema();
    expect(again.toJSON()).toEqual(schema.toJSON());
    expect(again.keys()).toEqual(schema.keys());
    expect(again.toJSON()['metadata_5']).toEqual({ ty: 'variant', hint: 'varchar' });
    expect(again.toJSON()['my-test-active-embedding']).toEqual({ ty: 'embedding', size: 512, api: null });
    expect(again.toJSON()['Fruit']).toEqual({
      ty: 'tombstone',
      deleted_ty: { ty: 'variant', hint: 'varchar' },
    });
    expect(again.toString()).toBe(SEED_PRINT);
    expect(String(again)).toBe(SEED_PRINT);
    expect(again.getKeyType('metadata_6')).toBe('text');
    expect(again.getKeyType('Fruit')).toBeUndefined();
    expect(again.getKeyType('nothing')).toBeUndefined();
    expect(again.hasKey('Fruit')).toBe(true);
    expect(again.isKeyDeleted('Fruit')).toBe(true);
    expect(again.isKeyDeleted('nothing')).toBe(false);
    expect(again.getEmbeddingSize('my-test-index-embedding')).toBe(1024);
    expect(again.getEnumOptions('my-enum')).toEqual(['enum-value-01', 'enum-value-02', 'enum-value-03']);
  });

  it('save() sends nothing when nothing changed, and the whole map when something did', async () => {
    const schema = await client.metadataSchema();
    sent.length = 0;
    await schema.save();
    expect(sent).toEqual([]);
    schema.setScalar('metadata_1', { dataType: 'number' });
    await schema.save();
    expect(sent).toEqual(['POST /v2/public/organisation/client-metadata-schema-v2']);
    const again = await client.metadataSchema();
    expect(again.getKeyType('metadata_1')).toBe('number');
    expect(again.keys()).toEqual(schema.keys());
  });

  it('a failed mutation leaves the schema clean and unchanged', async () => {
    const schema = await client.metadataSchema();
    const before = schema.toJSON();
    schemaError(() => {
      schema.addEnum('metadata_1', { values: ['a'] });
    });
    expect(schema.isDirty).toBe(false);
    expect(schema.toJSON()).toEqual(before);
  });

  it('soft delete, save, restore, save: the key comes back with exactly its type', async () => {
    const schema = await client.metadataSchema();
    schema.deleteKey('my-enum');
    await schema.save();
    const deleted = await client.metadataSchema();
    expect(deleted.isKeyDeleted('my-enum')).toBe(true);
    expect(deleted.toString()).not.toContain('my-enum');
    deleted.restoreKey('my-enum');
    await deleted.save();
    const restored = await client.metadataSchema();
    expect(restored.getKeyType('my-enum')).toBe('enum');
    expect(restored.getEnumOptions('my-enum')).toEqual(['enum-value-01', 'enum-value-02', 'enum-value-03']);
  });

  it('a hard-deleted key cannot be restored or redefined, locally or after a reload', async () => {
    const schema = await client.metadataSchema();
    schema.addScalar('doomed', { dataType: 'varchar' });
    schema.deleteKey('doomed', { hard: true });
    expect(
      schemaError(() => {
        schema.restoreKey('doomed');
      }).message,
    ).toBe('doomed was hard deleted, this does not support restore');
    await schema.save();
    const again = await client.metadataSchema();
    expect(again.toJSON()['doomed']).toEqual({ ty: 'tombstone', deleted_ty: null });
    expect(
      schemaError(() => {
        again.restoreKey('doomed');
      }).message,
    ).toBe('doomed was hard deleted, this does not support restore');
    expect(
      schemaError(() => {
        again.addScalar('doomed', { dataType: 'varchar' });
      }).message,
    ).toBe('doomed is hard deleted');
    expect(
      schemaError(() => {
        again.addEnum('doomed', { values: ['x'] });
      }).message,
    ).toBe('doomed is already defined');
  });

  it('the server refuses what a stale copy would revive, with InvalidArgumentsError naming the key', async () => {
    const fresh = await client.metadataSchema();
    const stale = await client.metadataSchema();
    fresh.deleteKey('metadata_2', { hard: true });
    await fresh.save();
    stale.addScalar('another', { dataType: 'number' }); // makes it dirty; metadata_2 is still live here
    const error = await stale.save().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentsError);
    expect((error as Error).message).toContain('metadata_2');
    expect(stale.isDirty).toBe(true);
  });

  it('load is a static on the class too', async () => {
    const schema = await MetadataSchema.load(client.transport);
    expect(schema.hasKey('metadata_1')).toBe(true);
  });
});

describe('MetadataSchema rules (local, with the SDK messages)', () => {
  let server: TestServer;
  let schema: MetadataSchema;
  let sent: string[];

  beforeAll(async () => {
    server = await startTestServer();
    const admin = await adminClient(server);
    sent = admin.sent;
    schema = await admin.client.metadataSchema();
    schema.addScalar('s', { dataType: 'varchar' });
    schema.addEnum('e', { values: ['b', 'a'] });
    schema.addEmbedding('emb', { size: 8 });
    schema.addGeospatial('geo');
    schema.addEnum('gone-enum', { values: ['x'] });
    schema.deleteKey('gone-enum');
    schema.addScalar('hard', { dataType: 'number' });
    schema.deleteKey('hard', { hard: true });
    sent.length = 0;
  });
  afterAll(async () => {
    expect(sent).toEqual([]); // every rule is checked without asking the server
    await server.close();
  });

  it.each([
    [
      'addScalar on an enum',
      () => {
        schema.addScalar('e', { dataType: 'number' });
      },
      'e is already defined',
    ],
    [
      'addScalar on an embedding',
      () => {
        schema.addScalar('emb', { dataType: 'text' });
      },
      'emb is already defined',
    ],
    [
      'addScalar on a geospatial key',
      () => {
        schema.addScalar('geo', { dataType: 'text' });
      },
      'geo is already defined',
    ],
    [
      'addScalar on a hard-deleted key',
      () => {
        schema.addScalar('hard', { dataType: 'number' });
      },
      'hard is hard deleted',
    ],
    [
      'addScalar on a soft-deleted enum',
      () => {
        schema.addScalar('gone-enum', { dataType: 'varchar' });
      },
      'gone-enum is cannot be restored with this type',
    ],
    [
      'a key starting with $',
      () => {
        schema.addScalar('$bad', { dataType: 'number' });
      },
      '$bad is an invalid format for a metadata key',
    ],
    [
      'the reserved keyframes key',
      () => {
        schema.addScalar('key_frames', { dataType: 'number' });
      },
      'key_frames is an invalid format for a metadata key',
    ],
    [
      'a key with a slash',
      () => {
        schema.addGeospatial('a/b');
      },
      'a/b is an invalid format for a metadata key',
    ],
    [
      'an enum type through addScalar',
      () => {
        schema.addScalar('n', { dataType: 'enum' });
      },
      'Enum must be created explicitly',
    ],
    [
      'an embedding type through addScalar',
      () => {
        schema.addScalar('n', { dataType: 'embedding' });
      },
      'Embedding must be created explicitly',
    ],
    [
      'an unknown scalar type',
      () => {
        schema.addScalar('n', { dataType: 'bogus' });
      },
      'Unknown simple schema type: bogus',
    ],
    [
      'addEnum on an existing key',
      () => {
        schema.addEnum('s', { values: ['x'] });
      },
      's is already defined',
    ],
    [
      'addEnum on a deleted key',
      () => {
        schema.addEnum('gone-enum', { values: ['x'] });
      },
      'gone-enum is already defined',
    ],
    [
      'addEnum without values',
      () => {
        schema.addEnum('n', { values: [] });
      },
      'Must provide at least 1 value',
    ],
    [
      'addEnum with too many values',
      () => {
        schema.addEnum('n', { values: Array.from({ length: 257 }, (_, i) => `v${i}`) });
      },
      'Cannot provide more than 256 values',
    ],
    [
      'addEnumOptions on a missing key',
      () => {
        schema.addEnumOptions('n', { values: ['x'] });
      },
      'n is already defined',
    ],
    [
      'addEnumOptions on a scalar',
      () => {
        schema.addEnumOptions('s', { values: ['x'] });
      },
      's is not an enum',
    ],
    [
      'addEnumOptions without values',
      () => {
        schema.addEnumOptions('e', { values: [] });
      },
      'Must provide at least 1 value',
    ],
    [
      'addEnumOptions past the limit',
      () => {
        schema.addEnumOptions('e', { values: Array.from({ length: 255 }, (_, i) => `w${i}`) });
      },
      'Cannot provide more than 256 values',
    ],
    [
      'addEmbedding on an existing key',
      () => {
        schema.addEmbedding('s', { size: 3 });
      },
      's is already defined',
    ],
    [
      'addGeospatial on an existing key',
      () => {
        schema.addGeospatial('geo');
      },
      'geo is already defined',
    ],
    [
      'deleteKey on a missing key',
      () => {
        schema.deleteKey('n');
      },
      'n is not defined',
    ],
    [
      'deleteKey on a deleted key',
      () => {
        schema.deleteKey('gone-enum');
      },
      'gone-enum is already deleted',
    ],
    [
      'restoreKey on a missing key',
      () => {
        schema.restoreKey('n');
      },
      'n is not defined',
    ],
    [
      'restoreKey on a live key',
      () => {
        schema.restoreKey('s');
      },
      's is not currently deleted',
    ],
    [
      'restoreKey on a hard-deleted key',
      () => {
        schema.restoreKey('hard');
      },
      'hard was hard deleted, this does not support restore',
    ],
    ['getEmbeddingSize on a missing key', () => schema.getEmbeddingSize('n'), 'n is not defined'],
    ['getEmbeddingSize on an enum', () => schema.getEmbeddingSize('e'), 'e does not refer to an embedding'],
    ['getEnumOptions on a missing key', () => schema.getEnumOptions('n'), 'n is not defined'],
    ['getEnumOptions on an embedding', () => schema.getEnumOptions('emb'), 'emb does not refer to an enum'],
  ])('%s', (_name, run, message) => {
    expect(schemaError(run).message).toBe(message);
  });

  it.each([0, 4097, 1.5])('rejects embedding size %s', (size) => {
    expect(
      schemaError(() => {
        schema.addEmbedding('n', { size });
      }).message,
    ).toMatch(/^Embedding size must be/);
  });

  it('re-types a live scalar freely and revives a soft-deleted scalar with any type', () => {
    schema.setScalar('s', { dataType: 'number' });
    expect(schema.getKeyType('s')).toBe('number');
    schema.deleteKey('s');
    schema.addScalar('s', { dataType: 'uuid' });
    expect(schema.getKeyType('s')).toBe('uuid');
  });

  it('keeps deleted keys in keys() and the print padding', () => {
    expect(schema.keys()).toEqual(['s', 'e', 'emb', 'geo', 'gone-enum', 'hard']);
    expect(schema.toString()).toBe(
      [
        'Metadata Schema:',
        '----------------',
        " - 'e':         enum(values=['a', 'b'])",
        " - 'emb':       embedding(size=8)",
        " - 'geo':       geospatial",
        " - 's':         scalar(hint=uuid)",
        '',
      ].join('\n'),
    );
  });
});

describe('legacy schema calls', () => {
  let server: TestServer;
  let client: EncordUserClient;
  let sent: string[];

  beforeAll(async () => {
    server = await startTestServer();
    ({ client, sent } = await adminClient(server));
  });
  afterAll(async () => {
    await server.close();
  });

  it('reads null when there is no schema', async () => {
    expect(await client.getClientMetadataSchema()).toBeNull();
  });

  it('rejects an unknown type name locally with the SDK message, sending nothing', async () => {
    sent.length = 0;
    const error = await client
      .setClientMetadataSchemaFromDict({ ok: 'number', bad: 'data type' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentsError);
    expect((error as Error).message).toBe(
      'Got an unexpected data type in schema. Valid data types are: number, string, boolean, datetime, geospatial, enum, embedding, long_string.',
    );
    expect(sent).toEqual([]);
  });

  it('sets the schema from a flat dict and reads it back, flat and as v2', async () => {
    await client.setClientMetadataSchemaFromDict({
      legacy_1: 'number',
      legacy_2: 'string',
      legacy_3: 'boolean',
      legacy_4: 'long_string',
      legacy_5: 'datetime',
    });
    expect(sent.at(-1)).toBe('POST /v2/public/organisation/client-metadata-schema');
    expect(await client.getClientMetadataSchema()).toEqual({
      legacy_1: 'number',
      legacy_2: 'string',
      legacy_3: 'boolean',
      legacy_4: 'long_string',
      legacy_5: 'datetime',
    });
    const schema = await client.metadataSchema();
    expect(schema.getKeyType('legacy_2')).toBe('varchar');
    expect(schema.getKeyType('legacy_4')).toBe('text');
  });

  it('passes the server refusal of a new enum through as InvalidArgumentsError', async () => {
    const error = await client
      .setClientMetadataSchemaFromDict({
        legacy_1: 'number',
        legacy_2: 'string',
        legacy_3: 'boolean',
        legacy_4: 'long_string',
        legacy_5: 'datetime',
        colour: 'enum',
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentsError);
    expect((error as Error).message).toContain('colour');
  });
});
