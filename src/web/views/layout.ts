/**
 * The page shell of every public and admin page: meta tags (description, canonical URL, Open
 * Graph), the stylesheet and icon, a skip link, header navigation and footer.
 */
import type { SiteSettings } from '../services/public-content.js';
import { escapeHtml, html, type SafeHtml } from './html.js';

/** What every view needs from the app. */
export interface ViewContext {
  readonly site: SiteSettings;
  /** The site's public URL (canonical links, the feed). */
  readonly publicUrl: URL;
  /** URL of the stylesheet, with its content hash in the name. */
  readonly stylesheet: string;
  /** URL of the site's icon, with its content hash in the name. */
  readonly favicon: string;
}

export interface PageMeta {
  readonly title: string;
  readonly description?: string;
  /** Path of the canonical URL; omitted for pages that should not be indexed. */
  readonly canonicalPath?: string;
  readonly ogType?: 'website' | 'article';
  readonly image?: string | null;
  readonly noindex?: boolean;
}

export function absoluteUrl(context: ViewContext, path: string): string {
  return new URL(path, context.publicUrl).toString();
}

export function layout(context: ViewContext, meta: PageMeta, body: SafeHtml, nav?: SafeHtml): SafeHtml {
  const { site } = context;
  const title = meta.title === site.title ? site.title : `${meta.title} · ${site.title}`;
  const description = meta.description ?? site.description;
  const canonical = meta.canonicalPath === undefined ? undefined : absoluteUrl(context, meta.canonicalPath);
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title}</title>
        <meta name="description" content="${description}" />
        ${meta.noindex === true ? html`<meta name="robots" content="noindex" />` : ''}
        ${canonical === undefined ? '' : html`<link rel="canonical" href="${canonical}" />`}
        <meta property="og:site_name" content="${site.title}" />
        <meta property="og:title" content="${meta.title}" />
        <meta property="og:description" content="${description}" />
        <meta property="og:type" content="${meta.ogType ?? 'website'}" />
        ${canonical === undefined ? '' : html`<meta property="og:url" content="${canonical}" />`}
        ${meta.image == null ? '' : html`<meta property="og:image" content="${absoluteUrl(context, meta.image)}" />`}
        <meta name="twitter:card" content="${meta.image == null ? 'summary' : 'summary_large_image'}" />
        <link
          rel="alternate"
          type="application/rss+xml"
          title="${site.title}"
          href="${absoluteUrl(context, '/rss.xml')}"
        />
        <link rel="stylesheet" href="${context.stylesheet}" />
        <link rel="icon" type="image/svg+xml" href="${context.favicon}" />
      </head>
      <body>
        <a class="skip-link" href="#content">Skip to content</a>
        <header class="site-header">
          <a class="site-title" href="/">${site.title}</a>
          <nav aria-label="Main">
            ${
              nav ??
              html`<ul>
                <li><a href="/">Home</a></li>
                <li><a href="/search">Search</a></li>
                <li><a href="/rss.xml">RSS</a></li>
              </ul>`
            }
          </nav>
        </header>
        <main id="content">${body}</main>
        <footer class="site-footer"><p>${site.title} · published with Quire</p></footer>
      </body>
    </html> `;
}

/** Text for an XML element or attribute (the sitemap). */
export function escapeXml(text: string): string {
  return escapeHtml(text);
}
