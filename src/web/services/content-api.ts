/**
 * Ghost's Content API over Quire's data: the query options (`include`, `fields`, `formats`,
 * `limit`, `page`, `order`, `filter`), the reads (public posts and pages only, through the same
 * `isPublic` as the site's pages) and the mapping to Ghost's objects and `meta.pagination`.
 *
 * Where Quire has no equivalent of a Ghost field the field is there with the value Ghost gives an
 * empty one (null; `featured` false, `visibility` "public"), never made-up data. Derived, not
 * stored: `custom_excerpt` (the excerpt when it is not the automatic one), `reading_time`
 * (Ghost's formula), `plaintext`, `comment_id` (the post's id, as Ghost's default), the primary
 * tag (Quire keeps no tag order: the first by name, as the pages show them) and the primary author
 * (a Quire post has one author). Tags and authors are those with at least one public post or page,
 * as on Ghost.
 */
import { sql, type ExpressionBuilder, type RawBuilder, type SqlBool } from 'kysely';
import type { ReadOnlyKysely } from '../../db/index.js';
import type { PostKind, Tables } from '../tables.js';
import { ContentApiError } from './content-api-errors.js';
import { parseFilter, type ContentResource, type FilterCondition } from './content-api-filter.js';
import { plainExcerpt } from './markdown.js';
import { isPublic, type SiteSettings } from './public-content.js';

type Db = ReadOnlyKysely<Tables>;

/** What every response is made with: the site and where it is. */
export interface ContentApiSite {
  readonly publicUrl: URL;
  readonly settings: SiteSettings;
  /** The site icon's path. */
  readonly favicon: string;
  readonly now: Date;
}

/** The query options as they come (strings), for browse and read. */
export interface ContentApiQuery {
  readonly filter?: string | undefined;
  readonly include?: string | undefined;
  readonly fields?: string | undefined;
  readonly formats?: string | undefined;
  readonly limit?: string | undefined;
  readonly page?: string | undefined;
  readonly order?: string | undefined;
}

type Include = 'tags' | 'authors' | 'count.posts';
type Format = 'html' | 'plaintext';

interface Options {
  readonly include: ReadonlySet<Include>;
  readonly fields: readonly string[] | undefined;
  readonly formats: ReadonlySet<Format>;
}

interface BrowseOptions extends Options {
  readonly filter: FilterCondition | undefined;
  readonly limit: number | 'all';
  readonly page: number;
  readonly order: readonly RawBuilder<unknown>[];
}

const DEFAULT_LIMIT = 15;

const INCLUDES: Readonly<Record<ContentResource, readonly Include[]>> = {
  posts: ['tags', 'authors'],
  pages: ['tags', 'authors'],
  tags: ['count.posts'],
  authors: ['count.posts'],
};

/** Columns `order` may name, by resource; the row's id always breaks ties. */
const ORDER_COLUMNS: Readonly<Record<ContentResource, Readonly<Record<string, string>>>> = {
  posts: {
    id: 'post.id',
    title: 'post.title',
    slug: 'post.slug',
    published_at: 'post.published_at',
    updated_at: 'post.updated_at',
    created_at: 'post.created_at',
  },
  pages: {
    id: 'post.id',
    title: 'post.title',
    slug: 'post.slug',
    published_at: 'post.published_at',
    updated_at: 'post.updated_at',
    created_at: 'post.created_at',
  },
  tags: { id: 'tag.id', name: 'tag.name', slug: 'tag.slug' },
  authors: { id: 'user.id', name: 'user.name', slug: 'user.slug' },
};

/** Ghost's default orders. */
const DEFAULT_ORDER: Readonly<Record<ContentResource, string>> = {
  posts: 'published_at desc',
  pages: 'published_at desc',
  tags: 'name asc',
  authors: 'name asc',
};

const ID_COLUMN: Readonly<Record<ContentResource, string>> = {
  posts: 'post.id',
  pages: 'post.id',
  tags: 'tag.id',
  authors: 'user.id',
};

