/**
 * `npm run bench`: the web app's throughput on a real primary + replica on loopback, measured by
 * wrk (Debian's `wrk`, a second process) at 16 connections: the home page, a post, a tag page and
 * the feed, with the page cache on and off, over 200 seeded posts. In the same run, on the same
 * data and the same database server: Debian's WordPress (apache2 + mod_php with OPcache, a private
 * Apache instance) as the seed's baseline, and Debian's nginx serving a static copy of the app's
 * pages as the upper bound. Every target is measured QUIRE_BENCH_ROUNDS times (default 3), the
 * rounds interleaved, and the table shows the median and the spread. Prints a table and writes
 * docs/bench/README.md and docs/bench/results.svg. Not a timed test: numbers depend on the machine.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { format, resolveConfig } from 'prettier';
import { Registry } from 'prom-client';
import { Database, migrateToLatest } from '../src/db/index.js';
import { WORDPRESS_KEYS } from '../src/k8s/web-tier.js';
import { PACKAGE_ROOT } from '../src/util/package-root.js';
import { buildApp } from '../src/web/app.js';
import { WEB_MIGRATIONS } from '../src/web/migrations.js';
import { ensureOwner } from '../src/web/services/owner-account.js';
import { savePost } from '../src/web/services/post-editor.js';
import type { Tables } from '../src/web/tables.js';
import { eventually, rootQuery, startTestCluster } from '../test/support/local-mariadb.js';
import { median } from './stats.js';

const run = promisify(execFile);
const POSTS = 200;
const CONNECTIONS = 16;
const DURATION = process.env.QUIRE_BENCH_SECONDS ?? '5';
const ROUNDS = Number(process.env.QUIRE_BENCH_ROUNDS ?? '3');
const TIMEOUT = '10s';
const PAGE_NAMES = ['home', 'post', 'tag', 'feed'] as const;
type PageName = (typeof PAGE_NAMES)[number];
/** The app's paths; nginx serves its static copy at the same paths. */
const PAGES: Readonly<Record<PageName, string>> = {
  home: '/',
  post: '/post-100',
  tag: '/tag/topic-3',
  feed: '/rss.xml',
};
/** The same pages in WordPress, with pretty permalinks (/%postname%/). */
const WORDPRESS_PAGES: Readonly<Record<PageName, string>> = {
  home: '/',
  post: '/post-100/',
  tag: '/tag/topic-3/',
  feed: '/feed/',
};
const SYSTEMS = ['nginx', 'quire-on', 'quire-off', 'wordpress'] as const;
type System = (typeof SYSTEMS)[number];
const SYSTEM_LABELS: Readonly<Record<System, string>> = {
  nginx: 'nginx, static copy',
  'quire-on': 'Quire, cache on',
  'quire-off': 'Quire, cache off',
  wordpress: 'WordPress',
};
const SYSTEM_COLORS: Readonly<Record<System, string>> = {
  nginx: '#188038',
  'quire-on': '#0b57d0',
  'quire-off': '#8ab4f8',
  wordpress: '#9aa0a6',
};
const APT_PACKAGES =
  'apache2 libapache2-mod-php php-mysql wordpress wordpress-theme-twentytwentythree nginx wrk';

interface Sample {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
}

interface Target {
  readonly system: System;
  readonly page: PageName;
  readonly url: string;
  readonly bytes: number;
  readonly samples: Sample[];
}

/** wrk prints latencies as "1.23ms", "456.00us" or "1.02s". */
function milliseconds(text: string): number {
  const match = /^([\d.]+)(us|ms|s)$/.exec(text.trim());
  if (match?.[1] === undefined) throw new Error(`wrk printed a latency "${text}" that is not a duration`);
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
}

async function measure(url: string): Promise<Sample> {
  const { stdout } = await run('wrk', [
    '-t',
    '2',
    '-c',
    String(CONNECTIONS),
    '-d',
    `${DURATION}s`,
    '--latency',
    // wrk's default of 2 s would cut WordPress's slowest responses out of its latencies.
    '--timeout',
    TIMEOUT,
    url,
  ]);
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1];
  const p50 = /^\s+50%\s+(\S+)/m.exec(stdout)?.[1];
  const p99 = /^\s+99%\s+(\S+)/m.exec(stdout)?.[1];
  if (rate === undefined || p50 === undefined || p99 === undefined) {
    throw new Error(`wrk's output for ${url} has no rate or latency:\n${stdout}`);
  }
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const errors = non2xx + (socketErrors?.slice(1).reduce((sum, n) => sum + Number(n), 0) ?? 0);
  return { requestsPerSecond: Number(rate), p50Ms: milliseconds(p50), p99Ms: milliseconds(p99), errors };
}

