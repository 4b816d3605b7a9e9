import { describe, expect, it } from 'vitest';
import {
  plainExcerpt,
  renderCommentMarkdown,
  renderPostMarkdown,
} from '../../../src/web/services/markdown.js';

describe('renderPostMarkdown', () => {
  it('renders Markdown formatting, links and images', () => {
    const out = renderPostMarkdown(
      '# Title\n\nSome *em* and [a link](https://example.com).\n\n![alt](/media/x.png)',
    );
    expect(out).toContain('<h1>Title</h1>');
    expect(out).toContain('<em>em</em>');
    expect(out).toContain('<a href="https://example.com" rel="nofollow noopener">a link</a>');
    expect(out).toContain('<img src="/media/x.png" alt="alt" loading="lazy" />');
  });

  it.each([
    ['a script tag', '<script>alert(1)</script>hello', '<script'],
    ['an event handler', '<img src="/x.png" onerror="alert(1)">', 'onerror'],
    ['a javascript: link', '[click](javascript:alert(1))', 'javascript:'],
    ['an iframe', '<iframe src="https://evil.example"></iframe>', '<iframe'],
    ['inline style', '<p style="background:url(x)">x</p>', 'style='],
    ['a data: image', '![x](data:image/svg+xml;base64,PHN2Zz4=)', 'data:'],
  ])('removes %s', (_name, markdown, forbidden) => {
    expect(renderPostMarkdown(markdown)).not.toContain(forbidden);
  });
});

describe('renderCommentMarkdown', () => {
  it('keeps text formatting and drops images and headings', () => {
    const out = renderCommentMarkdown(
      '# Big\n\n**bold** ![i](https://example.com/i.png) <script>x()</script>',
    );
    expect(out).toContain('<strong>bold</strong>');
    expect(out).not.toMatch(/<h1|<img|<script/);
  });
});

describe('plainExcerpt', () => {
  it('gives the text without tags, cut at a word', () => {
    expect(plainExcerpt('<p>Tom &amp; Jerry <em>run</em></p>')).toBe('Tom & Jerry run');
    expect(plainExcerpt('<p>one two three four</p>', 10)).toBe('one two…');
  });
});
