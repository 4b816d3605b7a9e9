import { describe, expect, it } from 'vitest';
import { html, trusted } from '../../../src/web/views/html.js';

describe('html', () => {
  it('escapes interpolated text and attributes', () => {
    const name = `<script>"x" & 'y'</script>`;
    expect(html`<p title="${name}">${name}</p>`.toString()).toBe(
      '<p title="&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;">&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;</p>',
    );
  });

  it('nests templates and arrays without escaping them twice; skips null, undefined and false', () => {
    const items = ['a<b', 'c'].map((item) => html`<li>${item}</li>`);
    // prettier-ignore
    const out = html`<ul>${items}</ul>${null}${undefined}${false}${trusted('<b>ok</b>')}`;
    expect(out.toString()).toBe('<ul><li>a&lt;b</li><li>c</li></ul><b>ok</b>');
  });
});
