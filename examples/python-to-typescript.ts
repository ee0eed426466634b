/**
 * Writes docs/python-to-typescript.md: every seed snippet (examples/python/*.py) beside
 * its TypeScript twin (examples/*.ts), with what differs. The page is generated so it can
 * never drift from the examples the tests run; `examples.test.ts` checks it is current.
 *
 *   npx tsx examples/python-to-typescript.ts
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const EXAMPLES = import.meta.dirname;
export const GUIDE_PATH = join(EXAMPLES, '..', 'docs', 'python-to-typescript.md');

/** What each pair shows, and where the TypeScript twin differs from the Python snippet. */
const NOTES: Record<string, { title: string; note: string }> = {
  '01-create-schema': {
    title: 'Create a metadata schema',
    note: 'Keyword arguments become an options object (`data_type=` → `{ dataType }`); server calls are awaited. `toString()` gives the very text `print(metadata_schema)` prints.',
  },
  '02-legacy-schema-from-dict': {
    title: 'Import a schema from a flat dict (legacy)',
    note: 'The seed\'s `"data type"` placeholders are filled with real legacy type names. metaindex refuses the legacy import if it would drop a live key, create an enum or embedding (the flat form has no options or size), or use an unknown type name.',
  },
  '03-verify-schema': {
    title: 'Verify the schema',
    note: 'Prints the same text as the Python SDK.',
  },
  '04-verify-legacy-schema': {
    title: 'Verify the schema (legacy form)',
    note: 'Answers the flat `{key: typeName}` map (or `null`), printed with `console.log`.',
  },
  '05-change-key-types': {
    title: 'Change the type of schema keys',
    note: 'The Python snippet prints its edits but never calls `save()`, so nothing reaches the server; the twin saves. A live scalar key may change to any scalar type; enum, embedding and geospatial keys never change type.',
  },
  '06-soft-delete-key': {
    title: 'Soft-delete a key',
    note: 'The seed writes `delete_key(k: "Fruit", hard: False)`, which is not valid Python; the call is `delete_key("Fruit", hard=False)`. The twin saves the change (the snippet does not).',
  },
  '07-restore-key': {
    title: 'Restore a soft-deleted key',
    note: 'The key comes back with exactly its old definition (an enum keeps its options).',
  },
  '08-hard-delete-key': {
    title: 'Hard-delete a key',
    note: 'The seed describes hard deletion without showing it. A hard-deleted key can never be restored or reused: `restoreKey` then throws `Fruit was hard deleted, this does not support restore` (the tests run it).',
  },
  '09-import-keyframes': {
    title: 'Import keyframes to specific items',
    note: 'The updates come from the `UPDATES` environment variable (JSON) instead of placeholders. `item.clientMetadata` is a fresh copy each time it is read, so editing it changes nothing until `update()`.',
  },
  '10-update-all-items-in-folder': {
    title: 'Overwrite the metadata of every item in a folder',
    note: '`listItems()` is an async iterable that fetches pages as it goes (`for await`). The Python dict literal repeats the key `"metadata"`, so it holds one key; the twin uses two distinct keys. `update({ clientMetadata })` replaces the whole object.',
  },
  '11-update-specific-items': {
    title: 'Merge metadata into specific items',
    note: "Read-modify-write with object spread, as in the snippet. metaindex also merges on the server without a read (`item.mergeMetadata(patch)`, RFC 7396), which cannot lose a concurrent writer's keys.",
  },
  '12-bundle-update-all-items-in-folder': {
    title: 'Bulk overwrite through a bundle',
    note: '`with Bundle() as bundle:` becomes `userClient.withBundle(async (bundle) => …)`: sent when the callback returns, nothing sent if it throws. Up to 1,000 patches per request by default (`{ size }` up to 10,000). Patches for the same item in one bundle are merged field by field; the Python SDK keeps only the last.',
  },
  '13-bundle-update-specific-items': {
    title: 'Bulk merge into specific items through a bundle',
    note: "The seed says this snippet does not overwrite existing metadata, but its code sends `update` as the whole object (which replaces it) and raises `KeyError` for any item missing from `updates`. The twin does what the text promises: it merges each update into the item's metadata and skips items without one.",
  },
  '14-dataset-set-one-row': {
    title: 'Set the metadata of one data row',
    note: "A data row's metadata is its backing storage item's metadata: the write shows up on the item (and in every dataset that links it). `clientMetadata` is frozen; assign a new object to change it.",
  },
  '15-dataset-set-all-rows': {
    title: 'Set the metadata of every data row',
    note: '`enumerate(...)` becomes `dataRows.entries()`; f-strings become template literals (the metadata printed as JSON).',
  },
  '16-dataset-read-all-rows': {
    title: 'Read the metadata of every data row',
    note: 'Without `fetchClientMetadata: true` rows carry `clientMetadata: null`, as in the Python SDK.',
  },
};

