import { InvalidArgumentError, type MetadataProblem, type MetadataValidator } from '@metaindex/core';

/** The problems of one item's clientMetadata. */
export interface ItemProblems {
  item: string;
  problems: MetadataProblem[];
}

/**
 * Validates one item's new clientMetadata and returns its JSON text, or records its
 * problems in `bad` (so a bulk request can report every bad item at once).
 */
export function checkItemMetadata(
  validator: MetadataValidator,
  item: string,
  metadata: unknown,
  bad: ItemProblems[],
): string | undefined {
  const result = validator.validate(metadata);
  if (!result.ok) {
    bad.push({ item, problems: result.problems });
    return undefined;
  }
  return JSON.stringify(metadata);
}

/** The 400 for a request with bad clientMetadata: every bad item, key and rule; nothing was written. */
export function metadataRejection(bad: readonly ItemProblems[]): InvalidArgumentError {
  const shown = bad.slice(0, 20).map(({ item, problems }) => {
    const details = problems.map((p) => `${p.message} [${p.rule}]`).join('; ');
    return `item ${item}: ${details}`;
  });
  const more = bad.length > 20 ? `; … and ${bad.length - 20} more items (see details)` : '';
  const count = bad.length === 1 ? '1 item has' : `${bad.length} items have`;
  return new InvalidArgumentError(
    `clientMetadata rejected, nothing was written: ${count} invalid metadata: ${shown.join(' | ')}${more}`,
    {
      items: bad,
    },
  );
}
