/**
 * Bundles collect item patches and send them in `PATCH storage/items/patch-bulk` requests.
 */
import { InvalidArgumentsError } from './errors.js';
import type { StorageItemPatch, StorageItemWire } from './storage.js';
import type { Page, Transport } from './transport.js';

export interface BundleOptions {
  /** Items per request: default 1,000, at most 10,000 (the server's limit). */
  size?: number;
}

/** The Encord SDK's storage bundle size. */
export const DEFAULT_BUNDLE_SIZE = 1000;
/** The most item patches metaindex accepts in one patch-bulk request. */
export const MAX_BUNDLE_SIZE = 10_000;

/** One item's queued patch: every field queued for it so far, merged. */
interface QueuedPatch {
  uuid: string;
  patch: StorageItemPatch;
  /** Who gets the patched item back (the StorageItem objects that queued it), one callback each. */
  receivers: Map<object, (item: StorageItemWire) => void>;
}

type Queue = Map<Transport, Map<string, QueuedPatch>>;

function mergeInto(queue: Queue, transport: Transport, entry: QueuedPatch): void {
  let group = queue.get(transport);
  if (group === undefined) {
    group = new Map();
    queue.set(transport, group);
  }
  const held = group.get(entry.uuid);
  if (held === undefined) {
    group.set(entry.uuid, {
      uuid: entry.uuid,
      patch: { ...entry.patch },
      receivers: new Map(entry.receivers),
    });
    return;
  }
  // Field by field: a later value of a field replaces the earlier one; other fields stay.
  Object.assign(held.patch, entry.patch);
  for (const [owner, receive] of entry.receivers) held.receivers.set(owner, receive);
}

/**
 * Collects item updates (`item.update(changes, { bundle })`) and sends them together with
 * `execute()`, or through `userClient.withBundle(work)`.
 *
 * - Requests carry at most `size` distinct items each and are sent one after another.
 *   Patches made through different clients go in separate requests.
 * - Several patches of one item merge field by field: `update({ name })` then
 *   `update({ clientMetadata })` sends both fields; for the same field the later value
 *   wins. (The Python SDK keeps only the last patch of an item in a request.)
 * - Each item the server answers is routed back to the `StorageItem` objects that queued
 *   it, which then hold the server's state.
 * - When a request fails, `execute()` throws its error. Requests already answered are
 *   committed (each is all or nothing on the server) and leave the bundle; the failed one
 *   and those after it stay queued, so calling `execute()` again sends only those.
 */
export class Bundle {
  /** Items per request. */
  readonly size: number;
  #queue: Queue = new Map();

  constructor(options: BundleOptions = {}) {
    const size = options.size ?? DEFAULT_BUNDLE_SIZE;
    if (!Number.isInteger(size) || size < 1 || size > MAX_BUNDLE_SIZE) {
      throw new InvalidArgumentsError(
        `A bundle sends 1 to ${MAX_BUNDLE_SIZE} item patches per request; size ${String(size)} is not allowed.`,
      );
    }
    this.size = size;
  }

  /** How many distinct items have patches waiting to be sent. */
  get pendingCount(): number {
    let count = 0;
    for (const group of this.#queue.values()) count += group.size;
    return count;
  }

  /**
   * Queues a patch of one item (used by `StorageItem.update`; not needed in user code).
   * `owner` is the object `receive` belongs to: an owner queueing the same item twice is
   * called back once.
   * @internal
   */
  queueItemPatch(
    transport: Transport,
    uuid: string,
    patch: StorageItemPatch,
    owner: object,
    receive: (item: StorageItemWire) => void,
  ): void {
    mergeInto(this.#queue, transport, {
      uuid: uuid.toLowerCase(),
      patch,
      receivers: new Map([[owner, receive]]),
    });
  }

  /** Sends every queued patch; see the class notes for chunking and failures. */
  async execute(options: { signal?: AbortSignal } = {}): Promise<void> {
    const taken = this.#queue;
    this.#queue = new Map();
    try {
      for (const [transport, group] of taken) {
        const entries = [...group.values()];
        for (let start = 0; start < entries.length; start += this.size) {
          const chunk = entries.slice(start, start + this.size);
          const itemPatches: Record<string, StorageItemPatch> = {};
          for (const entry of chunk) itemPatches[entry.uuid] = entry.patch;
          const page = await transport.call<Page<StorageItemWire>>('PATCH', 'storage/items/patch-bulk', {
            body: { itemPatches },
            signal: options.signal,
          });
          for (const entry of chunk) group.delete(entry.uuid);
          const sent = new Map(chunk.map((entry) => [entry.uuid, entry]));
          for (const item of page.results) {
            const entry = sent.get(item.uuid.toLowerCase());
            if (entry === undefined) continue;
            for (const receive of entry.receivers.values()) receive(item);
          }
        }
        taken.delete(transport);
      }
    } catch (error) {
      // What was not sent goes back first; anything queued meanwhile merges on top of it.
      const queuedMeanwhile = this.#queue;
      this.#queue = taken;
      for (const [transport, group] of queuedMeanwhile) {
        for (const entry of group.values()) mergeInto(this.#queue, transport, entry);
      }
      throw error;
    }
  }
}