const rate = (target: Target): number => median(target.samples.map((sample) => sample.requestsPerSecond));
const p50 = (target: Target): number => median(target.samples.map((sample) => sample.p50Ms));
const p99 = (target: Target): number => median(target.samples.map((sample) => sample.p99Ms));

/** Fail early, naming the apt-get command, when a Debian package the bench runs is missing. */
function checkPackages(): void {
  const needed: [string, boolean][] = [
    ['wrk', existsSync('/usr/bin/wrk')],
    ['apache2', existsSync('/usr/sbin/apache2')],
    ['libapache2-mod-php', phpModule() !== undefined],
    ['php-mysql', phpIni('mysqli') !== undefined],
    ['wordpress', existsSync('/usr/share/wordpress/wp-settings.php')],
    [
      'wordpress-theme-twentytwentythree',
      existsSync('/usr/share/wordpress/wp-content/themes/twentytwentythree/theme.json'),
    ],
    ['nginx', existsSync('/usr/sbin/nginx')],
  ];
  const missing = needed.filter(([, present]) => !present).map(([name]) => name);
  if (missing.length > 0) {
    throw new Error(
      `the benchmark needs the Debian packages ${missing.join(', ')}: apt-get install -y --no-install-recommends ${APT_PACKAGES}`,
    );
  }
  if (process.getuid?.() !== 0) {
    throw new Error(
      'the benchmark writes /etc/wordpress/config-<name>.php (Debian WordPress reads it there): run it as root',
    );
  }
}

function phpModule(): string | undefined {
  const dir = '/usr/lib/apache2/modules';
  if (!existsSync(dir)) return undefined;
  const file = readdirSync(dir).find((name) => /^libphp[\d.]*\.so$/.test(name));
  return file === undefined ? undefined : join(dir, file);
}

function phpIni(extension: string): string | undefined {
  if (!existsSync('/etc/php')) return undefined;
  for (const version of readdirSync('/etc/php')) {
    const dir = `/etc/php/${version}/apache2/conf.d`;
    if (existsSync(dir) && readdirSync(dir).some((name) => name.endsWith(`-${extension}.ini`))) return dir;
  }
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address === null || typeof address === 'string') reject(new Error('no port'));
        else resolve(address.port);
      });
    });
  });
}

/** A server process the bench started: stopped at the end, also when the bench fails or exits. */
class Daemon {
  private exited = false;
  private output = '';
  // SIGTERM, so that Apache's and nginx's parents stop their workers too.
  private readonly killOnExit = (): void => {
    if (!this.exited) this.child.kill('SIGTERM');
  };

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.once('exit', () => (this.exited = true));
    process.once('exit', this.killOnExit);
  }

  /**
   * In a process group of its own: Apache's prefork parent, stopping, signals its whole group (the
   * bench's too, were it not detached).
   */
  static start(name: string, command: string, args: readonly string[]): Daemon {
    return new Daemon(name, spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true }));
  }

  /** Poll the URL until it answers; fail with the server's output when it exits or times out. */
  async ready(url: string): Promise<void> {
    await eventually(`${this.name} at ${url}`, async () => {
      if (this.exited) throw new Error(`${this.name} exited:\n${this.output}`);
      await fetch(url, { redirect: 'manual' });
      return true;
    });
  }

  async stop(): Promise<void> {
    process.removeListener('exit', this.killOnExit);
    if (this.exited) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/** GET a page that must answer 200 with `expected` in it; returns its body. */
/** One Quire web process's settings, passed by the bench to the workers it forks. */
interface AppWorkerSpec {
  readonly port: number;
  readonly cache: boolean;
  readonly mediaDir: string;
  readonly db: {
    readonly primary: { readonly host: string; readonly port: number };
    readonly replica: { readonly host: string; readonly port: number };
    readonly database: string;
    readonly user: string;
    readonly password: string;
  };
}

const WORKER_SPEC_ENV = 'QUIRE_BENCH_WORKER';
/** As many Quire processes as nginx runs workers (Debian's nginx.conf: one per core). */
const APP_WORKERS = Number(process.env.QUIRE_BENCH_APP_WORKERS ?? availableParallelism());

/**
 * Fork the app as APP_WORKERS processes sharing one port (node:cluster), as it runs as several
 * pods or `quire up` workers: one process would use one of the two cores nginx's workers use.
 */
async function startAppWorkers(spec: AppWorkerSpec): Promise<{ stop(): Promise<void> }> {
  const workers: Worker[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) {
              resolve();
              return;
            }
            worker.once('exit', () => {
              resolve();
            });
            // The signal itself: cluster's worker.kill() first waits for the worker to disconnect,
            // which waits for its server to close, which it does only on the signal.
            worker.process.kill('SIGTERM');
          }),
      ),
    );
  };
  try {
    for (let index = 0; index < APP_WORKERS; index++) {
      const worker = cluster.fork({ [WORKER_SPEC_ENV]: JSON.stringify(spec) });
      workers.push(worker);
      await new Promise<void>((resolve, reject) => {
        worker.once('listening', () => {
          resolve();
        });
        worker.once('exit', (code) => {
          reject(new Error(`Quire worker ${index + 1} exited with ${code} before it listened`));
        });
      });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop };
}

