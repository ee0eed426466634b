/**
 * `metaindex query` and `metaindex facets`: the Index query API from a shell. They
 * talk to a running server over HTTP, signing each request with an Ed25519 key like
 * any other client, so they work against a remote server as well as a local one.
 */
import { MetaindexError, parseOpenSshPrivateKey, signRequestV2 } from '@metaindex/core';
import { Command, InvalidArgumentError, Option } from 'commander';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolveDataDir } from '../data-dir.js';

const DEFAULT_URL = 'http://127.0.0.1:8080';
const DEFAULT_LIMIT = 20;

interface ConnectionOptions {
  url: string;
  key?: string;
  data: string;
}

interface QueryOptions extends ConnectionOptions {
  sort?: string;
  limit: number;
  json?: true;
  folder?: string;
}

interface FacetsOptions extends ConnectionOptions {
  filter?: string;
  top: number;
  buckets: number;
  json?: true;
}

interface QueryAnswer {
  results: { uuid: string; name: string; clientMetadata: unknown }[];
  nextPageToken: string | null;
  total: number | null;
}

type FacetAnswer = {
  total: number;
  facets: (
    | { key: string; counts: { value: unknown; count: number }[] }
    | { key: string; histogram: { from: unknown; to: unknown; count: number }[] }
  )[];
};

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError('Expected a positive integer.');
  return n;
}

function connectionOptions(command: Command): Command {
  return command
    .addOption(new Option('--url <url>', 'metaindex server URL').env('METAINDEX_URL').default(DEFAULT_URL))
    .addOption(
      new Option(
        '--key <file>',
        'Ed25519 private key (OpenSSH) to sign with; default: the data directory admin key',
      ).env('METAINDEX_KEY'),
    )
    .addOption(
      new Option('--data <dir>', 'data directory (for its admin key)')
        .env('METAINDEX_DATA')
        .default('./data'),
    );
}

/** Sends signed JSON requests to a metaindex server. */
class Client {
  constructor(
    private readonly url: string,
    private readonly seed: Uint8Array,
  ) {}

  static async connect(options: ConnectionOptions): Promise<Client> {
    const keyPath = options.key ?? resolveDataDir(options.data).adminKeyPath;
    if (!existsSync(keyPath)) {
      throw new MetaindexError(
        'invalid_argument',
        `No key at ${keyPath}: pass --key (or METAINDEX_KEY) with your Ed25519 private key, or --data with the server's data directory.`,
      );
    }
    const { seed } = parseOpenSshPrivateKey(await readFile(keyPath, 'utf8'));
    return new Client(options.url.replace(/\/+$/, ''), seed);
  }

  async call<T>(method: string, target: string, body?: unknown): Promise<T> {
    const text = body === undefined ? '' : JSON.stringify(body);
    const headers: Record<string, string> = signRequestV2({
      method,
      requestTarget: target,
      body: text,
      privateKey: this.seed,
    });
    if (text !== '') headers['Content-Type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(this.url + target, { method, headers, ...(text === '' ? {} : { body: text }) });
    } catch (error) {
      throw new MetaindexError('internal', `cannot reach ${this.url}: ${(error as Error).message}`);
    }
    const answer = await response.text();
    if (!response.ok) {
      let message = answer;
      try {
        message = (JSON.parse(answer) as { message?: string }).message ?? answer;
      } catch {
        // not JSON: keep the text
      }
      const code =
        response.status === 401
          ? 'unauthenticated'
          : response.status === 403
            ? 'forbidden'
            : response.status === 404
              ? 'not_found'
              : response.status >= 500
                ? 'internal'
                : 'invalid_argument';
      throw new MetaindexError(code, `${response.status}: ${message}`);
    }
    return (answer === '' ? null : JSON.parse(answer)) as T;
  }
}

async function runQuery(filter: string, options: QueryOptions): Promise<void> {
  const client = await Client.connect(options);
  const results: QueryAnswer['results'] = [];
  let token: string | null = null;
  let total: number | null = null;
  do {
    const page: QueryAnswer = await client.call<QueryAnswer>('POST', '/api/items/query', {
      filter,
      ...(options.sort === undefined ? {} : { sort: options.sort }),
      ...(options.folder === undefined ? {} : { folder: options.folder }),
      pageSize: Math.min(1000, options.limit - results.length),
      count: total === null ? 'exact' : 'none',
      ...(token === null ? {} : { pageToken: token }),
    });
    total ??= page.total;
    results.push(...page.results);
    token = page.nextPageToken;
  } while (token !== null && results.length < options.limit);

  if (options.json === true) {
    out(JSON.stringify({ total, results }, null, 2));
    return;
  }
  for (const item of results) out(`${item.uuid}  ${item.name}  ${JSON.stringify(item.clientMetadata)}`);
  out(`${results.length} of ${total ?? '?'} matching items`);
}

async function runFacets(keys: string[], options: FacetsOptions): Promise<void> {
  const client = await Client.connect(options);
  const schema =
    (await client.call<Record<string, { ty: string; hint?: string }> | null>(
      'GET',
      '/v2/public/organisation/client-metadata-schema-v2',
    )) ?? {};
  const facets = keys.map((key) => {
    const entry = schema[key];
    const type = entry?.ty === 'variant' ? entry.hint : entry?.ty;
    const histogram = key === '$created' || key === '$edited' || type === 'number' || type === 'datetime';
    return histogram ? { key, histogram: { buckets: options.buckets } } : { key, top: options.top };
  });
  const answer = await client.call<FacetAnswer>('POST', '/api/items/facets', {
    facets,
    ...(options.filter === undefined ? {} : { filter: options.filter }),
  });
  if (options.json === true) {
    out(JSON.stringify(answer, null, 2));
    return;
  }
  out(`${answer.total} matching items`);
  for (const facet of answer.facets) {
    out(`\n${facet.key}`);
    const rows: [string, number][] =
      'counts' in facet
        ? facet.counts.map((c) => [JSON.stringify(c.value), c.count])
        : facet.histogram.map((b) => [`${JSON.stringify(b.from)} .. ${JSON.stringify(b.to)}`, b.count]);
    const width = Math.max(0, ...rows.map(([label]) => label.length));
    for (const [label, count] of rows) out(`  ${label.padEnd(width)}  ${count}`);
  }
}

export function queryCommands(): Command[] {
  const query = connectionOptions(
    new Command('query')
      .description(
        'list the items matching a filter, e.g. metaindex query \'weather = "rain" and speed >= 10\'',
      )
      .argument('<filter>', 'a filter in the metaindex filter language (docs/filter-language.md)')
      .option('--sort <keys>', 'comma-separated sort keys, "-" for descending, e.g. -speed,$name')
      .addOption(
        new Option('--limit <n>', 'at most this many items').argParser(parseCount).default(DEFAULT_LIMIT),
      )
      .option('--folder <uuid>', 'only items in this folder or below it')
      .option('--json', 'print the items and total as JSON'),
  ).action(runQuery);

  const facets = connectionOptions(
    new Command('facets')
      .description('value counts (enum, boolean, varchar) and histograms (number, datetime) of keys')
      .argument('<keys...>', 'metadata keys, or $type, $created, $edited')
      .option('--filter <filter>', 'only count the items matching this filter')
      .addOption(new Option('--top <n>', 'most frequent values to show').argParser(parseCount).default(10))
      .addOption(new Option('--buckets <n>', 'histogram buckets').argParser(parseCount).default(10))
      .option('--json', 'print the answer as JSON'),
  ).action(runFacets);
  return [query, facets];
}
