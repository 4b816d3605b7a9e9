/**
 * What the public pages read, as functions of a read-only Kysely (a replica's connection). A post
 * is public when it is published or scheduled and its time has come; drafts never leave the admin.
 */
import { sql, type ExpressionBuilder } from 'kysely';
import type { ReadOnlyKysely } from '../../db/index.js';
import type { Comment, Post, PostKind, Tables, Tag, User } from '../tables.js';

type Db = ReadOnlyKysely<Tables>;

export type TagLink = Pick<Tag, 'slug' | 'name'>;

/** A post as lists and pages show it. */
export interface PostSummary {
  readonly id: number;
  readonly kind: PostKind;
  readonly slug: string;
  readonly title: string;
  readonly excerpt: string;
  readonly coverImage: string | null;
  readonly publishedAt: Date;
  readonly updatedAt: Date;
  readonly author: { readonly name: string; readonly slug: string };
  readonly tags: readonly TagLink[];
}

export interface PostDetail extends PostSummary {
  readonly html: string;
  readonly comments: readonly Pick<Comment, 'id' | 'author_name' | 'html' | 'created_at'>[];
}

export interface PostList {
  readonly posts: readonly PostSummary[];
  readonly page: number;
  readonly pageCount: number;
}

/**
 * The content version and when the next post goes public (scheduled, or published with a future
 * time), read on the connection that renders.
 */
export interface ContentState {
  readonly version: number;
  readonly nextScheduledAt: Date | null;
}

export interface SiteSettings {
  readonly title: string;
  readonly description: string;
}

export const DEFAULT_SITE_SETTINGS: SiteSettings = {
  title: 'Quire',
  description: 'A publication on Quire.',
};

/** Whether a post or page is public at `now` (the Content API filters with it too). */
export function isPublic(now: Date) {
  return (eb: ExpressionBuilder<Tables, 'post'>) =>
    eb.and([eb('post.status', 'in', ['published', 'scheduled']), eb('post.published_at', '<=', now)]);
}

export async function readContentState(db: Db, now: Date): Promise<ContentState> {
  const row = await db
    .selectFrom('content_version')
    .select((eb) => [
      'version',
      eb
        .selectFrom('post')
        .select((inner) => inner.fn.min('published_at').as('next'))
        .where('status', 'in', ['published', 'scheduled'])
        .where('published_at', '>', now)
        .as('next_scheduled'),
    ])
    .where('id', '=', 1)
    .executeTakeFirstOrThrow();
  return { version: row.version, nextScheduledAt: row.next_scheduled ?? null };
}

export async function readSiteSettings(db: Db): Promise<SiteSettings> {
  const rows = await db.selectFrom('setting').select(['name', 'value']).execute();
  const byName = new Map(rows.map((row) => [row.name, row.value]));
  return {
    title: byName.get('title') ?? DEFAULT_SITE_SETTINGS.title,
    description: byName.get('description') ?? DEFAULT_SITE_SETTINGS.description,
  };
}

/**
 * Public posts with their author and tags, in one query. The author comes from subqueries, not a
 * join: with a join MariaDB starts from the (small) user table and sorts every post to find the
 * newest; from the post table alone it walks the post_listing index newest first and stops at the
 * page's end. The tags come as a JSON array (MariaDB marks the column as JSON and mysql2 parses
 * it), sparing a second round trip per page.
 */
function summaryQuery(db: Db, now: Date) {
  const author = (eb: ExpressionBuilder<Tables, 'post'>) =>
    eb.selectFrom('user').whereRef('user.id', '=', 'post.author_id');
  return db
    .selectFrom('post')
    .select((eb) => [
      'post.id',
      'post.kind',
      'post.slug',
      'post.title',
      'post.excerpt',
      'post.cover_image',
      'post.published_at',
      'post.updated_at',
      author(eb).select('user.name').$asScalar().$notNull().as('author_name'),
      author(eb).select('user.slug').$asScalar().$notNull().as('author_slug'),
      eb
        .selectFrom('post_tag')
        .innerJoin('tag', 'tag.id', 'post_tag.tag_id')
        .whereRef('post_tag.post_id', '=', 'post.id')
        .select(
          sql<
            TagLink[] | null
          >`json_arrayagg(json_object('slug', ${sql.ref('tag.slug')}, 'name', ${sql.ref('tag.name')}) order by ${sql.ref('tag.name')})`.as(
            'tags',
          ),
        )
        .$asScalar()
        .as('tags_json'),
    ])
    .where(isPublic(now));
}

type SummaryRow = Pick<
  Post,
  'id' | 'kind' | 'slug' | 'title' | 'excerpt' | 'cover_image' | 'published_at' | 'updated_at'
