/** The admin area's pages: login, posts, the editor, comments, settings, users, Content API keys, media. */
import type { ContentApiKeyRow } from '../services/content-api-keys.js';
import type { CommentStatus, PostKind, PostStatus, Role } from '../tables.js';
import { MIN_PASSWORD_LENGTH } from '../services/passwords.js';
import type { SessionUser } from '../services/sessions.js';
import { html, type SafeHtml } from './html.js';
import { layout, type ViewContext } from './layout.js';

export interface AdminPage {
  readonly view: ViewContext;
  readonly user: SessionUser;
  readonly csrfToken: string;
}

function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${token}" />`;
}

function notices(notice?: string, error?: string): SafeHtml {
  return html`${notice === undefined ? '' : html`<p class="notice" role="status">${notice}</p>`}
  ${error === undefined ? '' : html`<p class="notice error" role="alert">${error}</p>`}`;
}

function adminLayout(page: AdminPage, title: string, body: SafeHtml): SafeHtml {
  const { user } = page;
  const nav = html`<ul>
    <li><a href="/admin">Posts</a></li>
    <li><a href="/admin/posts/new">New post</a></li>
    <li><a href="/admin/media">Media</a></li>
    ${user.role === 'author' ? '' : html`<li><a href="/admin/comments">Comments</a></li>`}
    ${
      user.role === 'owner'
        ? html`<li><a href="/admin/settings">Settings</a></li>
            <li><a href="/admin/users">Users</a></li>
            <li><a href="/admin/content-api">Content API</a></li>`
        : ''
    }
    <li><a href="/admin/account">Account</a></li>
    <li><a href="/">View site</a></li>
    <li>
      <form class="inline" method="post" action="/admin/logout">
        ${csrfField(page.csrfToken)}<button class="secondary" type="submit">Log out ${user.name}</button>
      </form>
    </li>
  </ul>`;
  return layout(page.view, { title, noindex: true }, body, nav);
}

export function loginPage(view: ViewContext, csrfToken: string, error?: string, email = ''): SafeHtml {
  return layout(
    view,
    { title: 'Log in', noindex: true },
    html`<h1>Log in</h1>
      ${notices(undefined, error)}
      <form class="stacked" method="post" action="/admin/login">
        ${csrfField(csrfToken)}
        <label
          >Email <input type="email" name="email" required autocomplete="username" value="${email}"
        /></label>
        <label
          >Password <input type="password" name="password" required autocomplete="current-password"
        /></label>
        <div><button type="submit">Log in</button></div>
      </form>`,
  );
}

export interface AdminPostRow {
  readonly id: number;
  readonly kind: PostKind;
  readonly title: string;
  readonly slug: string;
  readonly status: PostStatus;
  readonly published_at: Date | null;
  readonly updated_at: Date;
  readonly author_name: string;
}

export function postsPage(page: AdminPage, posts: readonly AdminPostRow[], notice?: string): SafeHtml {
  return adminLayout(
    page,
    'Posts',
    html`<h1>Posts</h1>
      ${notices(notice)}
      <p><a class="button" href="/admin/posts/new">New post</a></p>
      <table>
        <thead>
          <tr>
            <th scope="col">Title</th>
            <th scope="col">Status</th>
            <th scope="col">Author</th>
            <th scope="col">Updated</th>
          </tr>
        </thead>
        <tbody>
          ${posts.map(
            (post) =>
              html`<tr>
                <td>
                  <a href="/admin/posts/${post.id}">${post.title}</a>${post.kind === 'page' ? ' (page)' : ''}
                </td>
                <td>
                  ${post.status}${post.status === 'draft' ? '' : html` · <a href="/${post.slug}">view</a>`}
                </td>
                <td>${post.author_name}</td>
                <td>${post.updated_at.toISOString().slice(0, 16).replace('T', ' ')}</td>
              </tr>`,
          )}
        </tbody>
      </table>`,
  );
}

export interface EditorValues {
  readonly id?: number;
  readonly kind: PostKind;
  readonly title: string;
  readonly slug: string;
  readonly markdown: string;
  readonly excerpt: string;
  readonly status: PostStatus;
  /** `YYYY-MM-DDTHH:MM`, UTC. */
  readonly publishedAt: string;
  readonly tags: string;
  readonly coverImage: string | null;
}

export const EMPTY_POST: EditorValues = {
  kind: 'post',
  title: '',
  slug: '',
  markdown: '',
  excerpt: '',
  status: 'draft',
  publishedAt: '',
  tags: '',
  coverImage: null,
};

function options<T extends string>(values: readonly T[], selected: T): SafeHtml[] {
  return values.map(
    (value) => html`<option value="${value}" ${selected === value ? html` selected` : ''}>${value}</option>`,
  );
}

