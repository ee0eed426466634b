import { jsonKind, ValueProblem, type MetadataType } from './metadata-type.js';

export interface EmbeddingParams {
  size: number;
}

/** A vector of exactly `size` finite numbers; searched by similarity, not by filter operators. */
export const embeddingType: MetadataType<EmbeddingParams> = {
  name: 'embedding',
  aliases: [],
  operators: ['exists'],
  indexKind: 'vector',
  describe: ({ size }) => `an array of ${size} finite numbers`,
  compile:
    ({ size }) =>
    (value) => {
      if (!Array.isArray(value)) {
        return new ValueProblem(
          'embedding.type',
          `expected an array of ${size} numbers, got ${jsonKind(value)}`,
        );
      }
      if (value.length !== size) {
        return new ValueProblem('embedding.size', `expected ${size} numbers, got ${value.length}`);
      }
      for (let i = 0; i < value.length; i++) {
        const x: unknown = value[i];
        if (typeof x !== 'number' || !Number.isFinite(x)) {
          return new ValueProblem(
            'embedding.element',
            `element ${i} must be a finite number, got ${typeof x === 'number' ? String(x) : jsonKind(x)}`,
          );
        }
      }
      return value as unknown;
    },
};
