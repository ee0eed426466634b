/**
 * `metaindex query` and `metaindex facets`: the Index query API from a shell. They
 * talk to a running server over HTTP, signing each request with an Ed25519 key like
 * any other client, so they work against a remote server as well as a local one.
 */
import type { IndexItem } from '@metaindex/sdk';
import { Command, Option } from 'commander';
import {
  CONNECTION_HELP,
  connect,
  out,
  parseCount,
  withConnectionOptions,
  type ConnectionOptions,
} from './cli-connection.js';

const DEFAULT_LIMIT = 20;

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

async function runQuery(filter: string, options: QueryOptions): Promise<void> {
  const client = await connect(options);
  const query = client.queryItems(filter, {
    ...(options.sort === undefined ? {} : { sort: options.sort }),
    ...(options.folder === undefined ? {} : { folder: options.folder }),
    pageSize: Math.min(1000, options.limit),
  });
  const results: IndexItem[] = [];
  let total: number | null = null;
  for await (const page of query.pages()) {
    total ??= page.total;
    results.push(...page.results.slice(0, options.limit - results.length));
    if (results.length >= options.limit) break;
  }

  if (options.json === true) {
    out(JSON.stringify({ total, results }, null, 2));
    return;
  }
  for (const item of results) out(`${item.uuid}  ${item.name}  ${JSON.stringify(item.clientMetadata)}`);
  out(`${results.length} of ${total ?? '?'} matching items`);
}

async function runFacets(keys: string[], options: FacetsOptions): Promise<void> {
  const client = await connect(options);
  const schema = await client.metadataSchema();
  const facets = keys.map((key) => {
    const type = schema.getKeyType(key);
    const histogram = key === '$created' || key === '$edited' || type === 'number' || type === 'datetime';
    return histogram ? { key, histogram: { buckets: options.buckets } } : { key, top: options.top };
  });
  const answer = await client.facets(facets, options.filter === undefined ? {} : { filter: options.filter });
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
  const query = withConnectionOptions(
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
  )
    .addHelpText(
      'after',
      `
Examples:
  $ metaindex query 'weather = "rain" and speed >= 10' --sort -speed --limit 5
  $ metaindex query '$name startswith "cam1/"' --folder <folder-uuid> --json
${CONNECTION_HELP}`,
    )
    .action(runQuery);

  const facets = withConnectionOptions(
    new Command('facets')
      .description('value counts (enum, boolean, varchar) and histograms (number, datetime) of keys')
      .argument('<keys...>', 'metadata keys, or $type, $created, $edited')
      .option('--filter <filter>', 'only count the items matching this filter')
      .addOption(new Option('--top <n>', 'most frequent values to show').argParser(parseCount).default(10))
      .addOption(new Option('--buckets <n>', 'histogram buckets').argParser(parseCount).default(10))
      .option('--json', 'print the answer as JSON'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ metaindex facets weather lens --top 5
  $ metaindex facets speed captured_at --filter 'night = true' --buckets 20
${CONNECTION_HELP}`,
    )
    .action(runFacets);
  return [query, facets];
}