function invalid(option: string, rule: string, context: string): ContentApiError {
  return new ContentApiError('ValidationError', `Validation (${rule}) failed for ${option}`, { context });
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** `include`, `fields` and `formats`, which read takes too. Unknown includes are dropped, as Ghost does. */
export function parseOptions(resource: ContentResource, query: ContentApiQuery): Options {
  const allowed = INCLUDES[resource];
  const include = new Set(
    list(query.include).filter((name): name is Include => allowed.includes(name as Include)),
  );
  const formats = new Set<Format>();
  for (const format of query.formats === undefined ? ['html'] : list(query.formats.toLowerCase())) {
    if (format !== 'html' && format !== 'plaintext') {
      throw invalid('formats', 'AllowedValues', `formats are html and plaintext here; got "${format}"`);
    }
    formats.add(format);
  }
  const fields = list(query.fields);
  return { include, formats, fields: fields.length === 0 ? undefined : fields };
}

export function parseBrowseOptions(resource: ContentResource, query: ContentApiQuery): BrowseOptions {
  const limit = query.limit ?? String(DEFAULT_LIMIT);
  if (limit !== 'all' && !/^[1-9]\d{0,5}$/.test(limit)) {
    throw invalid('limit', 'matches', `limit is a whole number from 1 to 999999, or all; got "${limit}"`);
  }
  const page = query.page ?? '1';
  if (!/^[1-9]\d{0,5}$/.test(page)) {
    throw invalid('page', 'matches', `page is a whole number from 1 to 999999; got "${page}"`);
  }
  return {
    ...parseOptions(resource, query),
    filter:
      query.filter === undefined || query.filter.trim() === ''
        ? undefined
        : parseFilter(resource, query.filter),
    limit: limit === 'all' ? 'all' : Number(limit),
    page: Number(page),
    order: parseOrder(resource, query.order),
  };
}

function parseOrder(resource: ContentResource, order: string | undefined): RawBuilder<unknown>[] {
  const columns = ORDER_COLUMNS[resource];
  const terms = list(order === undefined || order.trim() === '' ? DEFAULT_ORDER[resource] : order).map(
    (term) => {
      const match = /^([a-z_]+)(?:\s+(asc|desc))?$/i.exec(term);
      const column = match?.[1] === undefined ? undefined : columns[match[1].toLowerCase()];
      if (match === null || column === undefined) {
        throw invalid(
          'order',
          'AllowedValues',
          `${resource} are ordered by ${Object.keys(columns).join(', ')}, each optionally followed by asc or desc; got "${term}"`,
        );
      }
      return { column, direction: match[2]?.toLowerCase() === 'desc' ? 'desc' : 'asc' };
    },
  );
  const tieBreak = terms.some((term) => term.column === ID_COLUMN[resource])
    ? []
    : [{ column: ID_COLUMN[resource], direction: terms[0]?.direction ?? 'desc' }];
  return [...terms, ...tieBreak].map((term) => sql`${sql.ref(term.column)} ${sql.raw(term.direction)}`);
}

/** Ghost's time format: milliseconds and a numeric zone. */
function ghostDate(date: Date): string {
  return date.toISOString().replace('Z', '+00:00');
}

function absolute(site: ContentApiSite, path: string): string {
  return new URL(path, site.publicUrl).toString();
}

/** Keeps only the `fields` asked for (Ghost ignores names it does not know). */
function pick(
  object: Record<string, unknown>,
  fields: readonly string[] | undefined,
): Record<string, unknown> {
  if (fields === undefined) return object;
  return Object.fromEntries(Object.entries(object).filter(([name]) => fields.includes(name)));
}

/** MariaDB marks JSON results, and mysql2 parses them; a JSON text from a subquery is parsed here. */
function json(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value;
}

interface Pagination {
  readonly page: number;
  readonly limit: number | 'all';
  readonly pages: number;
  readonly total: number;
  readonly next: number | null;
  readonly prev: number | null;
}

function pagination(options: BrowseOptions, total: number): Pagination {
  const pages = options.limit === 'all' ? 1 : Math.max(1, Math.ceil(total / options.limit));
  return {
    page: options.page,
    limit: options.limit,
    pages,
    total,
    next: options.page < pages ? options.page + 1 : null,
    prev: options.page > 1 ? Math.min(options.page - 1, pages) : null,
  };
}

/** The rows of the page asked for: with `all`, every row on page 1 and none after it. */
function onePage<T extends { limit(n: number): T; offset(n: number): T }>(
  query: T,
  options: BrowseOptions,
): T {
  if (options.limit === 'all') return options.page === 1 ? query : query.limit(0);
  return query.limit(options.limit).offset((options.page - 1) * options.limit);
}

// ---- Tags and authors -----------------------------------------------------------------------

interface TagRow {
  readonly id: number;
  readonly slug: string;
  readonly name: string;
}

function ghostTag(site: ContentApiSite, tag: TagRow): Record<string, unknown> {
  return {
    id: String(tag.id),
    name: tag.name,
    slug: tag.slug,
    description: null,
    feature_image: null,
    visibility: 'public',
    og_image: null,
    og_title: null,
    og_description: null,
    twitter_image: null,
    twitter_title: null,
    twitter_description: null,
    meta_title: null,
    meta_description: null,
    codeinjection_head: null,
    codeinjection_foot: null,
    canonical_url: null,
    accent_color: null,
    url: absolute(site, `/tag/${tag.slug}`),
  };
}

interface AuthorRow {
  readonly id: number;
  readonly slug: string;
  readonly name: string;
  readonly bio: string;
}

function ghostAuthor(site: ContentApiSite, author: AuthorRow): Record<string, unknown> {
  return {
    id: String(author.id),
    name: author.name,
    slug: author.slug,
    profile_image: null,
    cover_image: null,
    bio: author.bio === '' ? null : author.bio,
    website: null,
    location: null,
    facebook: null,
    twitter: null,
    threads: null,
    bluesky: null,
    mastodon: null,
    tiktok: null,
    youtube: null,
    instagram: null,
    linkedin: null,
    meta_title: null,
    meta_description: null,
    url: absolute(site, `/author/${author.slug}`),
  };
}

/** Public posts (not pages) with the tag: the count Quire's tag page lists. */
function tagPostCount(now: Date) {
  return (eb: ExpressionBuilder<Tables, 'tag'>) =>
    eb
      .selectFrom('post_tag')
      .innerJoin('post', 'post.id', 'post_tag.post_id')
      .select((inner) => inner.fn.countAll<number>().as('posts'))
      .whereRef('post_tag.tag_id', '=', 'tag.id')
      .where('post.kind', '=', 'post')
      .where(isPublic(now))
      .as('post_count');
}

function tagsQuery(db: Db, now: Date) {
  return db
    .selectFrom('tag')
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('post_tag')
          .innerJoin('post', 'post.id', 'post_tag.post_id')
          .select('post_tag.post_id')
          .whereRef('post_tag.tag_id', '=', 'tag.id')
          .where(isPublic(now)),
      ),
    );
}

