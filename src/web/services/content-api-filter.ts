/**
 * The Content API's `filter`: a subset of Ghost's NQL. The text is parsed by @tryghost/nql-lang
 * (Ghost's own grammar, so operators, quoting, escapes and relative dates such as `now-7d` read as
 * they do on Ghost) into Mongo-style JSON; that is checked against the fields each resource can
 * be filtered by here and turned into one SQL condition with every value bound. Anything outside
 * the subset is a 400 naming the field or operator and what is supported, never a silent
 * "no filter".
 *
 * Supported: `field:value` (equal), `field:-value` (not), `field:[a,b]` and `field:-[a,b]` (in,
 * not in), `>`, `>=`, `<`, `<=` on ids and dates, `~`, `~^`, `~$` (contains, starts, ends with;
 * case-insensitive) on text, `null` where a field can be empty, `tag:[a+b]` (every one of these
 * tags), `+` (and), `,` (or) and parentheses.
 */
import { parse, type NqlQuery } from '@tryghost/nql-lang';
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { ContentApiError } from './content-api-errors.js';

export type ContentResource = 'posts' | 'pages' | 'tags' | 'authors';

/** A filter as SQL, on the resource's table (`post`, `tag` or `user`). */
export type FilterCondition = RawBuilder<SqlBool>;

type Scalar = string | number | boolean | null;

type Field =
  /** Text compared as given: `=`, `!=`, in, not in, contains / starts / ends with. */
  | { readonly kind: 'text'; readonly sql: RawBuilder<unknown>; readonly nullable: boolean }
  /** Quire's numeric ids: equality, lists and ranges. */
  | { readonly kind: 'id'; readonly sql: RawBuilder<unknown> }
  /** UTC times: ranges and equality (to the second), ISO dates or NQL's relative `now-7d`. */
  | { readonly kind: 'date'; readonly sql: RawBuilder<unknown> }
  /** Only whether it is empty: `field:null`, `field:-null`. */
  | { readonly kind: 'presence'; readonly sql: RawBuilder<unknown> }
  /** A value every row of Quire has (no post is featured, everything public is `public`). */
  | { readonly kind: 'constant'; readonly value: string | boolean }
  /** Slugs of related rows: whether the row has one (or none, or all) of the given. */
  | {
      readonly kind: 'related';
      readonly exists: (slugCondition: RawBuilder<SqlBool>) => RawBuilder<SqlBool>;
      readonly slug: RawBuilder<unknown>;
    };

const postTags = (condition: RawBuilder<SqlBool>): RawBuilder<SqlBool> =>
  sql<SqlBool>`EXISTS (SELECT 1 FROM post_tag JOIN tag AS related_tag ON related_tag.id = post_tag.tag_id WHERE post_tag.post_id = post.id AND ${condition})`;
const postAuthor = (condition: RawBuilder<SqlBool>): RawBuilder<SqlBool> =>
  sql<SqlBool>`EXISTS (SELECT 1 FROM ${sql.table('user')} AS related_user WHERE related_user.id = post.author_id AND ${condition})`;

const tagsField: Field = { kind: 'related', exists: postTags, slug: sql.ref('related_tag.slug') };
const authorsField: Field = { kind: 'related', exists: postAuthor, slug: sql.ref('related_user.slug') };
/** Quire keeps no tag order: a post's primary tag is its first in the order its pages show them (by name). */
const primaryTagField: Field = {
  kind: 'text',
  nullable: true,
  sql: sql`(SELECT primary_tag.slug FROM post_tag JOIN tag AS primary_tag ON primary_tag.id = post_tag.tag_id WHERE post_tag.post_id = post.id ORDER BY primary_tag.name, primary_tag.id LIMIT 1)`,
};

const POST_FIELDS: Readonly<Record<string, Field>> = {
  id: { kind: 'id', sql: sql.ref('post.id') },
  slug: { kind: 'text', sql: sql.ref('post.slug'), nullable: false },
  title: { kind: 'text', sql: sql.ref('post.title'), nullable: false },
  published_at: { kind: 'date', sql: sql.ref('post.published_at') },
  updated_at: { kind: 'date', sql: sql.ref('post.updated_at') },
  created_at: { kind: 'date', sql: sql.ref('post.created_at') },
  feature_image: { kind: 'presence', sql: sql.ref('post.cover_image') },
  featured: { kind: 'constant', value: false },
  visibility: { kind: 'constant', value: 'public' },
  // Ghost's names for the same relations: `tag:x` is `tags.slug:x`, a post's one author its primary one.
  tag: tagsField,
  tags: tagsField,
  'tags.slug': tagsField,
  author: authorsField,
  authors: authorsField,
  'authors.slug': authorsField,
  primary_author: authorsField,
  'primary_author.slug': authorsField,
  primary_tag: primaryTagField,
  'primary_tag.slug': primaryTagField,
};

