/**
 * Errors as pages a visitor understands, with the right status: 400 for bad input (every problem
 * listed), 403 for a missing or wrong CSRF token, 429 when throttled, 503 when the database is
 * unreachable or, for a write, the write endpoint leads to a read-only server during a failover
 * (with Retry-After; writes come back by themselves when a primary is there), 500 otherwise
 * (logged with the request id, never shown).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { DatabaseUnavailableError, PrimaryUnavailableError } from '../../db/index.js';
import { DEFAULT_SITE_SETTINGS } from '../services/public-content.js';
import { messagePage } from '../views/public-views.js';
import { HTML } from '../page-sender.js';

function page(
  request: FastifyRequest,
  reply: FastifyReply,
  statusCode: number,
  title: string,
  message: string,
): string {
  const { quire } = request.server;
  reply.code(statusCode).type(HTML).header('cache-control', 'no-store');
  return messagePage(
    {
      site: DEFAULT_SITE_SETTINGS,
      publicUrl: quire.settings.publicUrl,
      stylesheet: quire.stylesheet,
      favicon: quire.favicon,
    },
    title,
    message,
  ).toString();
}

export const errorPages = fp(
  (app: FastifyInstance, _options: unknown, done: (error?: Error) => void) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (hasZodFastifySchemaValidationErrors(error)) {
        const problems = error.validation.map((issue) => {
          const field = issue.instancePath.replace(/^\//, '').replace(/\//g, '.');
          return `${field === '' ? error.validationContext : field}: ${issue.message}`;
        });
        return page(request, reply, 400, 'Please check what you sent', problems.join('; '));
      }
      // A read falls back to the primary when no replica can serve it: only a write means "not saved".
      const writing = request.method !== 'GET' && request.method !== 'HEAD';
      if (error instanceof PrimaryUnavailableError && writing) {
        request.log.warn({ err: error }, 'write refused: primary unavailable');
        reply.header('retry-after', '5');
        return page(
          request,
          reply,
          503,
          'Saving is paused',
          'The database that takes changes is unavailable right now; nothing was saved. Please try again in a few seconds.',
        );
      }
      if (error instanceof DatabaseUnavailableError) {
        request.log.warn({ err: error }, 'read failed: no database reachable');
        reply.header('retry-after', '5');
        return page(
          request,
          reply,
          503,
          'Temporarily unavailable',
          'The database cannot be reached; please try again shortly.',
        );
      }
      if (error.code === 'FST_CSRF_INVALID_TOKEN' || error.code === 'FST_CSRF_MISSING_SECRET') {
        return page(
          request,
          reply,
          403,
          'Form expired',
          'This form is missing its security token or it expired; reload the page and send it again.',
        );
      }
      if (error.statusCode === 429) {
        return page(
          request,
          reply,
          429,
          'Too many requests',
          'You sent this too often; please wait a few minutes and try again.',
        );
      }
      if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
        return page(request, reply, error.statusCode, 'Request refused', error.message);
      }
      request.log.error({ err: error }, 'request failed');
      return page(request, reply, 500, 'Something went wrong', `The error was logged with id ${request.id}.`);
    });
    app.setNotFoundHandler((request, reply) =>
      page(request, reply, 404, 'Not found', 'There is nothing at this address.'),
    );
    done();
  },
  { name: 'quire-error-pages', dependencies: ['quire-web-context'] },
);