function withCount(
  object: Record<string, unknown>,
  options: Options,
  count: number | null | undefined,
): Record<string, unknown> {
  return options.include.has('count.posts') ? { ...object, count: { posts: count ?? 0 } } : object;
}

export async function browseTags(db: Db, site: ContentApiSite, options: BrowseOptions) {
  const filtered =
    options.filter === undefined ? tagsQuery(db, site.now) : tagsQuery(db, site.now).where(options.filter);
  const { total } = await filtered
    .select((eb) => eb.fn.countAll<number>().as('total'))
    .executeTakeFirstOrThrow();
  let rows = filtered.select(['tag.id', 'tag.slug', 'tag.name']).select(tagPostCount(site.now));
  for (const term of options.order) rows = rows.orderBy(term);
  const found = await onePage(rows, options).execute();
  return {
    tags: found.map((row) => pick(withCount(ghostTag(site, row), options, row.post_count), options.fields)),
    meta: { pagination: pagination(options, total) },
  };
}

export async function readTag(db: Db, site: ContentApiSite, by: ReadBy, options: Options) {
  const row = await tagsQuery(db, site.now)
    .select(['tag.id', 'tag.slug', 'tag.name'])
    .select(tagPostCount(site.now))
    .where(by.id === undefined ? sql<SqlBool>`tag.slug = ${by.slug}` : sql<SqlBool>`tag.id = ${by.id}`)
    .executeTakeFirst();
  if (row === undefined) throw new ContentApiError('NotFoundError', 'Tag not found.');
  return { tags: [pick(withCount(ghostTag(site, row), options, row.post_count), options.fields)] };
}

function authorsQuery(db: Db, now: Date) {
  return db
    .selectFrom('user')
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('post')
          .select('post.id')
          .whereRef('post.author_id', '=', 'user.id')
          .where(isPublic(now)),
      ),
    );
}

function authorPostCount(now: Date) {
  return (eb: ExpressionBuilder<Tables, 'user'>) =>
    eb
      .selectFrom('post')
      .select((inner) => inner.fn.countAll<number>().as('posts'))
      .whereRef('post.author_id', '=', 'user.id')
      .where('post.kind', '=', 'post')
      .where(isPublic(now))
      .as('post_count');
}

