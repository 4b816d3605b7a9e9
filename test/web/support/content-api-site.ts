/**
 * A publication for the Content API tests, on a real MariaDB primary and replica: the app
 * (page cache on), its owner logged in, an editor without posts, and content written on the
 * primary and waited for on the replica (where the API reads):
 *
 * - posts `alpha` (tags news + tech, 2024-01-01), `beta` (tag news, 2024-02-01), `gamma` (no tag,
 *   custom excerpt, 2024-03-01), `delta` (tag tech, 2024-04-01) by the owner;
 * - a draft `hidden-draft` (tag secret), a scheduled post `future` (in 2100), a page `about`.
 *
 * `makeKey` makes a Content API key through the admin screen, as the owner would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { Database, migrateToLatest } from '../../../src/db/index.js';
import { buildApp } from '../../../src/web/app.js';
import { WEB_MIGRATIONS } from '../../../src/web/migrations.js';
import { plainExcerpt, renderPostMarkdown } from '../../../src/web/services/markdown.js';
import { ensureOwner, type CreatedOwner } from '../../../src/web/services/owner-account.js';
import { hashPassword } from '../../../src/web/services/passwords.js';
import type { PostKind, PostStatus, Tables } from '../../../src/web/tables.js';
import { rootQuery, startTestCluster, type TestCluster } from '../../support/local-mariadb.js';
import { csrfToken, logIn, type InjectSession } from './browser-session.js';

export interface ContentApiSite {
  readonly test: TestCluster;
  readonly db: Database<Tables>;
  readonly app: FastifyInstance;
  readonly registry: Registry;
  readonly owner: InjectSession;
  readonly ownerAccount: CreatedOwner;
  /** An editor's login (no posts of their own). */
  readonly editor: { readonly email: string; readonly password: string };
  /** Post ids by slug. */
  readonly ids: ReadonlyMap<string, number>;
  /** Every JSON log line the app wrote. */
  readonly logLines: readonly string[];
  makeKey(name: string): Promise<string>;
  /** Wait until the replica has applied everything the primary has. */
  replicaCaughtUp(): Promise<void>;
  dispose(): Promise<void>;
}

interface SeedPost {
  readonly slug: string;
  readonly kind?: PostKind;
  readonly status?: PostStatus;
  readonly publishedAt: string;
  readonly tags: readonly string[];
  readonly markdown: string;
  readonly excerpt?: string;
  readonly cover?: string;
}

const POSTS: readonly SeedPost[] = [
  {
    slug: 'alpha',
    publishedAt: '2024-01-01T10:00:00Z',
    tags: ['news', 'tech'],
    markdown: 'Alpha **text** here.',
    cover: '/media/alpha.png',
  },
  {
    slug: 'beta',
    publishedAt: '2024-02-01T10:00:00Z',
    tags: ['news'],
    markdown: `${'word '.repeat(600)}\n\n![a](https://example.com/a.png)`,
  },
  {
    slug: 'gamma',
    publishedAt: '2024-03-01T10:00:00Z',
    tags: [],
    markdown: 'Gamma text.',
    excerpt: 'A hand-written excerpt.',
  },
  { slug: 'delta', publishedAt: '2024-04-01T10:00:00Z', tags: ['tech'], markdown: 'Delta text.' },
  {
    slug: 'hidden-draft',
    status: 'draft',
    publishedAt: '2024-05-01T10:00:00Z',
    tags: ['secret'],
    markdown: 'Draft.',
  },
  {
    slug: 'future',
    status: 'scheduled',
    publishedAt: '2100-01-01T10:00:00Z',
    tags: ['secret'],
    markdown: 'Later.',
  },
  {
    slug: 'about',
    kind: 'page',
    publishedAt: '2024-01-15T10:00:00Z',
    tags: [],
    markdown: 'About this site.',
  },
];