export function editorPage(page: AdminPage, values: EditorValues, error?: string, notice?: string): SafeHtml {
  const action = values.id === undefined ? '/admin/posts' : `/admin/posts/${values.id}`;
  return adminLayout(
    page,
    values.id === undefined ? 'New post' : `Edit ${values.title}`,
    html`<h1>${values.id === undefined ? 'New post' : 'Edit post'}</h1>
      ${notices(notice, error)}
      <form
        class="stacked"
        method="post"
        enctype="multipart/form-data"
        action="${action}?_csrf=${encodeURIComponent(page.csrfToken)}"
      >
        <label
          >Title <input type="text" name="title" required maxlength="255" value="${values.title}"
        /></label>
        <label
          >Slug (empty: from the title)
          <input type="text" name="slug" maxlength="80" pattern="[a-z0-9-]*" value="${values.slug}"
        /></label>
        <label
          >Text (Markdown)
          <textarea class="editor" name="markdown" maxlength="1000000">${values.markdown}</textarea>
        </label>
        <label
          >Excerpt (empty: the start of the text)
          <textarea name="excerpt" maxlength="1000">${values.excerpt}</textarea>
        </label>
        <label
          >Tags, comma-separated <input type="text" name="tags" maxlength="500" value="${values.tags}"
        /></label>
        <div class="row">
          <label
            >Kind
            <select name="kind">
              ${options<PostKind>(['post', 'page'], values.kind)}
            </select></label
          >
          <label
            >Status
            <select name="status">
              ${options<PostStatus>(['draft', 'published', 'scheduled'], values.status)}
            </select></label
          >
          <label
            >Publication time (UTC)
            <input type="datetime-local" name="publishedAt" value="${values.publishedAt}"
          /></label>
        </div>
        ${values.coverImage === null ? '' : html`<p>Cover image: <img src="${values.coverImage}" alt="Current cover image" width="160" /></p>`}
        <label
          >Cover image (PNG, JPEG, GIF, WebP or AVIF)
          <input type="file" name="cover" accept="image/png,image/jpeg,image/gif,image/webp,image/avif"
        /></label>
        <div><button type="submit">Save</button></div>
      </form>
      ${values.id === undefined ? '' : html`<form method="post" action="/admin/posts/${values.id}/delete">${csrfField(page.csrfToken)}<button class="secondary" type="submit">Delete this post</button></form>`}`,
  );
}

export interface AdminCommentRow {
  readonly id: number;
  readonly author_name: string;
  readonly body: string;
  readonly status: CommentStatus;
  readonly created_at: Date;
  readonly post_title: string;
  readonly post_slug: string;
}

export function commentsPage(
  page: AdminPage,
  status: CommentStatus,
  comments: readonly AdminCommentRow[],
  notice?: string,
): SafeHtml {
  const tabs = (['pending', 'approved', 'spam'] as const).map((name) =>
    name === status
      ? html`<strong>${name}</strong> `
      : html`<a href="/admin/comments?status=${name}">${name}</a> `,
  );
  const actions = (comment: AdminCommentRow): SafeHtml[] =>
    (['approved', 'spam', 'pending'] as const)
      .filter((target) => target !== comment.status)
      .map(
        (target) =>
          html`<form class="inline" method="post" action="/admin/comments/${comment.id}">
            ${csrfField(page.csrfToken)}<input type="hidden" name="status" value="${target}" /><button
              class="secondary"
              type="submit"
            >
              ${target === 'approved' ? 'Approve' : target === 'spam' ? 'Spam' : 'Back to pending'}
            </button>
          </form> `,
      );
  return adminLayout(
    page,
    'Comments',
    html`<h1>Comments</h1>
      ${notices(notice)}
      <p>${tabs}</p>
      ${comments.length === 0 ? html`<p>No ${status} comments.</p>` : ''}
      ${comments.map(
        (comment) =>
          html`<article class="comment">
            <p class="meta">
              <strong>${comment.author_name}</strong> on
              <a href="/${comment.post_slug}">${comment.post_title}</a> ·
              ${comment.created_at.toISOString().slice(0, 16).replace('T', ' ')}
            </p>
            <pre>${comment.body}</pre>
            <div class="row">${actions(comment)}</div>
          </article>`,
      )}`,
  );
}

export function settingsPage(page: AdminPage, title: string, description: string, notice?: string): SafeHtml {
  return adminLayout(
    page,
    'Settings',
    html`<h1>Site settings</h1>
      ${notices(notice)}
      <form class="stacked" method="post" action="/admin/settings">
        ${csrfField(page.csrfToken)}
        <label>Site title <input type="text" name="title" required maxlength="100" value="${title}" /></label>
        <label>Description <textarea name="description" maxlength="300">${description}</textarea></label>
        <div><button type="submit">Save</button></div>
      </form>`,
  );
}

