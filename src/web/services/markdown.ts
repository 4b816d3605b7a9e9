/**
 * Markdown to HTML that is safe to put in a page: `marked` renders, `sanitize-html` keeps only
 * formatting tags and http(s)/mailto links and images, so no script, event handler, style or
 * `javascript:` URL survives from a post or a comment.
 */
import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';

const marked = new Marked({ gfm: true, breaks: false, async: false });

const POST_TAGS = [
  ...sanitizeHtml.defaults.allowedTags,
  'img',
  'h1',
  'h2',
  'del',
  'ins',
  'sup',
  'sub',
  'figure',
  'figcaption',
];

const postOptions: sanitizeHtml.IOptions = {
  allowedTags: POST_TAGS,
  allowedAttributes: {
    a: ['href', 'title', 'rel'],
    img: ['src', 'alt', 'title', 'width', 'height', 'loading'],
    code: ['class'],
    th: ['align'],
    td: ['align'],
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowProtocolRelative: false,
  allowedClasses: { code: [/^language-[\w-]+$/] },
  transformTags: {
    a: sanitizeHtml.simpleTransform('a', { rel: 'nofollow noopener' }),
    img: sanitizeHtml.simpleTransform('img', { loading: 'lazy' }),
  },
};

/** Comments: text formatting and links only (no images, headings or tables). */
const commentOptions: sanitizeHtml.IOptions = {
  ...postOptions,
  allowedTags: ['p', 'br', 'em', 'strong', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a'],
  allowedAttributes: { a: ['href', 'rel'] },
  transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'nofollow ugc noopener' }) },
};

function render(markdown: string): string {
  return marked.parse(markdown, { async: false });
}

/** A post's or page's HTML. */
export function renderPostMarkdown(markdown: string): string {
  return sanitizeHtml(render(markdown), postOptions);
}

/** A visitor's comment, rendered with fewer tags than a post. */
export function renderCommentMarkdown(markdown: string): string {
  return sanitizeHtml(render(markdown), commentOptions);
}

/** Plain text of rendered HTML, cut at a word boundary near `maxLength` (an excerpt, a meta description). */
export function plainExcerpt(html: string, maxLength = 200): string {
  const text = sanitizeHtml(html, { allowedTags: [], allowedAttributes: {} })
    .replace(/&[a-z]+;|&#\d+;/g, (entity) => ENTITIES[entity] ?? ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (text.length <= maxLength) return text;
  const cut = text.slice(0, maxLength);
  const lastSpace = cut.lastIndexOf(' ');
  return `${(lastSpace > maxLength / 2 ? cut.slice(0, lastSpace) : cut).trimEnd()}…`;
}

const ENTITIES: Readonly<Record<string, string>> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
  '&nbsp;': ' ',
};