/** A forked worker: the app with its own pools, on the port the workers share, until SIGTERM. */
async function serveAppWorker(): Promise<void> {
  const spec = JSON.parse(process.env[WORKER_SPEC_ENV] ?? '{}') as AppWorkerSpec;
  const db = await Database.connect<Tables>({
    primary: { ...spec.db.primary, name: 'primary' },
    replicas: [{ ...spec.db.replica, name: 'replica-1' }],
    database: spec.db.database,
    user: spec.db.user,
    password: spec.db.password,
    metrics: new Registry(),
    poolSize: 16,
  });
  const app = await buildApp({
    db,
    metrics: new Registry(),
    logger: false,
    settings: {
      publicUrl: new URL('http://bench.test'),
      sessionSecret: 'bench session secret of at least 32 characters',
      mediaDir: spec.mediaDir,
      maxUploadBytes: 1024 * 1024,
      postsPerPage: 10,
      trustProxy: false,
      pageCache: { enabled: spec.cache, maxEntries: 1000, versionCheckIntervalMs: 1000 },
    },
  });
  await app.listen({ host: '127.0.0.1', port: spec.port });
  process.once('SIGTERM', () => {
    // Closing the IPC channel last lets the process end.
    void app
      .close()
      .then(() => db.close())
      .finally(() => {
        process.disconnect();
      });
  });
}

async function page(url: string, expected: string): Promise<string> {
  const response = await fetch(url, { redirect: 'manual' });
  const body = await response.text();
  if (response.status !== 200 || !body.includes(expected)) {
    throw new Error(`${url} answered ${response.status} without "${expected}":\n${body.slice(0, 2000)}`);
  }
  return body;
}

interface WordPress {
  readonly base: string;
  readonly opcache: string;
  stop(): Promise<void>;
}

/**
 * Debian's WordPress in a private Apache (own ServerRoot, config, pid file and logs in `dir`,
 * loopback port; the system's /etc/apache2 and its service are not used), its database `wordpress`
 * on the bench's primary, installed by its installer over HTTP, then given the app's 200 posts and
 * tags by SQL (copied from the app's tables on the same server).
 */
