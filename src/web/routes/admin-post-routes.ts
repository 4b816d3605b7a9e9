/** Writing: the post list, the editor (Markdown, tags, status, cover image upload) and deleting. */
import type {} from '@fastify/multipart';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { HTML } from '../page-sender.js';
import { adminPage, ANY_ROLE, requireRole } from '../plugins/admin-session.js';
import { read, write } from '../plugins/web-context.js';
import { storeImage } from '../services/media-store.js';
import { deletePost, mayEdit, PostInputError, savePost, type PostInput } from '../services/post-editor.js';
import { POST_KINDS, POST_STATUSES } from '../tables.js';
import { editorPage, EMPTY_POST, postsPage, type EditorValues } from '../views/admin-views.js';
import { idParams } from './route-schemas.js';

const csrfQuery = z.strictObject({ _csrf: z.string() });
const noticeQuery = z.strictObject({ saved: z.literal('1').optional() });

/** The editor's fields as the form sends them. */
const editorFields = z.strictObject({
  title: z.string().trim().min(1, { message: 'give a title' }).max(255),
  slug: z.string().trim().max(80).default(''),
  markdown: z.string().max(1_000_000).default(''),
  excerpt: z.string().trim().max(1000).default(''),
  tags: z.string().max(500).default(''),
  kind: z.enum(POST_KINDS),
  status: z.enum(POST_STATUSES),
  publishedAt: z
    .string()
    .regex(/^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?)?$/, {
      message: 'must be a date and time, YYYY-MM-DDTHH:MM',
    })
    .default(''),
});

interface EditorForm {
  readonly fields: z.infer<typeof editorFields>;
  readonly cover: Buffer | undefined;
}

/** Read the multipart form: its text fields (validated) and the cover image, if one was chosen. */
async function readEditorForm(request: FastifyRequest): Promise<EditorForm> {
  const fields: Record<string, string> = {};
  let cover: Buffer | undefined;
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      const buffer = await part.toBuffer();
      if (part.fieldname === 'cover' && buffer.length > 0) cover = buffer;
    } else if (typeof part.value === 'string') {
      fields[part.fieldname] = part.value;
    }
  }
  const parsed = editorFields.safeParse(fields);
  if (!parsed.success) {
    throw new PostInputError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '),
    );
  }
  return { fields: parsed.data, cover };
}

function toInput(form: EditorForm, coverImage: string | undefined): PostInput {
  const { fields } = form;
  return {
    ...fields,
    publishedAt: fields.publishedAt === '' ? undefined : new Date(`${fields.publishedAt}Z`),
    coverImage,
  };
}

function editorValues(
  fields: EditorForm['fields'],
  id: number | undefined,
  coverImage: string | null,
): EditorValues {
  return { ...fields, id, coverImage };
}

export const adminPostRoutes: FastifyPluginAsyncZod = (app) => {
  const anyone = { preHandler: requireRole(...ANY_ROLE) };

  app.get('/admin', { ...anyone, schema: { querystring: noticeQuery } }, async (request, reply) => {
    const page = await adminPage(request, reply);
    const posts = await read(request, (db) => {
      let query = db
        .selectFrom('post')
        .innerJoin('user', 'user.id', 'post.author_id')
        .select([
          'post.id',
          'post.kind',
          'post.title',
          'post.slug',
          'post.status',
          'post.published_at',
          'post.updated_at',
          'user.name as author_name',
        ])
        // A total order: `updated_at` keeps whole seconds, and posts saved in the same second
        // would come in any order, a different one from view to view.
        .orderBy('post.updated_at', 'desc')
        .orderBy('post.id', 'desc')
        .limit(200);
      if (page.user.role === 'author') query = query.where('post.author_id', '=', page.user.id);
      return query.execute();
    });
    reply.type(HTML).header('cache-control', 'private, no-store');
    return postsPage(page, posts, request.query.saved === '1' ? 'Saved.' : undefined).toString();
  });

  app.get('/admin/posts/new', anyone, async (request, reply) => {
    reply.type(HTML).header('cache-control', 'private, no-store');
    return editorPage(await adminPage(request, reply), EMPTY_POST).toString();
  });

  app.get(
    '/admin/posts/:id',
    { ...anyone, schema: { params: idParams, querystring: noticeQuery } },
    async (request, reply) => {
      const page = await adminPage(request, reply);
      const post = await read(request, async (db) => {
        const row = await db
          .selectFrom('post')
          .selectAll()
          .where('id', '=', request.params.id)
          .executeTakeFirst();
        if (row === undefined) return undefined;
        const tags = await db
          .selectFrom('post_tag')
          .innerJoin('tag', 'tag.id', 'post_tag.tag_id')
          .select('tag.name')
          .where('post_tag.post_id', '=', row.id)
          .execute();
        return { row, tags: tags.map((tag) => tag.name).join(', ') };
      });
      if (post === undefined || !mayEdit(page.user, post.row.author_id)) {
        reply.callNotFound();
        return reply;
      }
      const { row } = post;
      reply.type(HTML).header('cache-control', 'private, no-store');
      return editorPage(
        page,
        {
          id: row.id,
          kind: row.kind,
          title: row.title,
          slug: row.slug,
          markdown: row.markdown,
          excerpt: row.excerpt,
          status: row.status,
          publishedAt: row.published_at?.toISOString().slice(0, 16) ?? '',
          tags: post.tags,
          coverImage: row.cover_image,
        },
        undefined,
        request.query.saved === '1' ? 'Saved.' : undefined,
      ).toString();
    },
  );

  const save = async (
    request: FastifyRequest,
    reply: Parameters<typeof adminPage>[1],
    postId: number | undefined,
  ): Promise<string> => {
    const page = await adminPage(request, reply);
    let form: EditorForm | undefined;
    try {
      form = await readEditorForm(request);
      const coverImage =
        form.cover === undefined ? undefined : await storeImage(app.quire.settings.mediaDir, form.cover);
      const input = toInput(form, coverImage);
      const user = page.user;
      const saved = await write(
        request,
        reply,
        (trx) => savePost(trx, user, postId, input, app.quire.now()),
        (value) => value.version,
      );
      reply.redirect(`/admin/posts/${saved.id}?saved=1`, 303);
      return '';
    } catch (error) {
      if (!(error instanceof PostInputError) || form === undefined) throw error;
      reply.code(400).type(HTML).header('cache-control', 'private, no-store');
      return editorPage(page, editorValues(form.fields, postId, null), error.message).toString();
    }
  };

  app.post('/admin/posts', { ...anyone, schema: { querystring: csrfQuery } }, (request, reply) =>
    save(request, reply, undefined),
  );
  app.post(
    '/admin/posts/:id',
    { ...anyone, schema: { params: idParams, querystring: csrfQuery } },
    (request, reply) => save(request, reply, request.params.id),
  );

  app.post(
    '/admin/posts/:id/delete',
    { ...anyone, schema: { params: idParams, body: z.object({ _csrf: z.string() }) } },
    async (request, reply) => {
      const user = request.adminUser;
      if (user === undefined) throw new Error('requireRole did not run');
      await write(
        request,
        reply,
        (trx) => deletePost(trx, user, request.params.id),
        (version) => version,
      );
      return reply.redirect('/admin?saved=1', 303);
    },
  );
  return Promise.resolve();
};
