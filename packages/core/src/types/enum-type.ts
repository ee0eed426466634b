import { ORDERED_OPERATORS } from '../filter/operators.js';
import { jsonKind, showValue, ValueProblem, type MetadataType } from './metadata-type.js';

export interface EnumParams {
  options: readonly string[];
}

function listOptions(options: readonly string[]): string {
  const shown = options.slice(0, 10).map((o) => JSON.stringify(o));
  return options.length > 10 ? `${shown.join(', ')}, … (${options.length} in all)` : shown.join(', ');
}

/** One of the key's options, matched exactly (case-sensitive). */
export const enumType: MetadataType<EnumParams> = {
  name: 'enum',
  aliases: [],
  operators: ORDERED_OPERATORS,
  indexKind: 'string',
  describe: ({ options }) => `one of ${listOptions(options)}`,
  compile: ({ options }) => {
    const allowed = new Set(options);
    return (value) => {
      if (typeof value !== 'string') {
        return new ValueProblem('enum.type', `expected one of the enum options, got ${jsonKind(value)}`);
      }
      return allowed.has(value)
        ? value
        : new ValueProblem(
            'enum.option',
            `${showValue(value)} is not an option of this enum (options: ${listOptions(options)})`,
          );
    };
  },
};
