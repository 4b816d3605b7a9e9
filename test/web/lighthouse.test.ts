/**
 * Lighthouse on the home page and a post page of a running `quire serve` (a process of its own,
 * on a real primary and replica, with published posts, one with a cover image), in Debian's
 * Chromium: 100 in accessibility, best practices and SEO, and no layout shift. Lighthouse 12 (13
 * needs Node 22), with its two standard settings: a phone on simulated slow 4G with a 4x slower
 * CPU (its default), and a desktop on simulated cable. The performance score and the LCP are
 * timings: they are printed, not asserted (a test must not fail because the machine is busy);
 * the README gives the figures measured.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import lighthouse, { desktopConfig, type Config, type Result } from 'lighthouse';
import * as medianRun from 'lighthouse/core/lib/median-run.js';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { Database, migrateToLatest } from '../../src/db/index.js';
import { freePort } from '../../src/local/mariadb/index.js';
import { WEB_MIGRATIONS } from '../../src/web/migrations.js';
import { storeImage } from '../../src/web/services/media-store.js';
import { ensureOwner } from '../../src/web/services/owner-account.js';
import { savePost, type PostInput } from '../../src/web/services/post-editor.js';
import type { Tables } from '../../src/web/tables.js';
import { startTestCluster, type TestCluster } from '../support/local-mariadb.js';
import { startServe, type ServeProcess } from '../support/quire-serve.js';
import { gradientPng } from './support/png-image.js';

/** Lighthouse's own test of a valid run; its declarations name a global `LH` that is not there. */
const { filterToValidRuns } = medianRun as unknown as {
  filterToValidRuns: (runs: readonly Result[]) => Result[];
};

const CHROMIUM = '/usr/bin/chromium';
const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'] as const;
/** Lighthouse's settings by form factor (its default, undefined, is the phone). */
const FORM_FACTORS: Readonly<Record<string, Config | undefined>> = {
  mobile: undefined,
  desktop: desktopConfig,
};
/** The categories a page must score 100 in: what does not depend on the machine's speed. */
const ASSERTED = ['accessibility', 'best-practices', 'seo'] as const;
/** Runs of one page whose trace was not recorded (Lighthouse: "please run Lighthouse again") are made again. */
const ATTEMPTS = 3;

const POSTS: readonly (Pick<PostInput, 'title' | 'markdown' | 'tags'> & { cover?: Buffer })[] = [
  {
    title: 'Reads on the replica',
    markdown:
      'The seed never used its replica; **Quire** does: every page reads through a replica, every ' +
      'form writes on the primary.\n\n## Read your writes\n\nAfter a write, the next page waits for ' +
      'its GTID on the replica.\n\n```sh\n./bin/quire.js local status\n```\n',
    tags: 'Replication, MariaDB',
  },
  {
    title: 'A page cache that follows the database',
    markdown:
      'Each content write bumps a version row in the same transaction; each process reads it at ' +
      'most once a second and drops its pages when it moved.\n\n- ETag and Last-Modified\n- gzip ' +
      'and brotli, compressed once per page\n\n> Hits are answered in front of Fastify.\n\nMore in ' +
      '[the README](https://example.com/quire).\n',
    tags: 'Performance',
    cover: gradientPng(1200, 630, [11, 87, 208], [138, 180, 248]),
  },
];

/** "id: score value" of every audit that counts in `category` and did not pass. */
function failedAudits(result: Result, category: string): string[] {
  const refs = result.categories[category]?.auditRefs ?? [];
  return refs
    .filter((ref) => ref.weight > 0)
    .map((ref) => result.audits[ref.id])
    .filter((audit) => audit !== undefined && audit.score !== null && audit.score < 1)
    .map((audit) => `${audit?.id}: ${audit?.score} ${audit?.displayValue ?? ''}`);
}

/** Each category's score, 0 to 100, as Lighthouse shows it. */
function categoryScores(result: Result): Record<string, number> {
  return Object.fromEntries(
    CATEGORIES.map((category) => [category, Math.round((result.categories[category]?.score ?? 0) * 100)]),
  );
}

