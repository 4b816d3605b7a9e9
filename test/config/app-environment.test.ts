import { describe, expect, it } from 'vitest';
import { appConfigFromEnvironment, appEnvironment } from '../../src/config/app-environment.js';
import { defaultConfig } from '../../src/config/schema.js';

describe('the web.app block as environment variables', () => {
  const app = defaultConfig().web.app;

  it('round-trips every field', () => {
    const changed = {
      ...app,
      postsPerPage: 3,
      trustProxy: true,
      pageCache: { ...app.pageCache, enabled: false },
    };
    expect(appConfigFromEnvironment(app, appEnvironment(changed))).toEqual(changed);
  });

  it('keeps the configuration where no variable is set', () => {
    expect(appConfigFromEnvironment(app, {})).toEqual(app);
  });

  it('names the variables that are wrong, all at once', () => {
    expect(() =>
      appConfigFromEnvironment(app, { QUIRE_POSTS_PER_PAGE: '0', QUIRE_TRUST_PROXY: 'yes' }),
    ).toThrow(
      /QUIRE_POSTS_PER_PAGE: must be at least 1 \(got 0\)[\s\S]*QUIRE_TRUST_PROXY: must be true or false \(got "yes"\)/,
    );
  });
});
