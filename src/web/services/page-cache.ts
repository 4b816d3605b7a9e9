/**
 * Rendered pages for anonymous visitors, in this process's memory.
 *
 * Invalidation across processes: every write that changes a public page bumps one row
 * (`content_version`) in the same transaction. A process reads that row at most once per
 * `checkIntervalMs` (one primary-key lookup per interval, whatever the traffic) and drops its pages
 * when the number moved. Its own writes drop them at once. A short TTL alone would serve every
 * stale page for the whole TTL and re-render unchanged ones; an event bus would need a second
 * service. The price is that another process may serve a changed page for up to one interval plus
 * the replica's lag. Each page is stored with the version read on the same connection that
 * rendered it, so a page rendered from a replica that had not yet applied a write is never kept
 * under the newer version. A scheduled post going public changes pages without a write: the
 * state also carries the next scheduled time, and the pages are dropped when it passes.
 */
import { createHash } from 'node:crypto';
import type { ContentState } from './public-content.js';

/** A cached page as it leaves in one content coding: body and the headers that describe it. */
export interface CachedResponse {
  readonly body: Buffer;
  /** This coding's ETag (also in `headers`). */
  readonly etag: string;
  /** Lowercase names: type, validators, cache policy, coding and length (not the security headers). */
  readonly headers: Readonly<Record<string, string>>;
}

export interface CachedPage {
  /** The route pattern that rendered it (for the request metrics of hits). */
  readonly route: string;
  readonly statusCode: number;
  readonly contentType: string;
  /** The route's own headers (the Content API's CORS header), sent in every coding. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body in UTF-8, encoded once: a hit sends these bytes, not the string again. */
  readonly bytes: Buffer;
  /** The body as text, decoded from `bytes` when asked (the page is not kept twice). */
  readonly body: string;
  /** The ETag of `bytes` (each compressed response has its own, derived from it). */
  readonly etag: string;
  readonly lastModified: Date;
  /** The page as sent, by content coding, each made at its first request (page-sender). */
  readonly responses: Map<string, CachedResponse>;
  /** Codings being compressed (off the event loop) for requests waiting on them (page-sender). */
  readonly compressions: Map<string, Promise<CachedResponse>>;
}

export interface PageCacheOptions {
  readonly maxEntries: number;
  /** Longest time between two reads of the content state, in ms. */
  readonly checkIntervalMs: number;
  /** Reads the content state (from a replica). */
  readonly readState: () => Promise<ContentState>;
  /** @default Date.now */
  readonly now?: () => number;
}

interface Entry {
  readonly page: CachedPage;
  readonly version: number;
}

export class PageCache {
  private readonly entries = new Map<string, Entry>();
  private state: ContentState | undefined;
  private checkedAtMs = -Infinity;
  private checking: Promise<void> | undefined;
  /** The version this process's last write produced: nothing older is served or kept. */
  private floor = 0;
  private readonly now: () => number;

  constructor(private readonly options: PageCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Number of pages held. */
  get size(): number {
    return this.entries.size;
  }

  /** The page for `key` if it is still current (reading the content state when it is due). */
  async get(key: string): Promise<CachedPage | undefined> {
    await this.refresh();
    return this.current(key);
  }

  /**
   * The page for `key` if it is current and no read of the content state is due, without I/O
   * (the front that answers hits before Fastify; a due read is left to `get`).
   */
  peek(key: string): CachedPage | undefined {
    const now = this.now();
    return this.scheduledPassed(now) || this.checkDue(now) ? undefined : this.current(key);
  }

  private current(key: string): CachedPage | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined || entry.version !== this.state?.version || entry.version < this.floor) {
      return undefined;
    }
    // Map order is the eviction order: a hit moves the page to the end.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.page;
  }

  /**
   * Keep a page rendered at `state` (read with the page's data). A page older than what this
   * process already knows is not kept; a newer one moves the known state forward.
   */
  set(
    key: string,
    state: ContentState,
    page: Omit<CachedPage, 'bytes' | 'etag' | 'lastModified' | 'responses' | 'compressions' | 'headers'> & {
      readonly headers?: Readonly<Record<string, string>> | undefined;
    },
  ): CachedPage {
    const bytes = Buffer.from(page.body, 'utf8');
    const etag = `"${state.version}-${createHash('sha1').update(bytes).digest('base64url').slice(0, 16)}"`;
    const cached: CachedPage = {
      route: page.route,
      statusCode: page.statusCode,
      contentType: page.contentType,
      headers: page.headers ?? {},
      bytes,
      get body() {
        return bytes.toString('utf8');
      },
      etag,
      lastModified: new Date(Math.floor(this.now() / 1000) * 1000),
      responses: new Map(),
      compressions: new Map(),
    };
    if (state.version < this.floor || (this.state !== undefined && state.version < this.state.version)) {
      return cached;
    }
    if (this.state === undefined || state.version > this.state.version) this.adopt(state);
    this.entries.delete(key);
    this.entries.set(key, { page: cached, version: state.version });
    while (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return cached;
  }

  /**
   * This process changed content, making `version`: drop every page, and until a replica shows
   * that version, read the state at every get and keep nothing.
   */
  invalidate(version = this.floor): void {
    this.floor = Math.max(this.floor, version);
    this.entries.clear();
    this.state = undefined;
    this.checkedAtMs = -Infinity;
  }

  private adopt(state: ContentState): void {
    if (this.state?.version !== state.version) this.entries.clear();
    this.state = state;
    // Behind this process's own write: check again at the next get.
    this.checkedAtMs = state.version < this.floor ? -Infinity : this.now();
  }

  private scheduledPassed(now: number): boolean {
    return this.state?.nextScheduledAt != null && this.state.nextScheduledAt.getTime() <= now;
  }

  private checkDue(now: number): boolean {
    return now - this.checkedAtMs >= this.options.checkIntervalMs;
  }

  private async refresh(): Promise<void> {
    const now = this.now();
    if (this.scheduledPassed(now)) this.invalidate();
    if (!this.checkDue(now)) return;
    // Concurrent requests share one read.
    this.checking ??= this.options
      .readState()
      .then((state) => {
        this.adopt(state);
      })
      .finally(() => {
        this.checking = undefined;
      });
    await this.checking;
  }
}
