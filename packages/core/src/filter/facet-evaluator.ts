/**
 * Facets in memory: the reference every engine's facet SQL is tested against. Value
 * counts rank by count (most first), ties by value in the field's order; histograms
 * have equal-width buckets over [min, max] of the values, bucket i holding
 * edges[i] <= v < edges[i + 1] and the last one also v = max.
 */
import type { FieldDomain } from './filter-binding.js';
import { compareFieldValues, type PresentValue } from './filter-evaluator.js';

export interface ValueCount {
  value: PresentValue;
  count: number;
}

export interface HistogramBucket {
  from: number;
  to: number;
  count: number;
}

/** The edges of `buckets` equal-width buckets over [min, max]; two edges when min = max. */
export function histogramEdges(min: number, max: number, buckets: number): number[] {
  if (min === max) return [min, max];
  const width = (max - min) / buckets;
  const edges = Array.from({ length: buckets }, (_, i) => min + i * width);
  edges.push(max);
  return edges;
}

/** The `top` most frequent values (missing values are not counted). */
export function countValues(
  values: readonly (PresentValue | null)[],
  domain: FieldDomain,
  top: number,
): ValueCount[] {
  const counts = new Map<PresentValue, number>();
  for (const value of values) if (value !== null) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || compareFieldValues(domain, a.value, b.value))
    .slice(0, top);
}

/** An equal-width histogram of the present values; empty when there are none. */
export function histogram(values: readonly (number | null)[], buckets: number): HistogramBucket[] {
  const present = values.filter((v): v is number => v !== null);
  if (present.length === 0) return [];
  let min = Infinity;
  let max = -Infinity;
  for (const v of present) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const edges = histogramEdges(min, max, buckets);
  if (edges.length === 2) return [{ from: min, to: max, count: present.length }];
  const result = edges.slice(0, -1).map((from, i) => ({ from, to: edges[i + 1] as number, count: 0 }));
  for (const v of present) {
    // The last edge a value reaches (binary search over the inner edges).
    let lo = 0;
    let hi = result.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (v >= (edges[mid] as number)) lo = mid;
      else hi = mid - 1;
    }
    (result[lo] as HistogramBucket).count++;
  }
  return result;
}