/** One line: the four scores, LCP, CLS, TBT and the host's CPU benchmark index. */
function summary(result: Result): string {
  if (result.runtimeError !== undefined) return `no result (${result.runtimeError.code})`;
  const scores = categoryScores(result);
  const metric = (id: string): number | undefined => result.audits[id]?.numericValue;
  return (
    `${CATEGORIES.map((category) => `${category} ${scores[category]}`).join(', ')}; ` +
    `LCP ${metric('largest-contentful-paint')?.toFixed(0)} ms, CLS ${metric('cumulative-layout-shift')}, ` +
    `TBT ${metric('total-blocking-time')?.toFixed(0)} ms (CPU benchmark index ${result.environment.benchmarkIndex})`
  );
}

describe('Lighthouse on a running Quire', () => {
  let test: TestCluster;
  let dir: string;
  let server: ServeProcess;
  let browser: Browser;
  let debuggingPort: number;

  beforeAll(async () => {
    test = await startTestCluster('lighthouse', { replicas: 1 });
    dir = mkdtempSync(join(tmpdir(), 'quire-lighthouse-'));
    // The content is there before the server starts (which migrates again: nothing to do).
    const db = await Database.connect<Tables>({
      primary: { host: test.app.host, port: test.app.port },
      database: test.app.database,
      user: test.app.user,
      password: test.app.password,
    });
    try {
      await migrateToLatest(db, { migrations: WEB_MIGRATIONS });
      await ensureOwner(db, 'owner@localhost');
      for (const post of POSTS) {
        const coverImage =
          post.cover === undefined ? undefined : await storeImage(join(dir, 'media'), post.cover);
        await db.writer.write(async (trx) => {
          const owner = await trx
            .selectFrom('user')
            .select(['id', 'email', 'name', 'slug', 'role'])
            .executeTakeFirstOrThrow();
          const input = { ...post, slug: '', excerpt: '', kind: 'post', status: 'published' } as const;
          return savePost(
            trx,
            owner,
            undefined,
            { ...input, publishedAt: undefined, coverImage },
            new Date(),
          );
        });
      }
    } finally {
      await db.close();
    }
    server = await startServe(test, dir, 'a lighthouse test session secret, 32+ characters');
    debuggingPort = await freePort('127.0.0.1');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', `--remote-debugging-port=${debuggingPort}`],
    });
  });

  afterAll(async () => {
    await browser.close();
    await server.stop();
    await test.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The first valid Lighthouse run of `url`, and every run it took. */
  async function audit(url: string, config: Config | undefined): Promise<{ result: Result; runs: Result[] }> {
    const runs: Result[] = [];
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const answer = await lighthouse(
        url,
        { port: debuggingPort, logLevel: 'error', onlyCategories: [...CATEGORIES] },
        config,
      );
      if (answer === undefined) throw new Error('Lighthouse returned no result');
      runs.push(answer.lhr);
      const [valid] = filterToValidRuns([answer.lhr]);
      if (valid !== undefined) return { result: valid, runs };
    }
    throw new Error(`no valid Lighthouse run in ${ATTEMPTS}: ${runs.map((run) => summary(run)).join('; ')}`);
  }

  const PAGES = [
    ['the home page', '/'],
    ['a post page with a cover image', '/a-page-cache-that-follows-the-database'],
  ] as const;

  it.each(PAGES.flatMap(([name, path]) => Object.keys(FORM_FACTORS).map((form) => [name, form, path])))(
    '%s on %s scores 100 in accessibility, best practices and SEO, with no layout shift',
    async (_name, formFactor, path) => {
      onTestFailed(() => {
        console.error(`quire serve printed:\n${server.output.stderr}`);
      });
      const url = `${server.base}${path}`;
      // A visitor came before: the page is in the page cache, as a published page mostly is.
      expect((await fetch(url)).status).toBe(200);
      const { result, runs } = await audit(url, FORM_FACTORS[formFactor]);
      for (const run of runs)
        console.log(`Lighthouse ${result.lighthouseVersion}, ${formFactor}, ${path}: ${summary(run)}`);
      expect(result.runtimeError, result.runtimeError?.message).toBeUndefined();
      const scores = categoryScores(result);
      for (const category of ASSERTED) {
        expect(scores[category], `${category}: ${failedAudits(result, category).join('; ')}`).toBe(100);
      }
      expect(result.audits['cumulative-layout-shift']?.numericValue).toBe(0);
    },
    180_000,
  );
});