export async function startContentApiSite(label: string): Promise<ContentApiSite> {
  const test = await startTestCluster(label, { replicas: 1 });
  const mediaDir = mkdtempSync(join(tmpdir(), 'quire-media-'));
  const node = test.cluster.node(1);
  const registry = new Registry();
  const db = await Database.connect<Tables>({
    primary: { host: test.app.host, port: test.app.port, name: 'primary' },
    replicas: [{ host: node.host, port: node.port, name: 'replica-1' }],
    database: test.app.database,
    user: test.app.user,
    password: test.app.password,
    metrics: registry,
    healthCheckIntervalMs: 300,
  });
  await migrateToLatest(db, { migrations: WEB_MIGRATIONS });
  const ownerAccount = await ensureOwner(db, 'owner@blog.test');
  if (ownerAccount === undefined) throw new Error('the owner was not created on an empty database');
  const editor = { email: 'editor@blog.test', password: 'editor password 1234' };
  const editorHash = await hashPassword(editor.password);
  const ids = new Map<string, number>();
  await db.writer.write(async (trx) => {
    const { id: ownerId } = await trx
      .selectFrom('user')
      .select('id')
      .where('role', '=', 'owner')
      .executeTakeFirstOrThrow();
    await trx
      .updateTable('user')
      .set({ name: 'Olive Owner', bio: 'Writes here.' })
      .where('id', '=', ownerId)
      .execute();
    await trx
      .insertInto('user')
      .values({
        email: editor.email,
        name: 'Eddie Editor',
        slug: 'eddie',
        bio: '',
        role: 'editor',
        password_hash: editorHash,
      })
      .execute();
    const tagIds = new Map<string, number>();
    for (const [slug, name] of [
      ['news', 'News'],
      ['tech', 'Tech'],
      ['secret', 'Secret'],
      ['unused', 'Unused'],
    ] as const) {
      const result = await trx.insertInto('tag').values({ slug, name }).executeTakeFirstOrThrow();
      tagIds.set(slug, Number(result.insertId));
    }
    for (const post of POSTS) {
      const html = renderPostMarkdown(post.markdown);
      const publishedAt = new Date(post.publishedAt);
      const result = await trx
        .insertInto('post')
        .values({
          kind: post.kind ?? 'post',
          slug: post.slug,
          title: `Title ${post.slug}`,
          markdown: post.markdown,
          html,
          excerpt: post.excerpt ?? plainExcerpt(html),
          cover_image: post.cover ?? null,
          status: post.status ?? 'published',
          published_at: publishedAt,
          author_id: ownerId,
          created_at: publishedAt,
          updated_at: publishedAt,
        })
        .executeTakeFirstOrThrow();
      const id = Number(result.insertId);
      ids.set(post.slug, id);
      for (const tag of post.tags) {
        await trx
          .insertInto('post_tag')
          .values({ post_id: id, tag_id: tagIds.get(tag) ?? 0 })
          .execute();
      }
    }
  });
  const logLines: string[] = [];
  const app = await buildApp({
    db,
    metrics: registry,
    logger: { level: 'info', stream: { write: (line: string) => logLines.push(line) } },
    settings: {
      publicUrl: new URL('http://blog.test'),
      sessionSecret: 'a test session secret of more than 32 characters',
      mediaDir,
      maxUploadBytes: 64 * 1024,
      postsPerPage: 10,
      trustProxy: false,
      pageCache: { enabled: true, maxEntries: 100, versionCheckIntervalMs: 200 },
    },
  });
  const replicaCaughtUp = async (): Promise<void> => {
    const [primary] = (await rootQuery(test.cluster, 0, 'SELECT @@gtid_binlog_pos AS gtid')) as {
      gtid: string;
    }[];
    const [waited] = (await rootQuery(
      test.cluster,
      1,
      `SELECT MASTER_GTID_WAIT('${primary?.gtid ?? ''}', 20) AS result`,
    )) as { result: number | string | null }[];
    if (Number(waited?.result) !== 0)
      throw new Error(`the replica did not reach ${primary?.gtid ?? '?'} in 20 s`);
  };
  await replicaCaughtUp();
  const owner = await logIn(app, ownerAccount);
  return {
    test,
    db,
    app,
    registry,
    owner,
    ownerAccount,
    editor,
    ids,
    logLines,
    replicaCaughtUp,
    async makeKey(name: string): Promise<string> {
      const form = await owner.get('/admin/content-api');
      if (form.statusCode !== 200) throw new Error(`the keys screen answered ${form.statusCode}`);
      const made = await owner.post('/admin/content-api', { _csrf: csrfToken(form.body), name });
      const key = /\(shown only now\): <code>([0-9a-f]{26})<\/code>/.exec(made.body)?.[1];
      if (made.statusCode !== 201 || key === undefined) {
        throw new Error(`making a key failed (${made.statusCode}): ${made.body.slice(0, 500)}`);
      }
      await replicaCaughtUp();
      return key;
    },
    async dispose(): Promise<void> {
      await app.close();
      await db.close();
      await test.dispose();
      rmSync(mediaDir, { recursive: true, force: true });
    },
  };
}