const INTRO = `# From Python to TypeScript

Every custom-metadata snippet of Encord's documentation (the seed metaindex was built from),
left as its Python, beside its twin for \`@metaindex/sdk\`, right. The TypeScript files live in
[\`examples/\`](../examples); the test suite runs each of them as its own process against a live
metaindex server and checks what the snippet promises (\`examples/examples.test.ts\`). This page
is generated from those files (\`npx tsx examples/python-to-typescript.ts\`), so it shows exactly
the code that is tested.

Run an example against your server:

\`\`\`sh
METAINDEX_URL=http://127.0.0.1:8080 METAINDEX_KEY=./data/admin_ed25519 \\
  FOLDER_HASH=<folder uuid> npx tsx examples/10-update-all-items-in-folder.ts
\`\`\`

How the SDK maps the Python one, in general:

| Python                                                     | TypeScript                                                        |
| ---------------------------------------------------------- | ----------------------------------------------------------------- |
| \`EncordUserClient.create_with_ssh_private_key(ssh_private_key_path=…)\` | \`await EncordUserClient.createWithSshPrivateKey({ sshPrivateKeyPath, password?, domain? })\` |
| snake_case methods and keyword arguments                   | camelCase methods; keyword arguments become an options object     |
| blocking calls                                             | \`await\`; every call takes an optional \`{ signal }\` (AbortSignal)  |
| iterators over pages (\`folder.list_items()\`)               | async iterables (\`for await (const item of folder.listItems())\`) |
| \`with Bundle() as bundle:\`                                 | \`await userClient.withBundle(async (bundle) => { … })\`            |
| \`item.client_metadata.copy()\`                              | \`item.clientMetadata\` (already a copy)                            |
| \`InvalidArgumentsError\`, \`ResourceNotFoundError\`, …        | the same class names, with the server's message and \`details\`     |
`;

function fence(language: string, code: string): string {
  return `\`\`\`${language}\n${code.trimEnd()}\n\`\`\``;
}

export async function renderGuide(): Promise<string> {
  const names = (await readdir(join(EXAMPLES, 'python'))).filter((f) => f.endsWith('.py')).sort();
  const sections: string[] = [INTRO];
  for (const file of names) {
    const name = file.slice(0, -3);
    const info = NOTES[name];
    if (info === undefined) throw new Error(`examples/python/${file} has no entry in NOTES`);
    const python = await readFile(join(EXAMPLES, 'python', file), 'utf8');
    const typescript = await readFile(join(EXAMPLES, `${name}.ts`), 'utf8');
    sections.push(
      [
        `## ${name.slice(0, 2)}. ${info.title}`,
        '',
        info.note,
        '',
        `<table><tr><th>Python (Encord SDK)</th><th>TypeScript (<a href="../examples/${name}.ts">examples/${name}.ts</a>)</th></tr><tr><td valign="top">`,
        '',
        fence('python', python),
        '',
        '</td><td valign="top">',
        '',
        fence('ts', typescript),
        '',
        '</td></tr></table>',
        '',
      ].join('\n'),
    );
  }
  return sections.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await writeFile(GUIDE_PATH, await renderGuide());
  process.stdout.write(`wrote ${GUIDE_PATH}\n`);
}
