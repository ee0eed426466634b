/**
 * The `metaindex` command line: `serve` runs the server on a data directory (and, with
 * --db, a PostgreSQL database), `users` manages who may sign requests. The `users`
 * commands open the database directly (SQLite's WAL lets them do so while a server
 * runs on it), and servers read users from the database on every request, so changes
 * apply at once.
 * `schema`, `folders`, `items`, `query` and `facets` talk to a server over HTTP through
 * the SDK (cli-connection.ts: --url, --key, --password). docs/cli.md documents them all.
 */
import { MetaindexError } from '@metaindex/core';
import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import { existsSync } from 'node:fs';
import { resolveDataDir } from '../data-dir.js';
import { readPublicKeyFile } from '../public-key.js';
import { describeFailure } from './cli-connection.js';
import { backupCommand } from './backup-command.js';
import { collectionsCommand } from './collection-commands.js';
import { foldersCommand } from './folder-commands.js';
import { migrateCommand } from './migrate-command.js';
import { EXIT_FAILURE, itemsCommand } from './item-commands.js';
import { queryCommands } from './query-commands.js';
import { schemaCommand } from './schema-commands.js';
import type { Engine } from '../store/engine.js';
import type { UserRecord, UserRole } from '../store/records.js';
import { isPostgresUrl, openEngine, redactUrl } from '../store/open-engine.js';

const ROLES = ['admin', 'member'] as const satisfies readonly UserRole[];

const DEFAULT_DATA_DIR = './data';
const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_PORT = 8080;

/** Enough of the key to tell users apart in a table; `--json` shows it whole. */
const SHORT_KEY_LENGTH = 16;

interface ServeOptions {
  data: string;
  db?: string;
  publicUrl?: string;
  host: string;
  port: number;
  adminPublicKey?: string;
}

interface DataOptions {
  data: string;
  db?: string;
}

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

function dataOption(): Option {
  return new Option('--data <dir>', 'data directory').env('METAINDEX_DATA').default(DEFAULT_DATA_DIR);
}

function dbOption(): Option {
  return new Option(
    '--db <url>',
    'keep everything in this PostgreSQL database (postgres://…) instead of the data directory',
  )
    .env('METAINDEX_DB')
    .argParser((value: string) => {
      if (!isPostgresUrl(value)) {
        throw new InvalidArgumentError(
          'Expected a PostgreSQL URL such as postgres://user@host:5432/metaindex.',
        );
      }
      return value;
    });
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new InvalidArgumentError('Expected a port number from 0 to 65535 (0 picks a free port).');
  }
  return port;
}

function shortKey(publicKeyHex: string): string {
  return `${publicKeyHex.slice(0, SHORT_KEY_LENGTH)}…`;
}

/** A deliberately loose check: it catches a key path or a name given in place of the email. */
function assertEmail(email: string): void {
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) {
    throw new MetaindexError('invalid_argument', `"${email}" is not an email address.`);
  }
}

/**
 * Runs `use` on the data directory's database. A missing database is an error rather
 * than created here: a mistyped --data would otherwise start an empty organisation,
 * and users added before the first `serve` would stop it from creating its admin.
 */
async function withEngine<T>(options: DataOptions, use: (engine: Engine) => Promise<T>): Promise<T> {
  const dataDir = options.data;
  const { databasePath } = resolveDataDir(dataDir);
  if (options.db === undefined && !existsSync(databasePath)) {
    throw new MetaindexError(
      'not_found',
      `No metaindex database at ${databasePath}. Pass the data directory of your server with --data, ` +
        `or run \`metaindex serve --data ${dataDir}\` once to create it.`,
    );
  }
  const engine = await openEngine({ sqlitePath: databasePath, db: options.db });
  try {
    return await use(engine);
  } finally {
    await engine.close();
  }
}

function findUser(users: readonly UserRecord[], email: string): UserRecord {
  const user = users.find((candidate) => candidate.email === email);
  if (user === undefined) throw new MetaindexError('not_found', `No user with email ${email}`);
  return user;
}

/**
 * Refuses to leave the organisation without an admin: nobody could change the schema
 * any more, and a restart would not help, since the server only creates an admin for
 * an empty organisation.
 */
function keepAnAdmin(users: readonly UserRecord[], user: UserRecord, action: string): void {
  const admins = users.filter((candidate) => candidate.role === 'admin');
  if (user.role === 'admin' && admins.length === 1) {
    throw new MetaindexError(
      'conflict',
      `Cannot ${action} ${user.email}: it is the only admin. ` +
        'Make another user admin first (metaindex users set-role <email> admin).',
    );
  }
}

function formatUserTable(users: readonly UserRecord[]): string {
  const rows: [email: string, role: string, key: string][] = [
    ['EMAIL', 'ROLE', 'KEY'],
    ...users.map((user): [string, string, string] => [user.email, user.role, shortKey(user.publicKeyHex)]),
  ];
  const emailWidth = Math.max(...rows.map(([email]) => email.length));
  const roleWidth = Math.max(...rows.map(([, role]) => role.length));
  return rows
    .map(([email, role, key]) => `${email.padEnd(emailWidth)}  ${role.padEnd(roleWidth)}  ${key}`)
    .join('\n');
}

