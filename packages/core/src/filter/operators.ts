/** Every operator of the filter language; each metadata type declares which it supports. */
export const FILTER_OPERATORS = [
  'eq',
  'ne',
  'lt',
  'lte',
  'gt',
  'gte',
  'in',
  'nin',
  'between',
  'contains',
  'startswith',
  'matches',
  'exists',
] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

/** Equality, ordering and set membership: the operators of every ordered scalar type. */
export const ORDERED_OPERATORS: readonly FilterOperator[] = [
  'eq',
  'ne',
  'lt',
  'lte',
  'gt',
  'gte',
  'in',
  'nin',
  'between',
  'exists',
];

/** Ordered operators plus the string operators. */
export const STRING_OPERATORS: readonly FilterOperator[] = [
  ...ORDERED_OPERATORS,
  'contains',
  'startswith',
  'matches',
];
