export { FileBlobStore } from './blob-store.js';
export type { BlobPutOptions, BlobPutResult, BlobStat } from './blob-store.js';
export { BLOB_PATH_PREFIX, createUrlSigner, MIN_SECRET_BYTES } from './signed-url.js';
export type {
  BlobUrlMethod,
  SignedUrlFailureReason,
  SignedUrlVerifyResult,
  UrlSigner,
  UrlSignerOptions,
} from './signed-url.js';
