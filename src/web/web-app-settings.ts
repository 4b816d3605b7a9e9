/** What the app factory needs to know, resolved from the configuration, the environment and flags. */

export interface PageCacheSettings {
  readonly enabled: boolean;
  readonly maxEntries: number;
  readonly versionCheckIntervalMs: number;
}

export interface WebAppSettings {
  /** Where visitors reach the site (canonical URLs, the feed, secure cookies when https). */
  readonly publicUrl: URL;
  /** Signs the cookies; at least 32 characters. */
  readonly sessionSecret: string;
  /** Uploaded images live here (a volume shared by every web process). */
  readonly mediaDir: string;
  readonly maxUploadBytes: number;
  readonly postsPerPage: number;
  readonly trustProxy: boolean;
  readonly pageCache: PageCacheSettings;
}
