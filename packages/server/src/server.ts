/**
 * Starting metaindex: on the embedded default, a data directory holding a SQLite
 * database (WAL) and uploaded blobs; with `db`, the same on PostgreSQL.
 */
import type { FastifyInstance } from 'fastify';
import { createUrlSigner, FileBlobStore, type UrlSigner } from './blobs/index.js';
import { adminInstructions, ensureAdmin } from './bootstrap.js';
import { ensureDataDir, loadOrCreateSecret, resolveDataDir } from './data-dir.js';
import { buildApp, type AppServices } from './http/app.js';
import { AuthService } from './services/auth-service.js';
import { DatasetService } from './services/dataset-service.js';
import { EngineQueryService } from './services/query-service.js';
import { CollectionService } from './services/collection-service.js';
import { CurationService } from './services/curation-service.js';
import { PresetService } from './services/preset-service.js';
import { ProjectService } from './services/project-service.js';
import { SchemaService } from './services/schema-service.js';
import { StorageService } from './services/storage-service.js';
import { UploadService } from './services/upload-service.js';
import type { Engine } from './store/engine.js';
import { openEngine } from './store/open-engine.js';

export interface ServerOptions {
  dataDir: string;
  host: string;
  port: number;
  adminPublicKeyFile?: string;
  log?: (line: string) => void;
  /** Largest uploaded file, in bytes (default 5 GiB). */
  maxBlobBytes?: number;
  /**
   * The URL clients reach this server at, for the signed upload/download URLs it
   * hands out (set it behind a proxy or load balancer); default: the listen address.
   */
  publicUrl?: string;
  /** Largest JSON request body, in bytes (default 128 MiB). */
  bodyLimit?: number;
  /**
   * A `postgres://` URL to keep everything in PostgreSQL instead of the data
   * directory's SQLite file; the data directory still holds blobs and the URL-signing
   * secret, so servers sharing a database share that directory too.
   */
  db?: string;
}

export interface RunningServer {
  url: string;
  app: FastifyInstance;
  engine: Engine;
  services: AppServices;
  close(): Promise<void>;
}

const DEFAULT_MAX_BLOB_BYTES = 5 * 1024 ** 3;

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const log = options.log ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const paths = resolveDataDir(options.dataDir);
  await ensureDataDir(options.dataDir);
  const secret = await loadOrCreateSecret(paths.secretPath);
  const engine = await openEngine({ sqlitePath: paths.databasePath, db: options.db });
  try {
    const admin = await ensureAdmin(engine, {
      paths,
      ...(options.adminPublicKeyFile === undefined ? {} : { adminPublicKeyFile: options.adminPublicKeyFile }),
    });

    const signer = deferredUrlSigner(secret, options.publicUrl);
    const schemas = new SchemaService(engine);
    const storage = new StorageService(engine, schemas);
    const datasets = new DatasetService(engine, storage);
    const query = new EngineQueryService(engine);
    const presets = new PresetService(engine, schemas);
    const projects = new ProjectService(engine, datasets);
    const collections = new CollectionService(engine, presets, query);
    const services: AppServices = {
      auth: new AuthService(engine, secret),
      schemas,
      storage,
      datasets,
      projects,
      query,
      presets,
      collections,
      curation: new CurationService(engine, { collections, presets, datasets, projects }),
      uploads: new UploadService(engine, schemas, new FileBlobStore(paths.blobsDir), signer, {
        maxBlobBytes: options.maxBlobBytes ?? DEFAULT_MAX_BLOB_BYTES,
      }),
    };
    const app = await buildApp({
      services,
      ...(options.bodyLimit === undefined ? {} : { bodyLimit: options.bodyLimit }),
    });
    const address = await app.listen({ host: options.host, port: options.port });
    signer.listeningOn(address);
    if (admin.created) {
      log(`metaindex: ${admin.email} is the organisation admin (key ${admin.publicKeyHex.slice(0, 16)}…)`);
      if (admin.generatedKeyPath !== undefined) {
        log(
          adminInstructions({
            url: address,
            privateKeyPath: admin.generatedKeyPath,
            publicKeyHex: admin.publicKeyHex,
          }),
        );
      }
    }
    return {
      url: address,
      app,
      engine,
      services,
      async close() {
        await app.close();
        await services.uploads.drain();
        await services.collections.drain();
        await services.curation.drain();
        await engine.close();
      },
    };
  } catch (error) {
    await engine.close();
    throw error;
  }
}

/**
 * A URL signer whose base URL is the configured public URL or, failing that, the
 * listen address, which is known only once the server listens (port 0 picks a free
 * port). No URL can be handed out before that: requests arrive only after listen.
 */
function deferredUrlSigner(
  secret: Uint8Array,
  publicUrl: string | undefined,
): UrlSigner & { listeningOn(url: string): void } {
  let inner: UrlSigner | undefined =
    publicUrl === undefined ? undefined : createUrlSigner({ secret, baseUrl: publicUrl });
  const ready = (): UrlSigner => {
    if (inner === undefined) throw new Error('the server is not listening yet');
    return inner;
  };
  return {
    uploadUrl: (key, ttl) => ready().uploadUrl(key, ttl),
    downloadUrl: (key, ttl) => ready().downloadUrl(key, ttl),
    verify: (method, target) => ready().verify(method, target),
    listeningOn(url) {
      inner ??= createUrlSigner({ secret, baseUrl: url });
    },
  };
}