export async function browseAuthors(db: Db, site: ContentApiSite, options: BrowseOptions) {
  const filtered =
    options.filter === undefined
      ? authorsQuery(db, site.now)
      : authorsQuery(db, site.now).where(options.filter);
  const { total } = await filtered
    .select((eb) => eb.fn.countAll<number>().as('total'))
    .executeTakeFirstOrThrow();
  let rows = filtered
    .select(['user.id', 'user.slug', 'user.name', 'user.bio'])
    .select(authorPostCount(site.now));
  for (const term of options.order) rows = rows.orderBy(term);
  const found = await onePage(rows, options).execute();
  return {
    authors: found.map((row) =>
      pick(withCount(ghostAuthor(site, row), options, row.post_count), options.fields),
    ),
    meta: { pagination: pagination(options, total) },
  };
}

export async function readAuthor(db: Db, site: ContentApiSite, by: ReadBy, options: Options) {
  const row = await authorsQuery(db, site.now)
    .select(['user.id', 'user.slug', 'user.name', 'user.bio'])
    .select(authorPostCount(site.now))
    .where(
      by.id === undefined
        ? sql<SqlBool>`${sql.ref('user.slug')} = ${by.slug}`
        : sql<SqlBool>`${sql.ref('user.id')} = ${by.id}`,
    )
    .executeTakeFirst();
  if (row === undefined) throw new ContentApiError('NotFoundError', 'Author not found.');
  return { authors: [pick(withCount(ghostAuthor(site, row), options, row.post_count), options.fields)] };
}

// ---- Posts and pages ------------------------------------------------------------------------

/** A read's key: `/{id}/` or `/slug/{slug}/`. */
export type ReadBy =
  { readonly id: number; readonly slug?: undefined } | { readonly id?: undefined; readonly slug: string };

interface PostRow {
  readonly id: number;
  readonly kind: PostKind;
  readonly slug: string;
  readonly title: string;
  readonly html: string;
  readonly excerpt: string;
  readonly cover_image: string | null;
  readonly published_at: Date | null;
  readonly updated_at: Date;
  readonly created_at: Date;
  readonly author_json: unknown;
  readonly tags_json: unknown;
}

function postsQuery(db: Db, now: Date, kind: PostKind) {
  return db.selectFrom('post').where(isPublic(now)).where('post.kind', '=', kind);
}

function postColumns(query: ReturnType<typeof postsQuery>) {
  return query.select((eb) => [
    'post.id',
    'post.kind',
    'post.slug',
    'post.title',
    'post.html',
    'post.excerpt',
    'post.cover_image',
    'post.published_at',
    'post.updated_at',
    'post.created_at',
    eb
      .selectFrom('user')
      .whereRef('user.id', '=', 'post.author_id')
      .select(
        sql`json_object('id', ${sql.ref('user.id')}, 'slug', ${sql.ref('user.slug')}, 'name', ${sql.ref('user.name')}, 'bio', ${sql.ref('user.bio')})`.as(
          'author',
        ),
      )
      .$asScalar()
      .as('author_json'),
    eb
      .selectFrom('post_tag')
      .innerJoin('tag', 'tag.id', 'post_tag.tag_id')
      .whereRef('post_tag.post_id', '=', 'post.id')
      .select(
        sql`json_arrayagg(json_object('id', ${sql.ref('tag.id')}, 'slug', ${sql.ref('tag.slug')}, 'name', ${sql.ref('tag.name')}) order by ${sql.ref('tag.name')}, ${sql.ref('tag.id')})`.as(
          'tags',
        ),
      )
      .$asScalar()
      .as('tags_json'),
  ]);
}

/** Ghost's reading time: 275 words a minute, 12 s for the first image, one less for each next, at least 3. */
function readingTime(text: string, html: string): number {
  const words = text === '' ? 0 : text.split(' ').length;
  const images = html.match(/<img\b/g)?.length ?? 0;
  let imageSeconds = 0;
  for (let image = 0; image < images; image++) imageSeconds += Math.max(12 - image, 3);
  return Math.round(words / 275 + imageSeconds / 60);
}

