/** The route parameters more than one route module takes. */
import type { onRequestHookHandler, RouteOptions } from 'fastify';
import { z } from 'zod';
import { SLUG_PATTERN } from '../services/slug.js';

export const idParams = z.strictObject({
  id: z.coerce
    .number()
    .int()
    .min(1)
    .max(2 ** 31),
});

export const slugParams = z.strictObject({
  slug: z
    .string()
    .max(191)
    .regex(SLUG_PATTERN, { message: 'must be a slug: lowercase letters, digits and "-"' }),
});

/**
 * A path segment that cannot be a slug (`/favicon.ico`, `/Some_Upper`) names no page: the
 * not-found page answers it (404, never cached: page-sender keeps only 200s), not the 400 of bad
 * input, before the body is parsed, the CSRF token checked or anything read.
 */
const notFoundUnlessSlug: onRequestHookHandler = (request, reply, done) => {
  if (slugParams.safeParse(request.params).success) done();
  else reply.callNotFound();
};

/** An `onRoute` hook: every route whose params are `slugParams` gets `notFoundUnlessSlug`. */
export function slugRoutesNotFound(route: RouteOptions): void {
  if (route.schema?.params !== slugParams) return;
  const hooks = route.onRequest ?? [];
  route.onRequest = [notFoundUnlessSlug, ...(Array.isArray(hooks) ? hooks : [hooks])];
}