export function usersPage(
  page: AdminPage,
  users: readonly { name: string; email: string; role: Role }[],
  created?: { email: string; password: string },
  error?: string,
): SafeHtml {
  return adminLayout(
    page,
    'Users',
    html`<h1>Users</h1>
      ${created === undefined ? '' : html`<p class="notice" role="status">Created ${created.email}. Password (shown only now): <code>${created.password}</code></p>`}
      ${notices(undefined, error)}
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
          </tr>
        </thead>
        <tbody>
          ${users.map(
            (user) =>
              html`<tr>
                <td>${user.name}</td>
                <td>${user.email}</td>
                <td>${user.role}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      <h2>Add a user</h2>
      <form class="stacked" method="post" action="/admin/users">
        ${csrfField(page.csrfToken)}
        <label>Name <input type="text" name="name" required maxlength="100" /></label>
        <label>Email <input type="email" name="email" required maxlength="254" /></label>
        <label
          >Role
          <select name="role">
            ${options<Role>(['author', 'editor'], 'author')}
          </select></label
        >
        <div><button type="submit">Add user</button></div>
      </form>`,
  );
}

export function mediaPage(page: AdminPage, uploaded?: string): SafeHtml {
  return adminLayout(
    page,
    'Media',
    html`<h1>Upload an image</h1>
      ${
        uploaded === undefined
          ? ''
          : html`<p class="notice" role="status">
                Uploaded. Put it in a post with <code>![description](${uploaded})</code>
              </p>
              <p><img src="${uploaded}" alt="The uploaded image" width="240" /></p>`
      }
      <form
        class="stacked"
        method="post"
        enctype="multipart/form-data"
        action="/admin/media?_csrf=${encodeURIComponent(page.csrfToken)}"
      >
        <label
          >Image (PNG, JPEG, GIF, WebP or AVIF)
          <input
            type="file"
            name="image"
            required
            accept="image/png,image/jpeg,image/gif,image/webp,image/avif"
        /></label>
        <div><button type="submit">Upload</button></div>
      </form>`,
  );
}

export function accountPage(page: AdminPage, notice?: string, error?: string): SafeHtml {
  return adminLayout(
    page,
    'Account',
    html`<h1>Your account</h1>
      <p>${page.user.name} · ${page.user.email} · ${page.user.role}</p>
      ${notices(notice, error)}
      <h2>Change your password</h2>
      <form class="stacked" method="post" action="/admin/account">
        ${csrfField(page.csrfToken)}
        <label
          >Current password <input type="password" name="current" required autocomplete="current-password"
        /></label>
        <label
          >New password (at least ${MIN_PASSWORD_LENGTH} characters)
          <input
            type="password"
            name="password"
            required
            minlength="${MIN_PASSWORD_LENGTH}"
            autocomplete="new-password"
        /></label>
        <div><button type="submit">Change password</button></div>
      </form>`,
  );
}

export function contentApiKeysPage(
  page: AdminPage,
  keys: readonly ContentApiKeyRow[],
  created?: { name: string; key: string },
  notice?: string,
): SafeHtml {
  const apiUrl = page.view.publicUrl.origin;
  const time = (date: Date): string => date.toISOString().slice(0, 16).replace('T', ' ');
  return adminLayout(
    page,
    'Content API',
    html`<h1>Content API keys</h1>
      <p>
        Ghost's Content API (read-only JSON of the published posts, pages, tags, authors and settings) is at
        <code>${apiUrl}/ghost/api/content/</code>. Give a static-site generator or an app a key of its own, so
        that revoking one stops only that client.
      </p>
      ${
        created === undefined
          ? ''
          : html`<p class="notice" role="status">
              Key for ${created.name} (shown only now): <code>${created.key}</code><br />
              With Ghost's client:
              <code>new GhostContentAPI({ url: '${apiUrl}', key: '${created.key}', version: 'v5.0' })</code>
            </p>`
      }
      ${notices(notice)}
      ${
        keys.length === 0
          ? html`<p>No keys yet.</p>`
          : html`<table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Key</th>
                  <th scope="col">Made</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                ${keys.map(
                  (key) =>
                    html`<tr>
                      <td>${key.name}</td>
                      <td><code>…${key.secret_hint}</code></td>
                      <td>${time(key.created_at)} by ${key.created_by_name}</td>
                      <td>
                        ${
                          key.revoked_at === null
                            ? html`live
                                <form
                                  class="inline"
                                  method="post"
                                  action="/admin/content-api/${key.id}/revoke"
                                >
                                  ${csrfField(page.csrfToken)}<button class="secondary" type="submit">
                                    Revoke
                                  </button>
                                </form>`
                            : html`revoked ${time(key.revoked_at)}`
                        }
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }
      <h2>Make a key</h2>
      <form class="stacked" method="post" action="/admin/content-api">
        ${csrfField(page.csrfToken)}
        <label>What it is for <input type="text" name="name" required maxlength="100" /></label>
        <div><button type="submit">Make a key</button></div>
      </form>`,
  );
}