function ghostPost(site: ContentApiSite, row: PostRow, options: Options): Record<string, unknown> {
  const text = plainExcerpt(row.html, Number.MAX_SAFE_INTEGER);
  const author = json(row.author_json) as AuthorRow;
  const tags = ((json(row.tags_json) as TagRow[] | null) ?? []).map((tag) => ghostTag(site, tag));
  const post: Record<string, unknown> = {
    id: String(row.id),
    uuid: null,
    title: row.title,
    slug: row.slug,
    ...(options.formats.has('html') && { html: row.html }),
    ...(options.formats.has('plaintext') && { plaintext: text }),
    comment_id: String(row.id),
    feature_image: row.cover_image === null ? null : absolute(site, row.cover_image),
    feature_image_alt: null,
    feature_image_caption: null,
    featured: false,
    visibility: 'public',
    created_at: ghostDate(row.created_at),
    updated_at: ghostDate(row.updated_at),
    // isPublic leaves out rows without a time.
    published_at: ghostDate(row.published_at ?? row.updated_at),
    custom_excerpt: row.excerpt === plainExcerpt(row.html) ? null : row.excerpt,
    codeinjection_head: null,
    codeinjection_foot: null,
    custom_template: null,
    canonical_url: null,
    url: absolute(site, `/${row.slug}`),
    excerpt: row.excerpt,
    reading_time: readingTime(text, row.html),
    access: true,
    comments: row.kind === 'post',
    og_image: null,
    og_title: null,
    og_description: null,
    twitter_image: null,
    twitter_title: null,
    twitter_description: null,
    meta_title: null,
    meta_description: null,
    email_subject: null,
    frontmatter: null,
  };
  const picked = pick(post, options.fields);
  if (options.include.has('tags')) Object.assign(picked, { tags, primary_tag: tags[0] ?? null });
  if (options.include.has('authors')) {
    const ghost = ghostAuthor(site, author);
    Object.assign(picked, { authors: [ghost], primary_author: ghost });
  }
  return picked;
}

export async function browsePosts(db: Db, site: ContentApiSite, kind: PostKind, options: BrowseOptions) {
  const base = postsQuery(db, site.now, kind);
  const filtered = options.filter === undefined ? base : base.where(options.filter);
  const { total } = await filtered
    .select((eb) => eb.fn.countAll<number>().as('total'))
    .executeTakeFirstOrThrow();
  let rows = postColumns(filtered);
  for (const term of options.order) rows = rows.orderBy(term);
  const found = await onePage(rows, options).execute();
  const resource = kind === 'post' ? 'posts' : 'pages';
  return {
    [resource]: found.map((row) => ghostPost(site, row, options)),
    meta: { pagination: pagination(options, total) },
  };
}

export async function readPost(db: Db, site: ContentApiSite, kind: PostKind, by: ReadBy, options: Options) {
  const row = await postColumns(postsQuery(db, site.now, kind))
    .where(by.id === undefined ? sql<SqlBool>`post.slug = ${by.slug}` : sql<SqlBool>`post.id = ${by.id}`)
    .executeTakeFirst();
  if (row === undefined) {
    throw new ContentApiError('NotFoundError', kind === 'post' ? 'Post not found.' : 'Page not found.');
  }
  return { [kind === 'post' ? 'posts' : 'pages']: [ghostPost(site, row, options)] };
}

// ---- Settings -------------------------------------------------------------------------------

/** The site's settings as Ghost's: title and description from Quire's settings, the rest empty. */
export function ghostSettings(site: ContentApiSite) {
  return {
    settings: {
      title: site.settings.title,
      description: site.settings.description,
      logo: null,
      icon: absolute(site, site.favicon),
      accent_color: null,
      cover_image: null,
      facebook: null,
      twitter: null,
      lang: 'en',
      locale: 'en',
      // Quire keeps and shows every time in UTC.
      timezone: 'Etc/UTC',
      codeinjection_head: null,
      codeinjection_foot: null,
      // The links of the public pages' header (views/layout.ts).
      navigation: [
        { label: 'Home', url: '/' },
        { label: 'Search', url: '/search' },
        { label: 'RSS', url: '/rss.xml' },
      ],
      secondary_navigation: [],
      meta_title: null,
      meta_description: null,
      og_image: null,
      og_title: null,
      og_description: null,
      twitter_image: null,
      twitter_title: null,
      twitter_description: null,
      members_support_address: null,
      url: absolute(site, '/'),
    },
    meta: {},
  };
}
