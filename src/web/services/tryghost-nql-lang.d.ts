/** Types for @tryghost/nql-lang (plain JavaScript): what content-api-filter.ts uses of it. */
declare module '@tryghost/nql-lang' {
  /** A value as the grammar gives it: numbers by parseInt, `~` operators as case-insensitive RegExps. */
  export type NqlValue = string | number | boolean | null | RegExp;
  /** Mongo-style JSON: `{$and: [...]}`, `{$or: [...]}`, or `{field: value | {$op: value}}`. */
  export type NqlQuery = Readonly<Record<string, unknown>>;
  /** Throws an Error whose message starts with "Query Error:" and points at the character. */
  export function parse(input: string, options?: { aliases?: Readonly<Record<string, string>> }): NqlQuery;
}
