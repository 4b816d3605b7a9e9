/**
 * The app in real Chromium (Debian's, driven by playwright-core) on a real primary and replica:
 * log in, write a post with Markdown and an image, see it on the home page at once, comment as a
 * visitor, approve the comment, see it published; scripts in the post and the comment do not
 * run; a form sent without its CSRF token is refused; a script a tool injects may fetch from the
 * site's own origin only. Takes screenshots of the home page and of
 * the editor (with QUIRE_UPDATE_SCREENSHOTS=1, into docs/screenshots/, which the README shows).
 */
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database, migrateToLatest } from '../../src/db/index.js';
import { PACKAGE_ROOT } from '../../src/util/package-root.js';
import { buildApp } from '../../src/web/app.js';
import { WEB_MIGRATIONS } from '../../src/web/migrations.js';
import { ensureOwner, type CreatedOwner } from '../../src/web/services/owner-account.js';
import type { Tables } from '../../src/web/tables.js';
import { startTestCluster, type TestCluster } from '../support/local-mariadb.js';
import { TINY_PNG } from './support/browser-session.js';

const CHROMIUM = '/usr/bin/chromium';
/** QUIRE_UPDATE_SCREENSHOTS=1 replaces the README's screenshots; otherwise they go to a temporary directory. */
const SCREENSHOTS =
  process.env.QUIRE_UPDATE_SCREENSHOTS === '1'
    ? join(PACKAGE_ROOT, 'docs', 'screenshots')
    : mkdtempSync(join(tmpdir(), 'quire-screenshots-'));

