/**
 * The owner's Content API keys screen: the keys (name, last characters, who made them, live or
 * revoked), a form that makes one and shows it once, and a revoke button per live key. Like the
 * site settings, keys are the owner's: a key opens the site to another program.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { HTML } from '../page-sender.js';
import { adminPage, requireRole } from '../plugins/admin-session.js';
import { read, write } from '../plugins/web-context.js';
import {
  createContentApiKey,
  listContentApiKeys,
  revokeContentApiKey,
} from '../services/content-api-keys.js';
import { contentApiKeysPage } from '../views/admin-views.js';
import { idParams } from './route-schemas.js';

export const adminContentApiRoutes: FastifyPluginAsyncZod = (app) => {
  const owner = { preHandler: requireRole('owner') };

  app.get('/admin/content-api', owner, async (request, reply) => {
    const page = await adminPage(request, reply);
    const keys = await read(request, listContentApiKeys);
    reply.type(HTML).header('cache-control', 'private, no-store');
    return contentApiKeysPage(page, keys).toString();
  });

  app.post(
    '/admin/content-api',
    {
      ...owner,
      schema: {
        body: z.object({
          _csrf: z.string(),
          name: z.string().trim().min(1, { message: 'say what the key is for' }).max(100),
        }),
      },
    },
    async (request, reply) => {
      const { name } = request.body;
      const userId = request.adminUser?.id;
      if (userId === undefined) throw new Error('POST /admin/content-api ran without requireRole');
      const created = await write(request, reply, (trx) => createContentApiKey(trx, name, userId));
      const page = await adminPage(request, reply);
      const keys = await read(request, listContentApiKeys);
      reply.code(201).type(HTML).header('cache-control', 'private, no-store');
      return contentApiKeysPage(page, keys, { name, key: created.key }).toString();
    },
  );

  app.post(
    '/admin/content-api/:id/revoke',
    { ...owner, schema: { params: idParams, body: z.object({ _csrf: z.string() }) } },
    async (request, reply) => {
      const version = await write(
        request,
        reply,
        (trx) => revokeContentApiKey(trx, request.params.id, app.quire.now()),
        (revoked) => revoked,
      );
      const page = await adminPage(request, reply);
      const keys = await read(request, listContentApiKeys);
      reply.type(HTML).header('cache-control', 'private, no-store');
      if (version === undefined) {
        reply.code(404);
        return contentApiKeysPage(page, keys, undefined, 'There is no live key with that id.').toString();
      }
      return contentApiKeysPage(
        page,
        keys,
        undefined,
        'Revoked: clients using that key now get a 401.',
      ).toString();
    },
  );
  return Promise.resolve();
};
