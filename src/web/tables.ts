/**
 * The web app's tables as Kysely sees them; `migrations.ts` creates them. Times are UTC DATETIMEs
 * (the pools read and write them as UTC).
 */
import type { ColumnType, Generated, Selectable } from 'kysely';

export type Role = 'owner' | 'editor' | 'author';

export type PostStatus = 'draft' | 'published' | 'scheduled';
export const POST_STATUSES: readonly PostStatus[] = ['draft', 'published', 'scheduled'];

/** A post is in the home page and the feed; a page (About, Contact) is only at its own URL. */
export type PostKind = 'post' | 'page';
export const POST_KINDS: readonly PostKind[] = ['post', 'page'];

export type CommentStatus = 'pending' | 'approved' | 'spam';
export const COMMENT_STATUSES: readonly CommentStatus[] = ['pending', 'approved', 'spam'];

type CreatedAt = ColumnType<Date, Date | undefined, never>;

export interface UserTable {
  id: Generated<number>;
  email: string;
  name: string;
  slug: string;
  bio: string;
  role: Role;
  /** argon2id PHC string. */
  password_hash: string;
  created_at: CreatedAt;
}

export interface PostTable {
  id: Generated<number>;
  kind: PostKind;
  slug: string;
  title: string;
  markdown: string;
  /** The sanitized rendering of `markdown`, stored so that reads do no rendering. */
  html: string;
  excerpt: string;
  cover_image: string | null;
  status: PostStatus;
  /** When it goes (or went) public; null for a draft never published. */
  published_at: Date | null;
  author_id: number;
  created_at: CreatedAt;
  updated_at: Date;
}

export interface TagTable {
  id: Generated<number>;
  slug: string;
  name: string;
}

export interface PostTagTable {
  post_id: number;
  tag_id: number;
}

export interface CommentTable {
  id: Generated<number>;
  post_id: number;
  author_name: string;
  body: string;
  /** Sanitized rendering of `body`. */
  html: string;
  status: CommentStatus;
  /** HMAC of the visitor's address (for throttling and spam review; the address is not kept). */
  ip_hash: string;
  created_at: CreatedAt;
}

export interface SettingTable {
  name: string;
  value: string;
}

export interface SessionTable {
  /** SHA-256 of the session id in the cookie (a stolen table gives no usable cookie). */
  id_hash: string;
  user_id: number;
  expires_at: Date;
  created_at: CreatedAt;
}

/** One row (id 1): bumped by every write that changes a public page, for the page caches. */
export interface ContentVersionTable {
  id: number;
  version: number;
}

export interface ContentApiKeyTable {
  id: Generated<number>;
  /** What the key is for (the admin's label: "Gatsby build", "mobile app"). */
  name: string;
  /** SHA-256 (hex) of the key: the key itself is shown once, when it is made. */
  secret_hash: string;
  /** The key's last 4 characters, to tell keys apart on the admin screen. */
  secret_hint: string;
  created_by: number;
  created_at: CreatedAt;
  revoked_at: Date | null;
}

export interface Tables {
  user: UserTable;
  post: PostTable;
  tag: TagTable;
  post_tag: PostTagTable;
  comment: CommentTable;
  setting: SettingTable;
  session: SessionTable;
  content_version: ContentVersionTable;
  content_api_key: ContentApiKeyTable;
}

export type User = Selectable<UserTable>;
export type Post = Selectable<PostTable>;
export type Tag = Selectable<TagTable>;
export type Comment = Selectable<CommentTable>;
export type ContentApiKey = Selectable<ContentApiKeyTable>;
