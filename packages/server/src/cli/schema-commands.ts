/**
 * `metaindex schema …`: read, export, import and edit the organisation's metadata schema
 * through the SDK. Every edit reads the schema, applies the SDK's local rules (the same
 * checks and messages as the server and the Python SDK) and saves the whole schema back.
 * Saving needs an admin key.
 */
import { MetaindexError, parseSchemaDocument } from '@metaindex/core';
import type { EncordUserClient, MetadataSchema } from '@metaindex/sdk';
import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import { readFile, writeFile } from 'node:fs/promises';
import {
  CONNECTION_HELP,
  connect,
  note,
  out,
  withConnectionOptions,
  type ConnectionOptions,
} from './cli-connection.js';

const SCHEMA_V2 = 'organisation/client-metadata-schema-v2';

function parseSize(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('Expected a whole number of dimensions.');
  return n;
}

async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new MetaindexError('invalid_argument', `Cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new MetaindexError('invalid_argument', `${path} is not JSON: ${(error as Error).message}`);
  }
}

function describeKey(schema: MetadataSchema, key: string): string {
  if (schema.isKeyDeleted(key)) return `${key} (deleted)`;
  const type = schema.getKeyType(key);
  if (type === 'enum') return `${key} (enum: ${schema.getEnumOptions(key).join(', ')})`;
  if (type === 'embedding') return `${key} (embedding of size ${schema.getEmbeddingSize(key)})`;
  return `${key} (${type ?? 'unknown'})`;
}

/** Reads the schema, applies one local edit, saves, and says what the key is now. */
async function editSchema(
  options: ConnectionOptions,
  key: string,
  edit: (schema: MetadataSchema) => void,
): Promise<void> {
  const client = await connect(options);
  const schema = await client.metadataSchema();
  edit(schema);
  await schema.save();
  out(`Saved the schema: ${describeKey(schema, key)}`);
}

async function importSchema(
  client: EncordUserClient,
  file: string,
  legacy: boolean,
): Promise<{ keys: number }> {
  const raw = await readJsonFile(file);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new MetaindexError(
      'invalid_argument',
      `${file} must hold a JSON object of key → ${legacy ? 'type name' : 'type object'}`,
    );
  }
  if (legacy) {
    await client.setClientMetadataSchemaFromDict(raw as Record<string, string>);
    return { keys: Object.keys(raw).length };
  }
  const parsed = parseSchemaDocument(raw);
  if (parsed.violations.length > 0) {
    const looksLegacy = Object.values(raw).every((v) => typeof v === 'string');
    throw new MetaindexError(
      'invalid_argument',
      `${file} is not a metadata schema map: ${parsed.violations.map((v) => v.message).join('; ')}` +
        (looksLegacy ? ' (it looks like a legacy flat key → type map: pass --legacy)' : ''),
    );
  }
  await client.transport.call('POST', SCHEMA_V2, { body: raw });
  return { keys: parsed.schema.size };
}

export function schemaCommand(): Command {
  const schema = new Command('schema')
    .description("read and edit the organisation's metadata schema")
    .addHelpText(
      'after',
      `
Examples:
  $ metaindex schema show
  $ metaindex schema add-scalar speed number
  $ metaindex schema add-enum weather rain snow clear
  $ metaindex schema add-embedding clip 512
  $ metaindex schema delete old_key            # soft delete: restore brings it back
  $ metaindex schema export schema.json && metaindex schema import schema.json

Every edit reads the schema, applies the same rules as the server (a rule broken is an
error and nothing is saved) and saves the whole schema. Editing needs an admin key.`,
    );

  const sub = (name: string, description: string, ...examples: string[]): Command =>
    withConnectionOptions(schema.command(name).description(description)).addHelpText(
      'after',
      `\nExamples:\n${examples.map((e) => `  $ metaindex schema ${e}`).join('\n')}\n${CONNECTION_HELP}`,
    );

  sub(
    'show',
    'print the schema, as the Python SDK prints it',
    'show',
    'show --url https://metaindex.example.com --key ~/.ssh/id_ed25519',
  ).action(async (options: ConnectionOptions) => {
    const client = await connect(options);
    out((await client.metadataSchema()).toString());
  });

  sub(
    'export',
    'write the schema as its wire JSON map (key → type object), to FILE or stdout',
    'export schema.json',
    'export | jq keys',
  )
    .argument('[file]', 'file to write (default: stdout)')
    .action(async (file: string | undefined, options: ConnectionOptions) => {
      const client = await connect(options);
      const map = (await client.metadataSchema()).toJSON();
      const text = `${JSON.stringify(map, null, 2)}\n`;
      if (file === undefined) {
        process.stdout.write(text);
      } else {
        await writeFile(file, text);
        note(`Wrote ${Object.keys(map).length} keys to ${file}`);
      }
    });

  sub(
    'import',
    "replace the schema with a file's map (as `schema export` writes it)",
    'import schema.json',
    'import flat.json --legacy      # {"speed": "number", "notes": "long_string"}',
  )
    .argument('<file>', 'JSON file: key → type object, or with --legacy key → type name')
    .option('--legacy', 'the file is a legacy flat map, e.g. {"speed": "number", "caption": "long_string"}')
    .action(async (file: string, options: ConnectionOptions & { legacy?: true }) => {
      const client = await connect(options);
      const { keys } = await importSchema(client, file, options.legacy === true);
      out(`Replaced the schema from ${file} (${keys} keys)`);
    });

  sub(
    'add-scalar',
    'add a scalar key, or change a scalar key’s type',
    'add-scalar speed number',
    'add-scalar caption long_string',
  )
    .argument('<key>', 'the metadata key')
    .addArgument(
      new Argument(
        '<type>',
        'number, varchar (alias string), text (alias long_string), boolean, datetime or uuid',
      ),
    )
    .action((key: string, dataType: string, options: ConnectionOptions) =>
      editSchema(options, key, (schema) => {
        schema.addScalar(key, { dataType });
      }),
    );

  sub('add-enum', 'add an enum key with its options', 'add-enum weather rain snow clear')
    .argument('<key>', 'the metadata key')
    .argument('<values...>', 'the options (at most 256)')
    .action((key: string, values: string[], options: ConnectionOptions) =>
      editSchema(options, key, (schema) => {
        schema.addEnum(key, { values });
      }),
    );

  sub('add-embedding', 'add an embedding key of SIZE dimensions (1–4096)', 'add-embedding clip 512')
    .argument('<key>', 'the metadata key')
    .argument('<size>', 'dimensions', parseSize)
    .action((key: string, size: number, options: ConnectionOptions) =>
      editSchema(options, key, (schema) => {
        schema.addEmbedding(key, { size });
      }),
    );

  sub('add-geospatial', 'add a geospatial key (values {"latitude", "longitude"})', 'add-geospatial location')
    .argument('<key>', 'the metadata key')
    .action((key: string, options: ConnectionOptions) =>
      editSchema(options, key, (schema) => {
        schema.addGeospatial(key);
      }),
    );

  sub(
    'delete',
    'delete a key (soft: restorable; --hard: the name is blocked forever)',
    'delete old_key',
    'delete old_key --hard',
  )
    .argument('<key>', 'the metadata key')
    .addOption(new Option('--hard', 'hard delete: the key can never come back'))
    .action((key: string, options: ConnectionOptions & { hard?: true }) =>
      editSchema(options, key, (schema) => {
        schema.deleteKey(key, { hard: options.hard === true });
      }),
    );

  sub('restore', 'restore a soft-deleted key to the type it had', 'restore old_key')
    .argument('<key>', 'the metadata key')
    .action((key: string, options: ConnectionOptions) =>
      editSchema(options, key, (schema) => {
        schema.restoreKey(key);
      }),
    );

  return schema;
}
