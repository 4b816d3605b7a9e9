/**
 * The admin's post list on a real MariaDB primary: most recently updated first, and posts updated
 * at the same time (the column keeps whole seconds, so a few saves in one second tie) in one
 * stable order, newest post first, on every view.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database, migrateToLatest } from '../../src/db/index.js';
import { buildApp } from '../../src/web/app.js';
import { WEB_MIGRATIONS } from '../../src/web/migrations.js';
import { ensureOwner } from '../../src/web/services/owner-account.js';
import type { Tables } from '../../src/web/tables.js';
import { startTestCluster, type TestCluster } from '../support/local-mariadb.js';
import { logIn, type InjectSession } from './support/browser-session.js';

describe("the admin's post list", () => {
  let test: TestCluster;
  let db: Database<Tables>;
  let app: FastifyInstance;
  let mediaDir: string;
  let owner: InjectSession;

  beforeAll(async () => {
    test = await startTestCluster('admin-list', { replicas: 0 });
    mediaDir = mkdtempSync(join(tmpdir(), 'quire-media-'));
    db = await Database.connect<Tables>({
      primary: { host: test.app.host, port: test.app.port, name: 'primary' },
      database: test.app.database,
      user: test.app.user,
      password: test.app.password,
    });
    await migrateToLatest(db, { migrations: WEB_MIGRATIONS });
    const created = await ensureOwner(db, 'owner@blog.test');
    if (created === undefined) throw new Error('no owner was created');
    app = await buildApp({
      db,
      metrics: new Registry(),
      logger: false,
      settings: {
        publicUrl: new URL('http://blog.test'),
        sessionSecret: 'a test session secret of more than 32 characters',
        mediaDir,
        maxUploadBytes: 64 * 1024,
        postsPerPage: 10,
        trustProxy: false,
        pageCache: { enabled: true, maxEntries: 10, versionCheckIntervalMs: 200 },
      },
    });
    owner = await logIn(app, created);
  });

  afterAll(async () => {
    await app.close();
    await db.close();
    await test.dispose();
    rmSync(mediaDir, { recursive: true, force: true });
  });

  it('orders posts by their last update, then newest first when they were updated at the same time', async () => {
    const tied = new Date('2024-05-01T10:00:00Z');
    const posts: [slug: string, updatedAt: Date][] = [
      ['tied-a', tied],
      ['newer', new Date('2024-05-01T11:00:00Z')],
      ['tied-b', tied],
      ['tied-c', tied],
      ['older', new Date('2024-05-01T09:00:00Z')],
      ['tied-d', tied],
      ['tied-e', tied],
    ];
    const ids = new Map<string, number>();
    await db.writer.write(async (trx) => {
      const { id: authorId } = await trx
        .selectFrom('user')
        .select('id')
        .where('role', '=', 'owner')
        .executeTakeFirstOrThrow();
      for (const [slug, updatedAt] of posts) {
        const result = await trx
          .insertInto('post')
          .values({
            kind: 'post',
            slug,
            title: `Post ${slug}`,
            markdown: '',
            html: '',
            excerpt: '',
            status: 'draft',
            author_id: authorId,
            updated_at: updatedAt,
          })
          .executeTakeFirstOrThrow();
        ids.set(slug, Number(result.insertId));
      }
    });
    const expected = ['newer', 'tied-e', 'tied-d', 'tied-c', 'tied-b', 'tied-a', 'older'].map((slug) =>
      ids.get(slug),
    );
    for (let view = 0; view < 3; view++) {
      const list = await owner.get('/admin');
      expect(list.statusCode).toBe(200);
      const shown = [...list.body.matchAll(/<a href="\/admin\/posts\/(\d+)">/g)].map((match) =>
        Number(match[1]),
      );
      expect(shown).toEqual(expected);
    }
  });
});