describe('the web app in Chromium', () => {
  let test: TestCluster;
  let db: Database<Tables>;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let owner: CreatedOwner;
  let mediaDir: string;

  beforeAll(async () => {
    test = await startTestCluster('browser', { replicas: 1 });
    mediaDir = mkdtempSync(join(tmpdir(), 'quire-media-'));
    const replica = test.cluster.node(1);
    const registry = new Registry();
    db = await Database.connect<Tables>({
      primary: { host: test.app.host, port: test.app.port, name: 'primary' },
      replicas: [{ host: replica.host, port: replica.port, name: 'replica-1' }],
      database: test.app.database,
      user: test.app.user,
      password: test.app.password,
      metrics: registry,
    });
    await migrateToLatest(db, { migrations: WEB_MIGRATIONS });
    const created = await ensureOwner(db, 'owner@localhost');
    if (created === undefined) throw new Error('no owner was created');
    owner = created;
    app = await buildApp({
      db,
      metrics: registry,
      logger: false,
      settings: {
        publicUrl: new URL('http://127.0.0.1'),
        sessionSecret: 'a browser test session secret, 32+ characters',
        mediaDir,
        maxUploadBytes: 1024 * 1024,
        postsPerPage: 10,
        trustProxy: false,
        pageCache: { enabled: true, maxEntries: 100, versionCheckIntervalMs: 1000 },
      },
    });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu'],
    });
  });

  afterAll(async () => {
    await browser.close();
    await app.close();
    await db.close();
    await test.dispose();
    rmSync(mediaDir, { recursive: true, force: true });
  });

  /** A page that records dialogs (an alert() would mean a script ran). */
  async function openPage(): Promise<{ page: Page; dialogs: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    return { page, dialogs };
  }

  it('write and publish a post, comment as a visitor, approve it; no script runs; no form without its token', async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const { page: admin, dialogs: adminDialogs } = await openPage();
    await admin.goto(`${base}/admin/login`);
    await admin.getByLabel('Email').fill(owner.email);
    await admin.getByLabel('Password').fill(owner.password);
    await admin.getByRole('button', { name: 'Log in' }).click();
    await admin.waitForURL(`${base}/admin`);

    await admin.goto(`${base}/admin/posts/new`);
    await admin.getByLabel('Title', { exact: true }).fill('Replicas, finally used');
    await admin
      .getByLabel('Text (Markdown)')
      .fill(
        '## Reads on the replica\n\nThe seed never used its replica; **Quire** does.\n\n' +
          '<script>window.quireXss = "post"; alert("post")</script>\n\n<img src="x" onerror="alert(\'img\')">\n',
      );
    await admin.getByLabel('Tags, comma-separated').fill('Replication, Kubernetes');
    await admin.getByLabel('Status').selectOption('published');
    await admin
      .getByLabel(/Cover image/)
      .setInputFiles({ name: 'cover.png', mimeType: 'image/png', buffer: TINY_PNG });
    await admin.screenshot({ path: join(SCREENSHOTS, 'editor.png'), fullPage: true });
    await admin.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => admin.url()).toMatch(/\/admin\/posts\/\d+\?saved=1$/);
    await expect.poll(() => admin.getByRole('status').textContent()).toContain('Saved.');

    // The author's next page reads their write, through the replica or the primary.
    await admin.goto(`${base}/`);
    await expect.poll(() => admin.getByRole('link', { name: 'Replicas, finally used' }).count()).toBe(1);
    await admin.screenshot({ path: join(SCREENSHOTS, 'home.png'), fullPage: true });
    expect(statSync(join(SCREENSHOTS, 'home.png')).size).toBeGreaterThan(1000);

    const { page: visitor, dialogs: visitorDialogs } = await openPage();
    await visitor.goto(`${base}/replicas-finally-used`);
    expect(await visitor.locator('h2', { hasText: 'Reads on the replica' }).count()).toBe(1);
    // The cover image was stored and is served.
    expect(await visitor.evaluate("document.querySelector('img.cover').naturalWidth")).toBe(1);
    await visitor.getByRole('link', { name: 'Write a comment' }).click();
    await visitor.getByLabel('Your name').fill('Ana');
    await visitor
      .getByLabel('Comment (Markdown)')
      .fill('Great *read*! <script>window.quireXss = "comment"; alert("comment")</script>');
    await visitor.getByRole('button', { name: 'Send comment' }).click();
    await expect.poll(() => visitor.getByRole('status').textContent()).toContain('waits for moderation');

    // The same form without its token, with the visitor's cookies: refused.
    const forged = await visitor.request.post(`${base}/replicas-finally-used/comment`, {
      form: { name: 'Mallory', body: 'forged' },
    });
    expect(forged.status()).toBe(403);

    await admin.goto(`${base}/admin/comments`);
    expect(await admin.locator('.comment', { hasText: 'Ana' }).count()).toBe(1);
    expect(await admin.locator('.comment', { hasText: 'Mallory' }).count()).toBe(0);
    await admin.getByRole('button', { name: 'Approve' }).click();
    await admin.waitForURL(`${base}/admin/comments`);

    await expect
      .poll(
        async () => {
          await visitor.goto(`${base}/replicas-finally-used`);
          return visitor.locator('.comment', { hasText: 'Great read!' }).count();
        },
        { timeout: 10_000 },
      )
      .toBe(1);
    expect(await visitor.locator('.comment em').textContent()).toBe('read');
    // Set by any script that managed to run.
    expect(await visitor.evaluate('window.quireXss')).toBeUndefined();
    expect(await admin.evaluate('window.quireXss')).toBeUndefined();
    expect([...adminDialogs, ...visitorDialogs]).toEqual([]);
  });

  it("lets a script a tool puts in the page fetch from the site's own origin only", async () => {
    const { page } = await openPage();
    await page.goto(`${base}/`);
    // Lighthouse's robots.txt audit fetches it so; the page itself runs no script.
    expect(await page.evaluate("fetch('/robots.txt').then((response) => response.status)")).toBe(200);
    const violated = await page.evaluate(`new Promise((resolve) => {
      document.addEventListener('securitypolicyviolation', (event) => resolve(event.effectiveDirective));
      fetch('http://localhost:9/', { mode: 'no-cors' }).catch(() => undefined);
      setTimeout(() => resolve('no violation'), 5000);
    })`);
    expect(violated).toBe('connect-src');
  });
});