async function startWordPress(
  dir: string,
  primary: { host: string; port: number },
  rootSql: (query: string) => Promise<unknown[]>,
): Promise<WordPress> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const password = randomBytes(12).toString('hex');
  const configName = `quire-bench-${process.pid}`;
  const configFile = `/etc/wordpress/config-${configName}.php`;
  await rootSql(
    `CREATE DATABASE wordpress CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
     CREATE USER 'wordpress'@'%' IDENTIFIED BY '${password}';
     GRANT ALL ON wordpress.* TO 'wordpress'@'%';`,
  );
  const salt = (): string => randomBytes(32).toString('hex');
  mkdirSync(dirname(configFile), { recursive: true });
  writeFileSync(
    configFile,
    `<?php
define('DB_NAME', 'wordpress');
define('DB_USER', 'wordpress');
define('DB_PASSWORD', '${password}');
define('DB_HOST', '${primary.host}:${primary.port}');
define('DB_CHARSET', 'utf8mb4');
// The bench's WordPress does not call out to the Internet (update checks from WP-Cron).
define('WP_HTTP_BLOCK_EXTERNAL', true);
${WORDPRESS_KEYS.map((name) => `define('${name}', '${salt()}');`).join('\n')}
`,
    { mode: 0o644 },
  );
  // Prints whether OPcache is on in this Apache's PHP (the README records it).
  writeFileSync(
    join(dir, 'opcache.php'),
    `<?php $s = function_exists('opcache_get_status') ? opcache_get_status(false) : false;
echo 'PHP ', PHP_VERSION, ', OPcache ', ($s !== false && $s['opcache_enabled']) ? 'on' : 'off';
`,
  );
  const modules = '/usr/lib/apache2/modules';
  const phpConf = readdirSync('/etc/apache2/mods-available').find((name) => /^php[\d.]*\.conf$/.test(name));
  const conf = join(dir, 'apache2.conf');
  writeFileSync(
    conf,
    `# The bench's private Apache: Debian's modules and their Debian settings, nothing from sites-enabled.
ServerRoot "${dir}"
ServerName 127.0.0.1
Listen 127.0.0.1:${port}
PidFile ${dir}/apache2.pid
Mutex file:${dir} default
ErrorLog ${dir}/error.log
LogLevel warn
User www-data
Group www-data
LoadModule mpm_prefork_module ${modules}/mod_mpm_prefork.so
LoadModule authz_core_module ${modules}/mod_authz_core.so
LoadModule alias_module ${modules}/mod_alias.so
LoadModule dir_module ${modules}/mod_dir.so
LoadModule env_module ${modules}/mod_env.so
LoadModule mime_module ${modules}/mod_mime.so
LoadModule rewrite_module ${modules}/mod_rewrite.so
LoadModule php_module ${phpModule() ?? ''}
Include /etc/apache2/mods-available/mpm_prefork.conf
Include /etc/apache2/mods-available/mime.conf
${phpConf === undefined ? '' : `Include /etc/apache2/mods-available/${phpConf}`}
TypesConfig /etc/mime.types
KeepAlive On
MaxKeepAliveRequests 100
KeepAliveTimeout 5
DirectoryIndex index.php index.html
DocumentRoot /usr/share/wordpress
Alias /quire-bench-opcache.php ${dir}/opcache.php
Alias /wp-content /var/lib/wordpress/wp-content
<Directory />
  AllowOverride None
  Require all denied
</Directory>
<Directory ${dir}>
  Require all granted
</Directory>
<Directory /var/lib/wordpress/wp-content>
  Options FollowSymLinks
  Require all granted
</Directory>
<Directory /usr/share/wordpress>
  Options FollowSymLinks
  AllowOverride None
  Require all granted
  SetEnv WORDPRESS_CONFIG ${configName}
  # Debian's /etc/wordpress/htaccess, single blog on /: pretty permalinks.
  RewriteEngine On
  RewriteBase /
  RewriteCond %{REQUEST_FILENAME} !-f
  RewriteCond %{REQUEST_FILENAME} !-d
  RewriteRule . /index.php [L]
</Directory>
`,
  );
  const apache = Daemon.start('apache2', '/usr/sbin/apache2', ['-f', conf, '-DFOREGROUND']);
  const removeConfig = (): void => {
    rmSync(configFile, { force: true });
  };
  process.once('exit', removeConfig);
  const stop = async (): Promise<void> => {
    await apache.stop();
    removeConfig();
    process.removeListener('exit', removeConfig);
  };
  try {
    await apache.ready(`${base}/quire-bench-opcache.php`);
    const opcache = (await (await fetch(`${base}/quire-bench-opcache.php`)).text()).trim();
    await page(`${base}/wp-admin/install.php`, 'WordPress');
    const installed = await fetch(`${base}/wp-admin/install.php?step=2`, {
      method: 'POST',
      body: new URLSearchParams({
        weblog_title: 'Quire bench',
        user_name: 'admin',
        admin_password: password,
        admin_password2: password,
        pw_weak: '1',
        admin_email: 'owner@bench.test',
        blog_public: '1',
        language: '',
      }),
      redirect: 'manual',
    });
    const text = await installed.text();
    if (installed.status !== 200 || !text.includes('Success')) {
      throw new Error(`the WordPress installer answered ${installed.status}:\n${text.slice(0, 2000)}`);
    }
    // The app's posts (its rendered, sanitized HTML as the content), tags and dates; WordPress's
    // sample content removed; every post in the default category, as WordPress files them.
    await rootSql(
      `USE wordpress;
       DELETE FROM wp_posts; DELETE FROM wp_postmeta; DELETE FROM wp_comments; DELETE FROM wp_commentmeta;
       DELETE FROM wp_term_relationships;
       INSERT INTO wp_posts (ID, post_author, post_date, post_date_gmt, post_content, post_title,
         post_excerpt, post_status, comment_status, ping_status, post_password, post_name, to_ping,
         pinged, post_modified, post_modified_gmt, post_content_filtered, post_parent, guid,
         menu_order, post_type, post_mime_type, comment_count)
       SELECT p.id, 1, p.published_at, p.published_at, p.html, p.title, p.excerpt, 'publish', 'open',
         'open', '', p.slug, '', '', p.updated_at, p.updated_at, '', 0, CONCAT('${base}/?p=', p.id), 0,
         'post', '', 0
       FROM quire_app.post p WHERE p.kind = 'post' AND p.status = 'published';
       INSERT INTO wp_terms (name, slug, term_group) SELECT name, slug, 0 FROM quire_app.tag;
       INSERT INTO wp_term_taxonomy (term_id, taxonomy, description, parent, count)
         SELECT t.term_id, 'post_tag', '', 0, 0 FROM wp_terms t JOIN quire_app.tag g ON BINARY g.slug = BINARY t.slug;
       INSERT INTO wp_term_relationships (object_id, term_taxonomy_id, term_order)
         SELECT pt.post_id, tt.term_taxonomy_id, 0 FROM quire_app.post_tag pt
         JOIN quire_app.tag g ON g.id = pt.tag_id JOIN wp_terms t ON BINARY t.slug = BINARY g.slug
         JOIN wp_term_taxonomy tt ON tt.term_id = t.term_id AND tt.taxonomy = 'post_tag';
       INSERT INTO wp_term_relationships (object_id, term_taxonomy_id, term_order)
         SELECT ID, 1, 0 FROM wp_posts;
       UPDATE wp_term_taxonomy tt SET count =
         (SELECT COUNT(*) FROM wp_term_relationships r WHERE r.term_taxonomy_id = tt.term_taxonomy_id);
       UPDATE wp_options SET option_value = '/%postname%/' WHERE option_name = 'permalink_structure';
       UPDATE wp_options SET option_value = '20' WHERE option_name = 'posts_per_rss';
       UPDATE wp_options SET option_value = '10' WHERE option_name = 'posts_per_page';
       DELETE FROM wp_options WHERE option_name = 'rewrite_rules';`,
    );
    return { base, opcache, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Debian's nginx (its nginx.conf's http settings, no access log) on a loopback port, serving `site`. */
async function startNginx(dir: string, site: string): Promise<{ base: string; stop(): Promise<void> }> {
  const port = await freePort();
  mkdirSync(dir);
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off;
master_process on;
worker_processes auto;
${process.getuid?.() === 0 ? 'user www-data;' : ''}
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events {
  worker_connections 768;
}
http {
  sendfile on;
  tcp_nopush on;
  types_hash_max_size 2048;
  include /etc/nginx/mime.types;
  default_type text/html;
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    root ${site};
    index index.html;
  }
}
`,
  );
  const nginx = Daemon.start('nginx', '/usr/sbin/nginx', ['-c', conf, '-p', dir]);
  const base = `http://127.0.0.1:${port}`;
  try {
    await nginx.ready(base);
  } catch (error) {
    await nginx.stop();
    throw error;
  }
  return { base, stop: () => nginx.stop() };
}

