/**
 * The filter subset's checks, which answer before any query: what each resource can be filtered
 * by, and the 400s (Ghost's BadRequestError) for the rest. What the accepted filters select is
 * tested on a real database in test/web/routes/content-api-routes.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { ContentApiError } from '../../../src/web/services/content-api-errors.js';
import {
  filterFields,
  parseFilter,
  type ContentResource,
} from '../../../src/web/services/content-api-filter.js';

function refusal(resource: ContentResource, filter: string): ContentApiError {
  try {
    parseFilter(resource, filter);
  } catch (error) {
    if (error instanceof ContentApiError) return error;
    throw error;
  }
  throw new Error(`${resource} accepted the filter ${filter}`);
}

describe('the Content API filter subset', () => {
  it.each([
    ['posts', 'tag:news+featured:false,(slug:[a1,b2]+published_at:>now-30d)'],
    ['posts', "title:~'x'+author:owner+primary_tag:-null+feature_image:null+id:<10"],
    ['pages', 'slug:about'],
    ['tags', "slug:-[news,tech]+name:~^'Te'+visibility:public"],
    ['authors', 'slug:owner,name:Olive'],
  ] as const)('%s accept %s', (resource, filter) => {
    expect(() => parseFilter(resource, filter)).not.toThrow();
  });

  it.each([
    ['tags', 'featured:true', 'tags cannot be filtered by "featured"'],
    ['authors', 'tag:news', 'authors cannot be filtered by "tag"'],
    ['authors', 'email:owner@blog.test', 'authors cannot be filtered by "email"'],
    ['posts', "tag:~'news'", 'does not take a text match'],
    ['posts', 'tag:>news', '"tag" of posts does not take >'],
    ['posts', 'slug:true', '"slug" takes text; got true'],
    ['posts', 'title:null', '"title" takes text; got null'],
    ['posts', 'visibility:true', '"visibility" is "public" here; got true'],
    ['posts', 'published_at:[2024,2025]', '"published_at" of posts does not take a list'],
  ] as const)('%s refuse %s', (resource, filter, context) => {
    const error = refusal(resource, filter);
    expect(error).toMatchObject({ statusCode: 400, type: 'BadRequestError', message: 'Unsupported filter' });
    expect(error.context).toContain(context);
  });

  it('names the fields a resource can be filtered by when it refuses one', () => {
    expect(refusal('tags', 'description:x').context).toBe(
      'tags cannot be filtered by "description" here; the fields are: id, slug, name, visibility',
    );
    expect(filterFields('posts')).toEqual(
      expect.arrayContaining(['tag', 'tags.slug', 'author', 'featured', 'published_at']),
    );
  });

  it('gives the parser its message for text that is no NQL', () => {
    const error = refusal('posts', 'tag:news+');
    expect(error).toMatchObject({
      statusCode: 400,
      type: 'BadRequestError',
      message: 'Error parsing filter',
    });
    expect(error.context).toMatch(/^Query Error: /);
  });
});
