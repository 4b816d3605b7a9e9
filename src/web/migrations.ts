/**
 * The web app's schema, one migration per change (`migrateToLatest` runs them under a lock, once
 * for all starting processes). `tables.ts` is the Kysely view of the result: change both together.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { Migrations } from '../db/index.js';

const publication: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const statements = [
      sql`CREATE TABLE user (
        id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
        email VARCHAR(254) NOT NULL UNIQUE,
        name VARCHAR(100) NOT NULL,
        slug VARCHAR(100) NOT NULL UNIQUE,
        bio TEXT NOT NULL,
        role ENUM('owner', 'editor', 'author') NOT NULL,
        password_hash VARCHAR(255) NOT NULL,
        created_at DATETIME NOT NULL DEFAULT UTC_TIMESTAMP()
      )`,
      sql`CREATE TABLE post (
        id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
        kind ENUM('post', 'page') NOT NULL DEFAULT 'post',
        slug VARCHAR(191) NOT NULL UNIQUE,
        title VARCHAR(255) NOT NULL,
        markdown MEDIUMTEXT NOT NULL,
        html MEDIUMTEXT NOT NULL,
        excerpt TEXT NOT NULL,
        cover_image VARCHAR(255) NULL,
        status ENUM('draft', 'published', 'scheduled') NOT NULL DEFAULT 'draft',
        published_at DATETIME NULL,
        author_id INT UNSIGNED NOT NULL,
        created_at DATETIME NOT NULL DEFAULT UTC_TIMESTAMP(),
        updated_at DATETIME NOT NULL,
        CONSTRAINT post_author FOREIGN KEY (author_id) REFERENCES user (id),
        INDEX post_public (kind, status, published_at),
        INDEX post_author_published (author_id, published_at),
        FULLTEXT INDEX post_search (title, markdown)
      )`,
      sql`CREATE TABLE tag (
        id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
        slug VARCHAR(100) NOT NULL UNIQUE,
        name VARCHAR(100) NOT NULL
      )`,
      sql`CREATE TABLE post_tag (
        post_id INT UNSIGNED NOT NULL,
        tag_id INT UNSIGNED NOT NULL,
        PRIMARY KEY (post_id, tag_id),
        INDEX post_tag_tag (tag_id),
        CONSTRAINT post_tag_post FOREIGN KEY (post_id) REFERENCES post (id) ON DELETE CASCADE,
        CONSTRAINT post_tag_tag FOREIGN KEY (tag_id) REFERENCES tag (id) ON DELETE CASCADE
      )`,
      sql`CREATE TABLE comment (
        id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
        post_id INT UNSIGNED NOT NULL,
        author_name VARCHAR(100) NOT NULL,
        body TEXT NOT NULL,
        html TEXT NOT NULL,
        status ENUM('pending', 'approved', 'spam') NOT NULL DEFAULT 'pending',
        ip_hash CHAR(64) NOT NULL,
        created_at DATETIME NOT NULL DEFAULT UTC_TIMESTAMP(),
        INDEX comment_post (post_id, status, created_at),
        INDEX comment_status (status, created_at),
        CONSTRAINT comment_post FOREIGN KEY (post_id) REFERENCES post (id) ON DELETE CASCADE
      )`,
      sql`CREATE TABLE setting (
        name VARCHAR(64) PRIMARY KEY,
        value TEXT NOT NULL
      )`,
      sql`CREATE TABLE session (
        id_hash CHAR(64) PRIMARY KEY,
        user_id INT UNSIGNED NOT NULL,
        expires_at DATETIME NOT NULL,
        created_at DATETIME NOT NULL DEFAULT UTC_TIMESTAMP(),
        INDEX session_expiry (expires_at),
        CONSTRAINT session_user FOREIGN KEY (user_id) REFERENCES user (id) ON DELETE CASCADE
      )`,
      sql`CREATE TABLE content_version (
        id TINYINT UNSIGNED PRIMARY KEY,
        version BIGINT UNSIGNED NOT NULL
      )`,
      sql`INSERT INTO content_version (id, version) VALUES (1, 1)`,
    ];
    for (const statement of statements) await statement.execute(db);
  },
  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of [
      'content_version',
      'session',
      'setting',
      'comment',
      'post_tag',
      'tag',
      'post',
      'user',
    ]) {
      await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db);
    }
  },
};

/**
 * Indexes for the public pages: listings walk post_listing newest first (kind, then the publication
 * time) and stop at the page's end instead of sorting every post; the next scheduled time is a
 * range of post_schedule.
 */
const publicPageIndexes: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`CREATE INDEX post_listing ON post (kind, published_at)`.execute(db);
    await sql`CREATE INDEX post_schedule ON post (status, published_at)`.execute(db);
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await sql`DROP INDEX post_schedule ON post`.execute(db);
    await sql`DROP INDEX post_listing ON post`.execute(db);
  },
};

/**
 * Content API keys (content-api-keys.ts): only the SHA-256 of each key is kept, so a copy of the
 * table gives no usable key; a revoked key stays listed (with when and by whom) instead of
 * vanishing, so the admin screen can say why a client stopped working.
 */
const contentApiKeys: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`CREATE TABLE content_api_key (
      id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
      name VARCHAR(100) NOT NULL,
      secret_hash CHAR(64) NOT NULL UNIQUE,
      secret_hint CHAR(4) NOT NULL,
      created_by INT UNSIGNED NOT NULL,
      created_at DATETIME NOT NULL DEFAULT UTC_TIMESTAMP(),
      revoked_at DATETIME NULL,
      CONSTRAINT content_api_key_creator FOREIGN KEY (created_by) REFERENCES user (id)
    )`.execute(db);
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await sql`DROP TABLE IF EXISTS content_api_key`.execute(db);
  },
};

export const WEB_MIGRATIONS: Migrations = {
  '0001-publication': publication,
  '0002-public-page-indexes': publicPageIndexes,
  '0003-content-api-keys': contentApiKeys,
};
