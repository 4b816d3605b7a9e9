/**
 * Creating and changing posts and pages: rendering the Markdown once, at write time; the slug, the
 * publication time and the tags; who may do what (authors their own posts, editors and the owner
 * every post). Every change bumps the content version in the same transaction.
 */
import type { Transaction } from 'kysely';
import type { PostKind, PostStatus, Tables } from '../tables.js';
import { bumpContentVersion } from './content-version.js';
import { plainExcerpt, renderPostMarkdown } from './markdown.js';
import type { SessionUser } from './sessions.js';
import { slugify } from './slug.js';

/** A problem with what the editor sent, shown next to the form (HTTP 400). */
export class PostInputError extends Error {
  override readonly name = 'PostInputError';
  readonly statusCode = 400;
}

/** The user may not touch this post (HTTP 403). */
export class PostForbiddenError extends Error {
  override readonly name = 'PostForbiddenError';
  readonly statusCode = 403;
}

export interface PostInput {
  readonly kind: PostKind;
  readonly title: string;
  /** Empty: made from the title. */
  readonly slug: string;
  readonly markdown: string;
  /** Empty: the start of the text. */
  readonly excerpt: string;
  readonly status: PostStatus;
  /** Required for scheduled; for published, defaults to now (or the first publication). */
  readonly publishedAt: Date | undefined;
  /** Tag names, comma-separated. */
  readonly tags: string;
  /** A new cover image URL; undefined keeps the current one. */
  readonly coverImage?: string | undefined;
}

export interface SavedPost {
  readonly id: number;
  readonly slug: string;
  readonly version: number;
}

export function mayEdit(user: SessionUser, authorId: number): boolean {
  return user.role !== 'author' || user.id === authorId;
}

async function freeSlug(
  trx: Transaction<Tables>,
  wanted: string,
  postId: number | undefined,
): Promise<string> {
  for (let attempt = 1; attempt < 100; attempt++) {
    const candidate = attempt === 1 ? wanted : `${wanted}-${attempt}`;
    const taken = await trx
      .selectFrom('post')
      .select('id')
      .where('slug', '=', candidate)
      .forUpdate()
      .executeTakeFirst();
    if (taken === undefined || taken.id === postId) return candidate;
  }
  throw new PostInputError(
    `the slug "${wanted}" and its numbered variants are all taken; choose another slug`,
  );
}

function publicationTime(input: PostInput, previous: Date | null, now: Date): Date | null {
  switch (input.status) {
    case 'draft':
      return input.publishedAt ?? previous;
    case 'published':
      return input.publishedAt ?? previous ?? now;
    case 'scheduled':
      if (input.publishedAt === undefined || input.publishedAt <= now) {
        throw new PostInputError('a scheduled post needs a publication time in the future');
      }
      return input.publishedAt;
  }
}

async function setTags(trx: Transaction<Tables>, postId: number, names: string): Promise<void> {
  const tags = new Map<string, string>();
  for (const name of names.split(',').map((part) => part.trim())) {
    const slug = slugify(name);
    if (slug !== '' && !tags.has(slug)) tags.set(slug, name.slice(0, 100));
  }
  await trx.deleteFrom('post_tag').where('post_id', '=', postId).execute();
  if (tags.size === 0) return;
  const rows = [...tags].map(([slug, name]) => ({ slug, name }));
  await trx
    .insertInto('tag')
    .values(rows)
    .onDuplicateKeyUpdate((eb) => ({ slug: eb.ref('tag.slug') }))
    .execute();
  const ids = await trx
    .selectFrom('tag')
    .select('id')
    .where('slug', 'in', [...tags.keys()])
    .execute();
  await trx
    .insertInto('post_tag')
    .values(ids.map((tag) => ({ post_id: postId, tag_id: tag.id })))
    .execute();
}

/** Create a post (postId undefined) or change one. */
export async function savePost(
  trx: Transaction<Tables>,
  user: SessionUser,
  postId: number | undefined,
  input: PostInput,
  now: Date,
): Promise<SavedPost> {
  const existing =
    postId === undefined
      ? undefined
      : await trx
          .selectFrom('post')
          .select(['id', 'author_id', 'published_at', 'cover_image'])
          .where('id', '=', postId)
          .forUpdate()
          .executeTakeFirst();
  if (postId !== undefined && existing === undefined) throw new PostInputError(`there is no post ${postId}`);
  if (existing !== undefined && !mayEdit(user, existing.author_id)) {
    throw new PostForbiddenError('authors may only change their own posts');
  }
  const wanted = slugify(input.slug === '' ? input.title : input.slug);
  if (wanted === '') throw new PostInputError('give a title or a slug with at least one letter or digit');
  const slug = await freeSlug(trx, wanted, postId);
  const html = renderPostMarkdown(input.markdown);
  const values = {
    kind: input.kind,
    slug,
    title: input.title,
    markdown: input.markdown,
    html,
    excerpt: input.excerpt === '' ? plainExcerpt(html) : input.excerpt,
    cover_image: input.coverImage ?? existing?.cover_image ?? null,
    status: input.status,
    published_at: publicationTime(input, existing?.published_at ?? null, now),
    updated_at: now,
  };
  let id: number;
  if (existing === undefined) {
    const result = await trx
      .insertInto('post')
      .values({ ...values, author_id: user.id })
      .executeTakeFirstOrThrow();
    id = Number(result.insertId);
  } else {
    id = existing.id;
    await trx.updateTable('post').set(values).where('id', '=', id).execute();
  }
  await setTags(trx, id, input.tags);
  return { id, slug, version: await bumpContentVersion(trx) };
}

export async function deletePost(
  trx: Transaction<Tables>,
  user: SessionUser,
  postId: number,
): Promise<number> {
  const existing = await trx
    .selectFrom('post')
    .select(['author_id'])
    .where('id', '=', postId)
    .forUpdate()
    .executeTakeFirst();
  if (existing === undefined) throw new PostInputError(`there is no post ${postId}`);
  if (!mayEdit(user, existing.author_id))
    throw new PostForbiddenError('authors may only delete their own posts');
  await trx.deleteFrom('post').where('id', '=', postId).execute();
  return bumpContentVersion(trx);
}
