/** The public pages: lists, a post, tag and author pages, search, the comment form, errors. */
import type { PostDetail, PostList, PostSummary } from '../services/public-content.js';
import type { Tag, User } from '../tables.js';
import { html, trusted, type SafeHtml } from './html.js';
import { layout, type ViewContext } from './layout.js';

// One formatter for every date: toLocaleDateString builds a new one per call (most of a list page's CPU).
const DATE_FORMAT = new Intl.DateTimeFormat('en', {
  year: 'numeric',
  month: 'long',
  day: 'numeric',
  timeZone: 'UTC',
});

function date(value: Date): SafeHtml {
  return html`<time datetime="${value.toISOString()}">${DATE_FORMAT.format(value)}</time>`;
}

function tagLinks(post: PostSummary): SafeHtml {
  if (post.tags.length === 0) return html``;
  return html`<span class="tags"
    >${post.tags.map((tag) => html`<a href="/tag/${tag.slug}" rel="tag">#${tag.name}</a>`)}</span
  >`;
}

function byline(post: PostSummary): SafeHtml {
  return html`<p class="meta">
    ${date(post.publishedAt)} ·
    <a href="/author/${post.author.slug}" rel="author">${post.author.name}</a> ${tagLinks(post)}
  </p>`;
}

function postList(posts: readonly PostSummary[]): SafeHtml {
  if (posts.length === 0) return html`<p>Nothing published here yet.</p>`;
  return html`<ul class="post-list">
    ${posts.map(
      (post) =>
        html`<li>
          <article>
            <h2><a href="/${post.slug}">${post.title}</a></h2>
            ${byline(post)}
            <p>${post.excerpt}</p>
          </article>
        </li>`,
    )}
  </ul>`;
}

function pagination(list: PostList, basePath: string): SafeHtml {
  if (list.pageCount <= 1) return html``;
  const href = (page: number): string => (page === 1 ? basePath : `${basePath}?page=${page}`);
  return html`<nav class="pagination" aria-label="Pages">
    <span>${list.page > 1 ? html`<a href="${href(list.page - 1)}" rel="prev">← Newer</a>` : ''}</span>
    <span>Page ${list.page} of ${list.pageCount}</span>
    <span
      >${list.page < list.pageCount ? html`<a href="${href(list.page + 1)}" rel="next">Older →</a>` : ''}</span
    >
  </nav>`;
}

function pageSuffix(list: PostList): string {
  return list.page > 1 ? `?page=${list.page}` : '';
}

export function homePage(context: ViewContext, list: PostList): SafeHtml {
  return layout(
    context,
    { title: context.site.title, canonicalPath: `/${pageSuffix(list)}` },
    html`<h1 class="visually-hidden">${context.site.title}</h1>
      <p class="meta">${context.site.description}</p>
      ${postList(list.posts)} ${pagination(list, '/')}`,
  );
}

export function postPage(context: ViewContext, post: PostDetail): SafeHtml {
  const comments =
    post.kind === 'page'
      ? html``
      : html`<section class="comments" aria-labelledby="comments-title">
          <h2 id="comments-title">Comments (${post.comments.length})</h2>
          ${post.comments.map(
            (comment) =>
              html`<article class="comment" id="comment-${comment.id}">
                <p class="meta"><strong>${comment.author_name}</strong> · ${date(comment.created_at)}</p>
                ${trusted(comment.html)}
              </article>`,
          )}
          <p><a class="button" href="/${post.slug}/comment">Write a comment</a></p>
        </section>`;
  return layout(
    context,
    {
      title: post.title,
      description: post.excerpt,
      canonicalPath: `/${post.slug}`,
      ogType: 'article',
      image: post.coverImage,
    },
    html`<article>
        <h1>${post.title}</h1>
        ${post.kind === 'post' ? byline(post) : ''}
        ${post.coverImage === null ? '' : html`<img class="cover" src="${post.coverImage}" alt="" />`}
        <div class="post-body">${trusted(post.html)}</div>
      </article>
      ${comments}`,
  );
}

export function tagPage(context: ViewContext, tag: Tag, list: PostList): SafeHtml {
  return layout(
    context,
    { title: `#${tag.name}`, canonicalPath: `/tag/${tag.slug}${pageSuffix(list)}` },
    html`<h1>Posts tagged #${tag.name}</h1>
      ${postList(list.posts)}${pagination(list, `/tag/${tag.slug}`)}`,
  );
}

export function authorPage(
  context: ViewContext,
  author: Pick<User, 'name' | 'slug' | 'bio'>,
  list: PostList,
): SafeHtml {
  return layout(
    context,
    {
      title: author.name,
      description: author.bio === '' ? undefined : author.bio,
      canonicalPath: `/author/${author.slug}${pageSuffix(list)}`,
    },
    html`<h1>${author.name}</h1>
      ${author.bio === '' ? '' : html`<p>${author.bio}</p>`}
      ${postList(list.posts)}${pagination(list, `/author/${author.slug}`)}`,
  );
}

export function searchPage(
  context: ViewContext,
  query: string,
  results: readonly PostSummary[] | undefined,
): SafeHtml {
  return layout(
    context,
    { title: query === '' ? 'Search' : `Search: ${query}`, noindex: true },
    html`<h1>Search</h1>
      <form class="stacked" role="search" method="get" action="/search">
        <label
          >Words to find <input type="search" name="q" value="${query}" required maxlength="200"
        /></label>
        <div><button type="submit">Search</button></div>
      </form>
      ${
        results === undefined
          ? ''
          : html`<p class="meta">${results.length} result${results.length === 1 ? '' : 's'}</p>
              ${postList(results)}`
      }`,
  );
}

export interface CommentFormState {
  readonly name?: string;
  readonly body?: string;
  readonly error?: string;
  readonly sent?: boolean;
}

export function commentPage(
  context: ViewContext,
  post: Pick<PostSummary, 'slug' | 'title'>,
  csrfToken: string,
  state: CommentFormState = {},
): SafeHtml {
  return layout(
    context,
    { title: `Comment on ${post.title}`, noindex: true },
    html`<h1>Comment on <a href="/${post.slug}">${post.title}</a></h1>
      ${state.sent === true ? html`<p class="notice" role="status">Thank you: your comment waits for moderation.</p>` : ''}
      ${state.error === undefined ? '' : html`<p class="notice error" role="alert">${state.error}</p>`}
      <form class="stacked" method="post" action="/${post.slug}/comment">
        <input type="hidden" name="_csrf" value="${csrfToken}" />
        <label
          >Your name
          <input
            type="text"
            name="name"
            required
            maxlength="100"
            autocomplete="name"
            value="${state.name ?? ''}"
        /></label>
        <label
          >Comment (Markdown) <textarea name="body" required maxlength="5000">${state.body ?? ''}</textarea>
        </label>
        <div><button type="submit">Send comment</button></div>
      </form>`,
  );
}

export function messagePage(context: ViewContext, title: string, message: string): SafeHtml {
  return layout(
    context,
    { title, noindex: true },
    html`<h1>${title}</h1>
      <p>${message}</p>
      <p><a href="/">Home</a></p>`,
  );
}
