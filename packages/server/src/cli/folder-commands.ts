/**
 * `metaindex folders …`: create and list storage folders through the SDK.
 */
import type { StorageFolder } from '@metaindex/sdk';
import { Command } from 'commander';
import {
  CONNECTION_HELP,
  connect,
  out,
  withConnectionOptions,
  type ConnectionOptions,
} from './cli-connection.js';

interface CreateOptions extends ConnectionOptions {
  description?: string;
  parent?: string;
}

interface ListOptions extends ConnectionOptions {
  search?: string;
  all?: true;
  json?: true;
}

/** The folder's path from its root, e.g. `cameras/front`. */
function folderPath(folder: StorageFolder): string {
  return [...folder.pathToRoot.map((p) => p.name), folder.name].join('/');
}

export function foldersCommand(): Command {
  const folders = new Command('folders').description('create and list storage folders').addHelpText(
    'after',
    `
Examples:
  $ FOLDER=$(metaindex folders create drives --description "test drives")
  $ metaindex folders create front --parent "$FOLDER"
  $ metaindex folders list
  $ metaindex folders list --search front --json`,
  );

  withConnectionOptions(
    folders
      .command('create')
      .description('create a folder and print its uuid (alone on stdout, for scripts)')
      .argument('<name>', "the folder's name")
      .option('--description <text>', "the folder's description")
      .option('--parent <uuid>', 'create it inside this folder (default: a top-level folder)'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ metaindex folders create drives --description "test drives"
  $ metaindex folders create front --parent "$(metaindex folders create drives)"
${CONNECTION_HELP}`,
    )
    .action(async (name: string, options: CreateOptions) => {
      const client = await connect(options);
      const folder = await client.createStorageFolder(name, {
        ...(options.description === undefined ? {} : { description: options.description }),
        ...(options.parent === undefined ? {} : { parentFolder: options.parent }),
      });
      out(folder.uuid);
    });

  withConnectionOptions(
    folders
      .command('list')
      .description('list the top-level folders (with --search or --all: folders at any depth)')
      .option(
        '--search <text>',
        'only folders whose name contains this text (case-insensitive), at any depth',
      )
      .option('--all', 'every folder at any depth')
      .option('--json', 'print the folders as JSON (the wire StorageFolder objects)'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ metaindex folders list
  $ metaindex folders list --search front
  $ metaindex folders list --all --json
${CONNECTION_HELP}`,
    )
    .action(async (options: ListOptions) => {
      const client = await connect(options);
      const list: StorageFolder[] = [];
      for await (const folder of client.listStorageFolders({
        ...(options.search === undefined ? {} : { search: options.search }),
        isRecursive: options.search !== undefined || options.all === true,
        pageSize: 1000,
      })) {
        list.push(folder);
      }
      if (options.json === true) {
        out(JSON.stringify(list, null, 2));
        return;
      }
      if (list.length === 0) {
        out('No folders.');
        return;
      }
      const rows = list.map((f) => [f.uuid, folderPath(f), f.description] as const);
      const pathWidth = Math.max(4, ...rows.map(([, path]) => path.length));
      out(`${'UUID'.padEnd(36)}  ${'PATH'.padEnd(pathWidth)}  DESCRIPTION`);
      for (const [uuid, path, description] of rows) {
        out(`${uuid}  ${path.padEnd(pathWidth)}  ${description}`.trimEnd());
      }
    });

  return folders;
}
