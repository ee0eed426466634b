import { KEYFRAMES_KEY } from '../schema/key-name.js';
import type { SchemaMap } from '../schema/schema-types.js';
import { jsonKind, showValue, ValueProblem, type ValueChecker } from '../types/metadata-type.js';
import { resolveKeyType } from '../types/type-registry.js';

/** One problem in a `clientMetadata` object: which key, which rule, and what is wrong. */
export interface MetadataProblem {
  key: string;
  rule: string;
  message: string;
}

export interface MetadataValidation {
  ok: boolean;
  /** Every problem in the document, not just the first. */
  problems: MetadataProblem[];
  /**
   * Normalised values of the live typed keys present (datetimes as epoch ms, uuids
   * lowercase, …), for the index. The document itself is stored exactly as written.
   */
  typed: Map<string, unknown>;
}

export interface MetadataValidatorOptions {
  /** Reject keys the schema does not define (default: keep them, untyped). */
  strict?: boolean;
}

export interface MetadataValidator {
  readonly strict: boolean;
  validate(document: unknown): MetadataValidation;
}

// Keys deleted from the schema: their values are kept but neither checked nor indexed.
const DELETED = Symbol('deleted');

function checkKeyframes(value: unknown): ValueProblem | undefined {
  if (!Array.isArray(value)) {
    return new ValueProblem(
      'keyframes.format',
      `"keyframes" must be an array of distinct non-negative integers (frame numbers), got ${jsonKind(value)}`,
    );
  }
  const seen = new Set<number>();
  for (let i = 0; i < value.length; i++) {
    const frame: unknown = value[i];
    if (!Number.isSafeInteger(frame) || (frame as number) < 0) {
      return new ValueProblem(
        'keyframes.format',
        `"keyframes" must hold non-negative integers (frame numbers), but element ${i} is ${showValue(frame)}`,
      );
    }
    if (seen.has(frame as number)) {
      return new ValueProblem('keyframes.distinct', `"keyframes" repeats frame ${String(frame)}`);
    }
    seen.add(frame as number);
  }
  return undefined;
}

const problem = (key: string, p: ValueProblem): MetadataProblem => ({
  key,
  rule: p.rule,
  message: `key ${JSON.stringify(key)}: ${p.message}`,
});

/**
 * Compiles the checks for one schema version: every live key gets its type's
 * checker once, so validating a document is a map lookup and a check per key.
 */
export function compileMetadataValidator(
  schema: SchemaMap,
  options: MetadataValidatorOptions = {},
): MetadataValidator {
  const strict = options.strict === true;
  const checkers = new Map<string, ValueChecker | typeof DELETED>();
  for (const [key, t] of schema) checkers.set(key, t.ty === 'tombstone' ? DELETED : resolveKeyType(t).check);

  return {
    strict,
    validate(document: unknown): MetadataValidation {
      const problems: MetadataProblem[] = [];
      const typed = new Map<string, unknown>();
      if (typeof document !== 'object' || document === null || Array.isArray(document)) {
        problems.push({
          key: '',
          rule: 'metadata.object',
          message: `clientMetadata must be a JSON object, got ${jsonKind(document)}`,
        });
        return { ok: false, problems, typed };
      }
      const doc = document as Record<string, unknown>;
      for (const key in doc) {
        const value = doc[key];
        // null means "no value" for every key: kept, never an error, never indexed.
        if (value === null) continue;
        const check = checkers.get(key);
        if (check === undefined) {
          if (key === KEYFRAMES_KEY) {
            const p = checkKeyframes(value);
            if (p !== undefined) problems.push(problem(key, p));
          } else if (strict) {
            problems.push({
              key,
              rule: 'schema.unknown_key',
              message: `key ${JSON.stringify(key)} is not in the metadata schema (strict mode)`,
            });
          }
          continue;
        }
        if (check === DELETED) continue;
        const result = check(value);
        if (result instanceof ValueProblem) problems.push(problem(key, result));
        else typed.set(key, result);
      }
      return { ok: problems.length === 0, problems, typed };
    },
  };
}