/** Horizontal bars, log scale (WordPress and nginx are orders of magnitude apart), min–max whiskers. */
function svgChart(targets: readonly Target[]): string {
  const width = 760;
  const rowHeight = 22;
  const left = 250;
  const plot = width - left - 90;
  const max = Math.max(
    ...targets.flatMap((target) => target.samples.map((sample) => sample.requestsPerSecond)),
  );
  const decades = Math.max(1, Math.ceil(Math.log10(max)));
  const x = (value: number): number => left + (plot * Math.log10(Math.max(1, value))) / decades;
  const top = 44;
  const rows: string[] = [];
  let y = top;
  for (const name of PAGE_NAMES) {
    rows.push(`<text x="8" y="${y + 15}" font-weight="bold">${name} (${PAGES[name]})</text>`);
    y += rowHeight;
    for (const system of SYSTEMS) {
      const target = targets.find((t) => t.page === name && t.system === system);
      if (target === undefined) continue;
      const values = target.samples.map((sample) => sample.requestsPerSecond);
      const value = rate(target);
      rows.push(
        `<text x="${left - 8}" y="${y + 15}" text-anchor="end">${SYSTEM_LABELS[system]}</text>`,
        `<rect x="${left}" y="${y + 3}" width="${(x(value) - left).toFixed(1)}" height="16" fill="${SYSTEM_COLORS[system]}"/>`,
        `<line x1="${x(Math.min(...values)).toFixed(1)}" x2="${x(Math.max(...values)).toFixed(1)}" y1="${y + 11}" y2="${y + 11}" stroke="#202124"/>`,
        `<text x="${(x(Math.max(...values)) + 6).toFixed(1)}" y="${y + 15}">${Math.round(value)}</text>`,
      );
      y += rowHeight;
    }
    y += 6;
  }
  const grid = Array.from({ length: decades + 1 }, (_, power) => {
    const gx = x(10 ** power).toFixed(1);
    return `<line x1="${gx}" x2="${gx}" y1="${top - 4}" y2="${y}" stroke="#dadce0"/><text x="${gx}" y="${y + 14}" text-anchor="middle" fill="#5f6368">${10 ** power}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 24}" font-family="sans-serif" font-size="13">
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="8" y="18" font-weight="bold">Requests per second, ${CONNECTIONS} connections (wrk), median of ${ROUNDS} rounds, log scale</text>
<text x="8" y="34" fill="#5f6368">bars: median; whiskers: min to max of the rounds</text>
${grid.join('\n')}
${rows.join('\n')}
</svg>
`;
}

async function main(): Promise<void> {
  checkPackages();
  const loadAtStart = loadavg();
  const work = mkdtempSync(join(tmpdir(), 'quire-bench-'));
  // Apache's and nginx's workers run as www-data: they read their files in here.
  chmodSync(work, 0o755);
  const mediaDir = join(work, 'media');
  const site = join(work, 'static');
  mkdirSync(mediaDir);
  const cleanups: (() => Promise<void>)[] = [];
  const stopOnSignal = (): void => process.exit(130);
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    const mariadb = await startTestCluster('bench', { replicas: 1 });
    cleanups.push(() => mariadb.dispose());
    const registry = new Registry();
    const replica = mariadb.cluster.node(1);
    const db = await Database.connect<Tables>({
      primary: { host: mariadb.app.host, port: mariadb.app.port, name: 'primary' },
      replicas: [{ host: replica.host, port: replica.port, name: 'replica-1' }],
      database: mariadb.app.database,
      user: mariadb.app.user,
      password: mariadb.app.password,
      metrics: registry,
      poolSize: 16,
    });
    cleanups.push(() => db.close());
    await migrateToLatest(db, { migrations: WEB_MIGRATIONS });
    await ensureOwner(db, 'owner@bench.test');
    const owner = await db.writer.kysely
      .selectFrom('user')
      .select(['id', 'email', 'name', 'slug', 'role'])
      .executeTakeFirstOrThrow();
    const paragraph =
      'Quire sends every read to a replica and every write to the primary, and keeps rendered pages in memory. ';
    await db.writer.write(async (trx) => {
      for (let index = 1; index <= POSTS; index++) {
        await savePost(
          trx,
          owner,
          undefined,
          {
            kind: 'post',
            title: `Post ${index}`,
            slug: `post-${index}`,
            markdown: `## Part ${index}\n\n${paragraph.repeat(12)}\n\n- one\n- two\n\n**Bold** and *em*.`,
            excerpt: '',
            status: 'published',
            publishedAt: new Date(Date.UTC(2026, 0, 1) + index * 3_600_000),
            tags: `Topic ${index % 5}, Topic ${(index + 1) % 5}`,
          },
          new Date(),
        );
      }
    });
    await eventually('the posts on the replica', async () => {
      const rows = (await rootQuery(mariadb.cluster, 1, 'SELECT COUNT(*) AS n FROM quire_app.post')) as {
        n: number;
      }[];
      return Number(rows[0]?.n) === POSTS;
    });
    const version = await db.reader.read(
      async (q) => (await sql<{ v: string }>`SELECT VERSION() AS v`.execute(q)).rows[0]?.v,
    );

    const bases: Partial<Record<System, string>> = {};
    for (const cache of ['on', 'off'] as const) {
      const port = await freePort();
      const workers = await startAppWorkers({
        port,
        cache: cache === 'on',
        mediaDir,
        db: {
          primary: { host: mariadb.app.host, port: mariadb.app.port },
          replica: { host: replica.host, port: replica.port },
          database: mariadb.app.database,
          user: mariadb.app.user,
          password: mariadb.app.password,
        },
      });
      cleanups.push(() => workers.stop());
      bases[cache === 'on' ? 'quire-on' : 'quire-off'] = `http://127.0.0.1:${port}`;
    }

    // The static copy: the app's own rendered pages, saved at the same paths.
    for (const name of PAGE_NAMES) {
      const path = PAGES[name];
      const file = path === '/' ? join(site, 'index.html') : join(site, path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(
        file,
        await page(`${bases['quire-on'] ?? ''}${path}`, name === 'post' ? 'Post 100' : 'Post 19'),
      );
    }
    const nginx = await startNginx(join(work, 'nginx'), site);
    cleanups.push(() => nginx.stop());
    bases.nginx = nginx.base;

    const primary = mariadb.cluster.node(0);
    mkdirSync(join(work, 'apache2'));
    const wordpress = await startWordPress(join(work, 'apache2'), primary, (query) =>
      rootQuery(mariadb.cluster, 0, query),
    );
    cleanups.push(() => wordpress.stop());
    bases.wordpress = wordpress.base;

    // Every target answers 200 with the page's content before anything is measured.
    const targets: Target[] = [];
    for (const system of SYSTEMS) {
      for (const name of PAGE_NAMES) {
        const url = `${bases[system] ?? ''}${system === 'wordpress' ? WORDPRESS_PAGES[name] : PAGES[name]}`;
        const body = await page(url, name === 'post' ? 'Post 100' : 'Post 19');
        targets.push({ system, page: name, url, bytes: Buffer.byteLength(body), samples: [] });
      }
    }

    for (let round = 1; round <= ROUNDS; round++) {
      process.stdout.write(`round ${round} of ${ROUNDS}, load average ${loadavg()[0]?.toFixed(1) ?? '?'}\n`);
      for (const target of targets) {
        // Warm up the pools, the JIT, OPcache and the caches.
        await run('wrk', ['-t', '1', '-c', '4', '-d', '1s', target.url]);
        const sample = await measure(target.url);
        target.samples.push(sample);
        process.stdout.write(
          `  ${SYSTEM_LABELS[target.system].padEnd(18)} ${target.page.padEnd(5)} ${sample.requestsPerSecond.toFixed(0).padStart(7)} req/s  p50 ${sample.p50Ms.toFixed(2)} ms  p99 ${sample.p99Ms.toFixed(2)} ms  errors ${sample.errors}\n`,
        );
      }
    }

    const find = (system: System, name: PageName): Target | undefined =>
      targets.find((target) => target.system === system && target.page === name);
    const ratio = (a: Target | undefined, b: Target | undefined): number =>
      a === undefined || b === undefined ? NaN : rate(a) / rate(b);
    // A baseline that answered no request in a round has no ratio: say so rather than "Infinity".
    const times = (value: number): string =>
      !Number.isFinite(value) ? 'n/a' : value >= 10 ? value.toFixed(0) : value.toFixed(1);
    const table = [
      '| page | server | req/s (median) | req/s (min–max) | p50 (ms) | p99 (ms) | errors | bytes | ratio |',
      '| ---- | ------ | -------------: | --------------: | -------: | -------: | -----: | ----: | ----: |',
      ...targets.map((target) => {
        const values = target.samples.map((sample) => sample.requestsPerSecond);
        const against =
          target.system === 'quire-off'
            ? `${times(ratio(target, find('wordpress', target.page)))}× WordPress`
            : target.system === 'quire-on'
              ? `${(100 * ratio(target, find('nginx', target.page))).toFixed(0)}% of nginx`
              : '';
        const errors = target.samples.reduce((sum, sample) => sum + sample.errors, 0);
        return `| ${target.page} | ${SYSTEM_LABELS[target.system]} | ${rate(target).toFixed(0)} | ${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)} | ${p50(target).toFixed(2)} | ${p99(target).toFixed(2)} | ${errors} | ${target.bytes} | ${against} |`;
      }),
    ].join('\n');

    const postOff = ratio(find('quire-off', 'post'), find('wordpress', 'post'));
    const cachedShares = PAGE_NAMES.map((name) => ({
      name,
      share: ratio(find('quire-on', name), find('nginx', name)),
    }));
    const cachedP99 = PAGE_NAMES.map((name) => {
      const target = find('quire-on', name);
      return { name, p99: target === undefined ? NaN : p99(target) };
    });
    const met = (ok: boolean): string => (ok ? '**met**' : '**not met**');
    const verdicts = [
      `- Post page, cache off, ≥ 30× WordPress: ${times(postOff)}× — ${met(postOff >= 30)}.`,
      `- Cached pages ≥ 50% of nginx static: ${cachedShares.map(({ name, share }) => `${name} ${(100 * share).toFixed(0)}%`).join(', ')} — ${met(cachedShares.every(({ share }) => share >= 0.5))}.`,
      `- p99 < 20 ms at ${CONNECTIONS} connections, cached: ${cachedP99.map(({ name, p99: value }) => `${name} ${value.toFixed(1)} ms`).join(', ')} — ${met(cachedP99.every(({ p99: value }) => value < 20))}.`,
    ].join('\n');

    const { stdout: packages } = await run('dpkg-query', [
      '-W',
      '-f',
      '${Package} ${Version}, ',
      'apache2',
      'libapache2-mod-php',
      'wordpress',
      'wordpress-theme-twentytwentythree',
      'nginx',
      'wrk',
    ]);
    const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Linux ${release()}, Node ${process.version}, MariaDB ${version ?? 'unknown'}`;
    const load = (values: number[]): string => values.map((value) => value.toFixed(1)).join(', ');
    const dir = join(PACKAGE_ROOT, 'docs', 'bench');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'results.svg'), svgChart(targets));
    const readme = join(dir, 'README.md');
    // Formatted like every other file of the repository (npm run lint checks it).
    const markdown = `# Web app benchmark\n\nHow long \`quire up\` takes to the first page: [up.md](up.md) (\`npm run bench:up\`).

\`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: a real MariaDB primary and replica on loopback, ${POSTS}
seeded posts, [wrk](https://github.com/wg/wrk) from a second process, ${CONNECTIONS} connections, ${DURATION} s per
page after a 1 s warm-up, ${ROUNDS} rounds (the targets interleaved; the table gives the median and the
spread of the rounds), all servers up at once on the same machine:

- **Quire**, as ${APP_WORKERS} processes sharing one port (node:cluster; nginx runs one worker per core), reading from the\n  replica, with the page cache on (hits answered in front of Fastify) and off;
- **WordPress** (Debian's package, the seed's baseline) in a private apache2 with mod_php
  (prefork, Debian's settings; ${wordpress.opcache}), its database on the same primary, installed by its
  installer, holding the same ${POSTS} posts (the app's rendered HTML), tags and dates, pretty
  permalinks, 10 posts a page and 20 in the feed like the app;
- **nginx** (Debian's package, its \`nginx.conf\` settings) serving a static copy of the app's pages:
  the upper bound.

None of them writes an access log. wrk asks for no compression (browsers do: Quire then sends a cached page's
brotli or gzip bytes, compressed once per page). wrk waits up to ${TIMEOUT} for a response (errors: timeouts and
non-2xx answers). WordPress is Debian's as installed (Twenty Twenty-Three, no page-cache plugin;
its pages are larger because the theme inlines its styles), with outbound HTTP blocked
(\`WP_HTTP_BLOCK_EXTERNAL\`: no update checks from WP-Cron during the bench). Ratios: Quire with the cache off ÷ WordPress, and Quire with the
cache on ÷ nginx, per page (medians).

Machine: ${machine}; ${packages.replace(/, $/, '')}. Load average at the start: ${load(loadAtStart)}, at the end:
${load(loadavg())}. The machine is shared with other engineers' tests and a Kubernetes test cluster, and wrk
shares its 2 cores with the servers it measures: the numbers move between runs, so read the spread.

${table}

Targets (issue 4), on the medians:

${verdicts}

![Requests per second](results.svg)
`;
    writeFileSync(readme, await format(markdown, { ...(await resolveConfig(readme)), filepath: readme }));
    process.stdout.write(
      `\n${table}\n\n${verdicts}\n\nwritten: docs/bench/README.md, docs/bench/results.svg\n`,
    );
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        process.stderr.write(`cleanup failed: ${String(error)}\n`);
      }
    }
    process.removeListener('SIGINT', stopOnSignal);
    process.removeListener('SIGTERM', stopOnSignal);
    rmSync(work, { recursive: true, force: true });
  }
}

if (cluster.isPrimary) await main();
else await serveAppWorker();
