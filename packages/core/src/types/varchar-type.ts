import { STRING_OPERATORS } from '../filter/operators.js';
import { jsonKind, ValueProblem, type MetadataType } from './metadata-type.js';
import { codePointLength, exceedsCodePoints } from './string-length.js';

export interface VarcharParams {
  /** In code points; 8,192 unless a legacy strict entry says less. */
  maxLength: number;
}

/** A short string (names, labels, ids). `string` is its legacy alias. */
export const varcharType: MetadataType<VarcharParams> = {
  name: 'varchar',
  aliases: ['string'],
  operators: STRING_OPERATORS,
  indexKind: 'string',
  describe: ({ maxLength }) => `a string of at most ${maxLength} characters`,
  compile:
    ({ maxLength }) =>
    (value) => {
      if (typeof value !== 'string') {
        return new ValueProblem('varchar.type', `expected a string, got ${jsonKind(value)}`);
      }
      if (exceedsCodePoints(value, maxLength)) {
        return new ValueProblem(
          'varchar.max_length',
          `expected at most ${maxLength} characters, got a string of ${codePointLength(value)}`,
        );
      }
      return value;
    },
};
