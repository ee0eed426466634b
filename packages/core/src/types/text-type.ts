import { STRING_OPERATORS } from '../filter/operators.js';
import { jsonKind, ValueProblem, type MetadataType } from './metadata-type.js';
import { codePointLength, exceedsCodePoints } from './string-length.js';

/**
 * The longest text value metaindex stores: 1,048,576 code points (an hour-long
 * transcript is about 60,000). Whole documents are bounded by the request body limit.
 */
export const TEXT_MAX_LENGTH = 1_048_576;

/** Long free text (transcripts, captions), searched with `matches`. `long_string` is its legacy alias. */
export const textType: MetadataType = {
  name: 'text',
  aliases: ['long_string'],
  operators: STRING_OPERATORS,
  indexKind: 'fulltext',
  describe: () => `a string of at most ${TEXT_MAX_LENGTH} characters`,
  compile: () => (value) => {
    if (typeof value !== 'string') {
      return new ValueProblem('text.type', `expected a string, got ${jsonKind(value)}`);
    }
    if (exceedsCodePoints(value, TEXT_MAX_LENGTH)) {
      return new ValueProblem(
        'text.max_length',
        `expected at most ${TEXT_MAX_LENGTH} characters, got a string of ${codePointLength(value)}`,
      );
    }
    return value;
  },
};
