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
 * A path whose parameter cannot be what the route names (`/whatever.html` or `/Some_Upper` for a
 * slug, `/admin/posts/abc` for an id) names no page: the not-found page answers it (404, never
 * cached: page-sender keeps only 200s), not the 400 of bad input, before the body is parsed, the
 * CSRF token checked, the session read or anything else.
 */
function notFoundUnless(params: z.ZodType): onRequestHookHandler {
  return (request, reply, done) => {
    if (params.safeParse(request.params).success) done();
    else reply.callNotFound();
  };
}

const NOT_FOUND_HOOKS = new Map<z.ZodType, onRequestHookHandler>([
  [slugParams, notFoundUnless(slugParams)],
  [idParams, notFoundUnless(idParams)],
]);

/** An `onRoute` hook: every route whose params are `slugParams` or `idParams` gets its not-found check. */
export function pathParamsNotFound(route: RouteOptions): void {
  const params = route.schema?.params;
  const check = params instanceof z.ZodType ? NOT_FOUND_HOOKS.get(params) : undefined;
  if (check === undefined) return;
  const hooks = route.onRequest ?? [];
  route.onRequest = [check, ...(Array.isArray(hooks) ? hooks : [hooks])];
}
