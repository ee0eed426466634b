import { ORDERED_OPERATORS } from '../filter/operators.js';
import { jsonKind, showValue, ValueProblem, type MetadataType } from './metadata-type.js';

export interface NumberParams {
  /** Legacy strict kinds may be 32-bit; variant numbers are always F64. */
  format: 'F32' | 'F64';
}

const F32_MAX = 3.4028234663852886e38;

/** A finite JSON number (floats allowed). NaN and ±Infinity cannot travel as JSON anyway. */
export const numberType: MetadataType<NumberParams> = {
  name: 'number',
  aliases: [],
  operators: ORDERED_OPERATORS,
  indexKind: 'number',
  describe: ({ format }) => (format === 'F32' ? 'a finite 32-bit float' : 'a finite number'),
  compile: ({ format }) => {
    const limit = format === 'F32' ? F32_MAX : Number.MAX_VALUE;
    return (value) => {
      if (typeof value !== 'number') {
        return new ValueProblem('number.type', `expected a number, got ${jsonKind(value)}`);
      }
      if (!Number.isFinite(value) || Math.abs(value) > limit) {
        return new ValueProblem(
          'number.finite',
          `expected a finite ${format === 'F32' ? '32-bit ' : ''}number, got ${showValue(value)}`,
        );
      }
      return value;
    };
  },
};
