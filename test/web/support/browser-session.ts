/**
 * A visitor for `app.inject()`: keeps the cookies the app sets (like a browser) and reads the
 * CSRF token out of the last form it was given.
 */
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';

export class InjectSession {
  private readonly cookies = new Map<string, string>();

  constructor(
    private readonly app: FastifyInstance,
    private readonly ip = '203.0.113.10',
  ) {}

  async request(options: InjectOptions & { url: string }): Promise<LightMyRequestResponse> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await this.app.inject({
      remoteAddress: this.ip,
      ...options,
      headers: { ...(cookie === '' ? {} : { cookie }), ...options.headers },
    });
    for (const set of response.cookies as {
      name: string;
      value: string;
      maxAge?: number;
      expires?: Date;
    }[]) {
      const expired = set.maxAge === 0 || (set.expires !== undefined && set.expires.getTime() < Date.now());
      if (expired || set.value === '') this.cookies.delete(set.name);
      else this.cookies.set(set.name, set.value);
    }
    return response;
  }

  get(url: string): Promise<LightMyRequestResponse> {
    return this.request({ method: 'GET', url });
  }

  /** POST a urlencoded form. */
  post(url: string, fields: Record<string, string>): Promise<LightMyRequestResponse> {
    return this.request({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(fields).toString(),
    });
  }

  has(cookie: string): boolean {
    return this.cookies.has(cookie);
  }
}

/** The CSRF token of the (first) form in a page: a hidden field or the multipart action's query. */
export function csrfToken(page: string): string {
  const field = /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
  if (field !== undefined) return field;
  const query = /\?_csrf=([^"&]+)"/.exec(page)?.[1];
  if (query === undefined) throw new Error(`no CSRF token in the page:\n${page.slice(0, 2000)}`);
  return decodeURIComponent(query.replace(/&amp;/g, '&'));
}

/** A session logged in through the login form; fails unless the login is accepted. */
export async function logIn(
  app: FastifyInstance,
  account: { readonly email: string; readonly password: string },
): Promise<InjectSession> {
  const session = new InjectSession(app);
  const form = await session.get('/admin/login');
  const response = await session.post('/admin/login', {
    _csrf: csrfToken(form.body),
    email: account.email,
    password: account.password,
  });
  if (response.statusCode !== 303 || !session.has('quire_session')) {
    throw new Error(
      `login as ${account.email} refused (${response.statusCode}): ${response.body.slice(0, 500)}`,
    );
  }
  return session;
}

/** A 1×1 PNG. */
export const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