> & { author_name: string; author_slug: string; tags_json: TagLink[] | null };

function toSummary(row: SummaryRow): PostSummary {
  return {
    id: row.id,
    kind: row.kind,
    slug: row.slug,
    title: row.title,
    excerpt: row.excerpt,
    coverImage: row.cover_image,
    // isPublic excludes rows without a time.
    publishedAt: row.published_at ?? row.updated_at,
    updatedAt: row.updated_at,
    author: { name: row.author_name, slug: row.author_slug },
    // A post without tags: the aggregate of no rows is NULL.
    tags: row.tags_json ?? [],
  };
}

export interface ListFilter {
  readonly tagId?: number;
  readonly authorId?: number;
}

/** One page of public posts (not pages), newest first. */
export async function listPosts(
  db: Db,
  now: Date,
  page: number,
  perPage: number,
  filter: ListFilter = {},
): Promise<PostList> {
  let base = db.selectFrom('post').where(isPublic(now)).where('post.kind', '=', 'post');
  let rows = summaryQuery(db, now).where('post.kind', '=', 'post');
  if (filter.tagId !== undefined) {
    const tagged = (eb: ExpressionBuilder<Tables, 'post'>) =>
      eb.exists(
        eb
          .selectFrom('post_tag')
          .select('post_tag.post_id')
          .whereRef('post_tag.post_id', '=', 'post.id')
          .where('post_tag.tag_id', '=', filter.tagId ?? 0),
      );
    base = base.where(tagged);
    rows = rows.where(tagged);
  }
  if (filter.authorId !== undefined) {
    base = base.where('post.author_id', '=', filter.authorId);
    rows = rows.where('post.author_id', '=', filter.authorId);
  }
  const { count } = await base.select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
  const found = await rows
    .orderBy('post.published_at', 'desc')
    .orderBy('post.id', 'desc')
    .limit(perPage)
    .offset((page - 1) * perPage)
    .execute();
  return {
    posts: found.map(toSummary),
    page,
    pageCount: Math.max(1, Math.ceil(count / perPage)),
  };
}

/** A public post or page with its approved comments, or undefined. */
export async function readPost(db: Db, now: Date, slug: string): Promise<PostDetail | undefined> {
  const row = await summaryQuery(db, now)
    .select('post.html')
    .where('post.slug', '=', slug)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  const comments = await db
    .selectFrom('comment')
    .select(['id', 'author_name', 'html', 'created_at'])
    .where('post_id', '=', row.id)
    .where('status', '=', 'approved')
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return { ...toSummary(row), html: row.html, comments };
}

export function readTag(db: Db, slug: string): Promise<Tag | undefined> {
  return db.selectFrom('tag').selectAll().where('slug', '=', slug).executeTakeFirst();
}

export function readAuthor(
  db: Db,
  slug: string,
): Promise<Pick<User, 'id' | 'name' | 'slug' | 'bio'> | undefined> {
  return db
    .selectFrom('user')
    .select(['id', 'name', 'slug', 'bio'])
    .where('slug', '=', slug)
    .executeTakeFirst();
}

/**
 * Full-text search of public posts and pages (MariaDB FULLTEXT, natural language mode), most
 * relevant first. The query text is a bound parameter.
 */
export async function searchPosts(db: Db, now: Date, text: string, limit: number): Promise<PostSummary[]> {
  const rows = await summaryQuery(db, now)
    .where(sql<boolean>`MATCH (post.title, post.markdown) AGAINST (${text} IN NATURAL LANGUAGE MODE)`)
    .orderBy(sql`MATCH (post.title, post.markdown) AGAINST (${text} IN NATURAL LANGUAGE MODE)`, 'desc')
    .limit(limit)
    .execute();
  return rows.map(toSummary);
}

/** Public posts and pages with their last change, for the sitemap. */
export function sitemapEntries(db: Db, now: Date): Promise<Pick<Post, 'slug' | 'updated_at'>[]> {
  return db
    .selectFrom('post')
    .select(['slug', 'updated_at'])
    .where(isPublic(now))
    .orderBy('published_at', 'desc')
    .limit(50_000)
    .execute();
}

/** The newest public posts with their HTML, for the feed. */
export async function feedPosts(
  db: Db,
  now: Date,
  limit: number,
): Promise<(PostSummary & { html: string })[]> {
  const rows = await summaryQuery(db, now)
    .select('post.html')
    .where('post.kind', '=', 'post')
    .orderBy('post.published_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((row) => ({ ...toSummary(row), html: row.html }));
}