const FIELDS: Readonly<Record<ContentResource, Readonly<Record<string, Field>>>> = {
  posts: POST_FIELDS,
  pages: POST_FIELDS,
  tags: {
    id: { kind: 'id', sql: sql.ref('tag.id') },
    slug: { kind: 'text', sql: sql.ref('tag.slug'), nullable: false },
    name: { kind: 'text', sql: sql.ref('tag.name'), nullable: false },
    visibility: { kind: 'constant', value: 'public' },
  },
  authors: {
    id: { kind: 'id', sql: sql.ref('user.id') },
    slug: { kind: 'text', sql: sql.ref('user.slug'), nullable: false },
    name: { kind: 'text', sql: sql.ref('user.name'), nullable: false },
  },
};

/** The longest filter accepted: far more than any real one, and a bound on the SQL it makes. */
export const MAX_FILTER_LENGTH = 2000;

/** The field names `resource` can be filtered by (for messages and the README). */
export function filterFields(resource: ContentResource): string[] {
  return Object.keys(FIELDS[resource]);
}

/** `filter` as a condition on `resource`'s rows; a ContentApiError (400) when outside the subset. */
export function parseFilter(resource: ContentResource, filter: string): FilterCondition {
  if (filter.length > MAX_FILTER_LENGTH) {
    throw badFilter(`the filter has ${filter.length} characters; at most ${MAX_FILTER_LENGTH} are accepted`);
  }
  let query: NqlQuery;
  try {
    query = parse(filter);
  } catch (error) {
    throw new ContentApiError('BadRequestError', 'Error parsing filter', {
      context: error instanceof Error ? error.message : String(error),
    });
  }
  return condition(resource, query);
}

function badFilter(context: string): ContentApiError {
  return new ContentApiError('BadRequestError', 'Unsupported filter', {
    context,
    code: 'UNSUPPORTED_FILTER',
  });
}

function condition(resource: ContentResource, query: NqlQuery): FilterCondition {
  const entries = Object.entries(query);
  const [entry] = entries;
  if (entry === undefined || entries.length !== 1) throw badFilter('an empty group is not a filter');
  const [key, value] = entry;
  if (key === '$and' || key === '$or') {
    const parts = (value as NqlQuery[]).map((part) => condition(resource, part));
    return sql<SqlBool>`(${sql.join(parts, key === '$and' ? sql` AND ` : sql` OR `)})`;
  }
  const field = FIELDS[resource][key];
  if (field === undefined) {
    throw badFilter(
      `${resource} cannot be filtered by "${key}" here; the fields are: ${filterFields(resource).join(', ')}`,
    );
  }
  const [operator, operand] = operation(value);
  return fieldCondition(resource, key, field, operator, operand);
}

type Operator = '$eq' | '$ne' | '$gt' | '$gte' | '$lt' | '$lte' | '$in' | '$nin' | '$all' | '$regex' | '$not';

/** The operator and operand of a field's value: a bare value is equality. */
function operation(value: unknown): [Operator, unknown] {
  if (value === null || typeof value !== 'object' || value instanceof RegExp) return ['$eq', value];
  const [entry] = Object.entries(value);
  if (entry === undefined) throw badFilter('a field needs a value');
  return entry as [Operator, unknown];
}

const COMPARISONS: Partial<Record<Operator, string>> = {
  $eq: '=',
  $ne: '<>',
  $gt: '>',
  $gte: '>=',
  $lt: '<',
  $lte: '<=',
};

function fieldCondition(
  resource: ContentResource,
  name: string,
  field: Field,
  operator: Operator,
  operand: unknown,
): FilterCondition {
  const unsupported = (what: string): ContentApiError =>
    badFilter(`"${name}" of ${resource} does not take ${what} here`);
  switch (field.kind) {
    case 'constant': {
      const values = listOperand(operator, operand);
      if (values === undefined) throw unsupported(describe(operator));
      for (const value of values) {
        if (typeof value !== typeof field.value)
          throw badFilter(`"${name}" is ${JSON.stringify(field.value)} here; got ${JSON.stringify(value)}`);
      }
      const matches = values.includes(field.value);
      const holds = operator === '$eq' || operator === '$in' ? matches : !matches;
      return holds ? sql<SqlBool>`TRUE` : sql<SqlBool>`FALSE`;
    }
    case 'presence':
      if (operand !== null || (operator !== '$eq' && operator !== '$ne')) {
        throw badFilter(
          `"${name}" of ${resource} can only be compared with null here (${name}:null, ${name}:-null)`,
        );
      }
      return operator === '$eq' ? sql<SqlBool>`${field.sql} IS NULL` : sql<SqlBool>`${field.sql} IS NOT NULL`;
    case 'related': {
      if (operator === '$all') {
        const slugs = texts(name, operand);
        return sql<SqlBool>`(${sql.join(
          slugs.map((slug) => field.exists(sql<SqlBool>`${field.slug} = ${slug}`)),
          sql` AND `,
        )})`;
      }
      const values = listOperand(operator, operand);
      if (values === undefined) throw unsupported(describe(operator));
      const slugs = texts(name, values);
      const has = field.exists(sql<SqlBool>`${field.slug} IN (${sql.join(slugs)})`);
      return operator === '$eq' || operator === '$in' ? has : sql<SqlBool>`NOT ${has}`;
    }
    case 'text': {
      if (operator === '$regex' || operator === '$not') {
        if (!(operand instanceof RegExp)) throw unsupported(describe(operator));
        const like = sql<SqlBool>`${field.sql} LIKE ${likePattern(operand)}`;
        return operator === '$regex' ? like : sql<SqlBool>`NOT ${like}`;
      }
      if (operand === null && field.nullable && (operator === '$eq' || operator === '$ne')) {
        return operator === '$eq'
          ? sql<SqlBool>`${field.sql} IS NULL`
          : sql<SqlBool>`${field.sql} IS NOT NULL`;
      }
      const values = listOperand(operator, operand);
      if (values === undefined) throw unsupported(describe(operator));
      return membership(field.sql, operator, texts(name, values));
    }
    case 'id': {
      const comparison = COMPARISONS[operator];
      if (comparison !== undefined && operator !== '$eq' && operator !== '$ne') {
        return sql<SqlBool>`${field.sql} ${sql.raw(comparison)} ${id(name, operand)}`;
      }
      const values = listOperand(operator, operand);
      if (values === undefined) throw unsupported(describe(operator));
      return membership(
        field.sql,
        operator,
        values.map((value) => id(name, value)),
      );
    }
    case 'date': {
      const comparison = COMPARISONS[operator];
      if (comparison === undefined) throw unsupported(describe(operator));
      return sql<SqlBool>`${field.sql} ${sql.raw(comparison)} ${date(name, operand)}`;
    }
  }
}