async function serve(options: ServeOptions): Promise<void> {
  // Loaded here so the `users` commands do not pay for loading the HTTP stack.
  const { startServer } = await import('../server.js');
  const dataDir = resolveDataDir(options.data).root;
  const server = await startServer({
    dataDir,
    host: options.host,
    port: options.port,
    ...(options.adminPublicKey === undefined ? {} : { adminPublicKeyFile: options.adminPublicKey }),
    ...(options.db === undefined ? {} : { db: options.db }),
    ...(options.publicUrl === undefined ? {} : { publicUrl: options.publicUrl }),
    log: out,
  });
  const database = options.db === undefined ? '' : `, database: ${redactUrl(options.db)}`;
  out(`metaindex listening on ${server.url} (data: ${dataDir}${database})`);
  // Both handlers go after the first signal, so a second Ctrl-C during a slow shutdown
  // gets Node's default handling and ends the process at once.
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const stop = (received: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(received);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  out(`metaindex: ${signal} received, shutting down`);
  await server.close();
}

function usersCommand(): Command {
  const users = new Command('users').description('manage the users who may sign requests');

  users
    .command('add')
    .description('add a user, identified by their Ed25519 public key (e.g. ~/.ssh/id_ed25519.pub)')
    .argument('<email>', "the user's email")
    .requiredOption('--public-key <file>', 'OpenSSH .pub file or PEM public key')
    .addOption(new Option('--role <role>', 'role in the organisation').choices(ROLES).default('member'))
    .addOption(dataOption())
    .addOption(dbOption())
    .action(async (email: string, options: DataOptions & { publicKey: string; role: UserRole }) => {
      assertEmail(email);
      const publicKeyHex = await readPublicKeyFile(options.publicKey);
      await withEngine(options, (engine) =>
        engine.addUser({ email, role: options.role, publicKeyHex, createdAt: new Date().toISOString() }),
      );
      out(`Added ${email} (${options.role}), key ${shortKey(publicKeyHex)}`);
    });

  users
    .command('list')
    .description('list users')
    .option('--json', 'print the full records as JSON')
    .addOption(dataOption())
    .addOption(dbOption())
    .action(async (options: DataOptions & { json?: true }) => {
      const list = await withEngine(options, (engine) => engine.listUsers());
      if (options.json === true) out(JSON.stringify(list, null, 2));
      else if (list.length === 0) out('No users.');
      else out(formatUserTable(list));
    });

  users
    .command('remove')
    .description('remove a user; their key stops working at once')
    .argument('<email>', "the user's email")
    .addOption(dataOption())
    .addOption(dbOption())
    .action(async (email: string, options: DataOptions) => {
      await withEngine(options, async (engine) => {
        const all = await engine.listUsers();
        keepAnAdmin(all, findUser(all, email), 'remove');
        await engine.removeUser(email);
      });
      out(`Removed ${email}`);
    });

  users
    .command('set-role')
    .description("change a user's role")
    .argument('<email>', "the user's email")
    .addArgument(new Argument('<role>', 'the new role').choices(ROLES))
    .addOption(dataOption())
    .addOption(dbOption())
    .action(async (email: string, role: UserRole, options: DataOptions) => {
      await withEngine(options, async (engine) => {
        const all = await engine.listUsers();
        const user = findUser(all, email);
        if (role === 'member') keepAnAdmin(all, user, 'demote');
        await engine.setUserRole(email, role);
      });
      out(`${email} is now ${role}`);
    });

  return users;
}

export function buildCli(): Command {
  const program = new Command('metaindex').description(
    'Self-hosted custom metadata for ML data, with an Encord-compatible API',
  );

  program
    .command('serve')
    .description('run the server on a data directory (created on first start, with an admin key)')
    .addOption(dataOption())
    .addOption(dbOption())
    .addOption(
      new Option('--host <host>', 'address to listen on').env('METAINDEX_HOST').default(DEFAULT_HOST),
    )
    .addOption(
      new Option('--port <port>', 'port to listen on')
        .env('METAINDEX_PORT')
        .default(DEFAULT_PORT)
        .argParser(parsePort),
    )
    .addOption(
      new Option(
        '--public-url <url>',
        'the address clients reach this server at (behind a proxy or load balancer), for the URLs it signs',
      ).env('METAINDEX_PUBLIC_URL'),
    )
    .option(
      '--admin-public-key <file>',
      "on first start, make this public key the admin's instead of generating a key pair",
    )
    .action(serve);

  program.addCommand(usersCommand());
  program.addCommand(migrateCommand());
  program.addCommand(backupCommand());
  program.addCommand(schemaCommand());
  program.addCommand(foldersCommand());
  program.addCommand(itemsCommand());
  program.addCommand(collectionsCommand());
  for (const command of queryCommands()) program.addCommand(command);
  program.addHelpText(
    'after',
    `
Examples:
  $ metaindex serve --data ./data
  $ metaindex schema add-scalar speed number
  $ metaindex items import metadata.jsonl
  $ metaindex query 'speed > 10' --sort -speed

Commands that talk to a server take --url (METAINDEX_URL, default http://127.0.0.1:8080)
and --key (METAINDEX_KEY, default the admin key in --data). See docs/cli.md.`,
  );
  return program;
}

/**
 * Runs the CLI on `process.argv`-style arguments. Usage errors exit through commander;
 * a failing command prints its message as one line and sets exit code 1. The messages
 * name what was wrong (an unknown email, a port in use); a stack trace would bury that.
 */
export async function runCli(argv: readonly string[]): Promise<void> {
  try {
    await buildCli().parseAsync([...argv]);
  } catch (error) {
    process.stderr.write(`error: ${describeFailure(error)}\n`);
    process.exitCode = EXIT_FAILURE;
  }
}
