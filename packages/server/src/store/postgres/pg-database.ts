/**
 * A PostgreSQL connection pool with the one helper every engine method uses:
 * `tx(work)` runs `work` in one transaction on one pooled connection, commits, and
 * runs it again from the start when PostgreSQL reports a serialization failure or a
 * deadlock (another process touched the same rows), so callers see a method happen
 * whole or not at all, exactly as on SQLite.
 */
import pg from 'pg';

export type PgClient = pg.PoolClient;
export type PgRow = Record<string, unknown>;

/**
 * bigint (int8) columns and count(*) arrive as numbers: every integer metaindex
 * stores (sizes, counts, epoch milliseconds) is far below 2^53.
 */
const types = new pg.TypeOverrides();
types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

/** SQLSTATEs after which a transaction may simply be run again. */
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 8;

export interface PgDatabaseOptions {
  /** A `postgres://` connection string. */
  url: string;
  /** Most connections this process opens (default 10). */
  maxConnections?: number;
}

export class PgDatabase {
  readonly pool: pg.Pool;

  constructor(options: PgDatabaseOptions) {
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.maxConnections ?? 10,
      types,
      // One idle connection dropped by the server must not take the process down.
      allowExitOnIdle: true,
    });
    this.pool.on('error', () => undefined);
  }

  /** Runs `work` in one READ COMMITTED transaction (retried on serialization failures). */
  async tx<T>(work: (client: PgClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true;
        }
        if (attempt < MAX_ATTEMPTS && RETRYABLE.has(sqlState(error))) {
          await delay(Math.min(200, 5 * 2 ** attempt) * Math.random());
          continue;
        }
        throw error;
      } finally {
        client.release(broken);
      }
    }
  }

  /** A read that needs no transaction (one statement sees one snapshot). */
  async query<R extends PgRow = PgRow>(text: string, params: readonly unknown[] = []): Promise<R[]> {
    const result = await this.pool.query<R>(text, params as unknown[]);
    return result.rows;
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/** Runs one statement on a client and returns its rows. */
export async function rows<R extends PgRow = PgRow>(
  client: PgClient,
  text: string,
  params: readonly unknown[] = [],
): Promise<R[]> {
  const result = await client.query<R>(text, params as unknown[]);
  return result.rows;
}

export function sqlState(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : '';
}

export const isUniqueViolation = (error: unknown): boolean => sqlState(error) === '23505';
export const isForeignKeyViolation = (error: unknown): boolean => sqlState(error) === '23503';

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