/** The values of `=`, `!=`, in and not in (one for the first two), or undefined for other operators. */
function listOperand(operator: Operator, operand: unknown): Scalar[] | undefined {
  if (operator === '$eq' || operator === '$ne') return [operand as Scalar];
  if (operator === '$in' || operator === '$nin') return operand as Scalar[];
  return undefined;
}

function membership(
  column: RawBuilder<unknown>,
  operator: Operator,
  values: readonly unknown[],
): FilterCondition {
  const list = sql.join(values.map((value) => sql`${value}`));
  return operator === '$eq' || operator === '$in'
    ? sql<SqlBool>`${column} IN (${list})`
    : sql<SqlBool>`${column} NOT IN (${list})`;
}

function describe(operator: Operator): string {
  const names: Record<Operator, string> = {
    $eq: 'a value',
    $ne: 'a negated value (-)',
    $gt: '>',
    $gte: '>=',
    $lt: '<',
    $lte: '<=',
    $in: 'a list ([a,b])',
    $nin: 'a negated list (-[a,b])',
    $all: 'an all-of list ([a+b])',
    $regex: 'a text match (~, ~^, ~$)',
    $not: 'a negated text match (-~)',
  };
  return names[operator];
}

/** Text values; NQL reads `slug:2024` as a number, which is the text "2024" here. */
function texts(name: string, values: unknown): string[] {
  return (values as unknown[]).map((value) => {
    if (typeof value === 'string') return value;
    if (typeof value === 'number') return String(value);
    throw badFilter(`"${name}" takes text; got ${JSON.stringify(value)}`);
  });
}

function id(name: string, value: unknown): number {
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 0) {
    throw badFilter(`"${name}" is a whole number in Quire; got ${JSON.stringify(value)}`);
  }
  return number;
}

/** ISO dates and times, and NQL's relative dates (which it resolves to `YYYY-MM-DD HH:MM:SS` UTC). */
const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

function date(name: string, value: unknown): Date {
  const match = typeof value === 'string' ? DATE_PATTERN.exec(value) : null;
  if (match === null || typeof value !== 'string') {
    throw badFilter(
      `"${name}" takes a date such as '2024-05-01' or '2024-05-01 10:00:00' (UTC) or now-7d; got ${JSON.stringify(value)}`,
    );
  }
  // Without a zone it is UTC, as Ghost (and Quire's columns) read it.
  const iso = value.replace(' ', 'T');
  const parsed = new Date(match[1] === undefined ? `${iso.length === 10 ? `${iso}T00:00:00` : iso}Z` : iso);
  if (Number.isNaN(parsed.getTime())) throw badFilter(`"${name}": ${JSON.stringify(value)} is not a date`);
  return parsed;
}

/**
 * A LIKE pattern from the RegExp nql-lang makes of `~'text'`: it escapes the text's every
 * special character and adds `^` (starts with) or `$` (ends with), so an unescaped `^` or `$`
 * can only be those anchors.
 */
function likePattern(regex: RegExp): string {
  let source = regex.source;
  const startsWith = source.startsWith('^');
  if (startsWith) source = source.slice(1);
  const endsWith = /(?:^|[^\\])(?:\\\\)*\$$/.test(source);
  if (endsWith) source = source.slice(0, -1);
  const text = source.replace(/\\(.)/g, '$1');
  const escaped = text.replace(/[\\%_]/g, '\\$&');
  return `${startsWith ? '' : '%'}${escaped}${endsWith ? '' : '%'}`;
}
