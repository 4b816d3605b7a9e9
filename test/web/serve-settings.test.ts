import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { serveSettings } from '../../src/web/serve-settings.js';

const SECRET = 'x'.repeat(40);

describe('serveSettings', () => {
  const config = defaultConfig();

  it("takes the web Deployment's environment: primary, read Service, port, secrets", () => {
    const settings = serveSettings(
      config,
      {
        QUIRE_DB_PRIMARY_HOST: 'quire-mariadb-0.quire-mariadb',
        QUIRE_DB_READ_HOST: 'quire-mariadb-read',
        QUIRE_DB_PORT: '3306',
        QUIRE_DB_NAME: 'blog',
        QUIRE_DB_USER: 'writer',
        QUIRE_DB_PASSWORD: 'pw',
        QUIRE_DB_MAX_REPLICA_LAG_SECONDS: '5',
        QUIRE_PUBLIC_URL: 'https://blog.example.com',
        QUIRE_PORT: '8080',
        QUIRE_SESSION_SECRET: SECRET,
        QUIRE_POSTS_PER_PAGE: '4',
      },
      {},
    );
    expect(settings.database).toMatchObject({
      primary: { host: 'quire-mariadb-0.quire-mariadb', port: 3306 },
      readService: { host: 'quire-mariadb-read', port: 3306 },
      database: 'blog',
      user: 'writer',
      password: 'pw',
      maxReplicaLagSeconds: 5,
    });
    expect(settings.port).toBe(8080);
    expect(settings.app.publicUrl.toString()).toBe('https://blog.example.com/');
    expect(settings.app.postsPerPage).toBe(4);
  });

  it('reads secrets from *_FILE and replicas from flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'quire-serve-'));
    writeFileSync(join(dir, 'password'), 'from file\n');
    writeFileSync(join(dir, 'secret'), `${SECRET}\n`);
    const settings = serveSettings(
      config,
      { QUIRE_DB_PASSWORD_FILE: join(dir, 'password'), QUIRE_SESSION_SECRET_FILE: join(dir, 'secret') },
      { primary: '127.0.0.1:3306', replica: ['127.0.0.1:3307', '127.0.0.1:3308'] },
    );
    expect(settings.database.password).toBe('from file');
    expect(settings.app.sessionSecret).toBe(SECRET);
    expect(settings.database.replicas?.map((replica) => replica.port)).toEqual([3307, 3308]);
    expect(settings.database.readService).toBeUndefined();
  });

  it('lists every problem at once, each with how to fix it', () => {
    expect(() =>
      serveSettings(
        config,
        {
          QUIRE_SESSION_SECRET: 'short',
          QUIRE_DB_PASSWORD_FILE: '/nonexistent/pw',
          QUIRE_PUBLIC_URL: 'ftp://x',
        },
        { port: '99999' },
      ),
    ).toThrow(
      [
        'quire serve cannot start (5 problems):',
        '  - no primary database: pass --primary host:port or set QUIRE_DB_PRIMARY_HOST',
        '  - QUIRE_DB_PASSWORD_FILE names /nonexistent/pw, which cannot be read (ENOENT)',
        '  - QUIRE_SESSION_SECRET (or QUIRE_SESSION_SECRET_FILE) must hold at least 32 characters (it has 5); make one with: openssl rand -base64 32',
        '  - the port (--port or QUIRE_PORT) is "99999"; give a whole number from 1 to 65535',
        '  - the public URL "ftp://x" is not an http(s) URL (example: https://blog.example.com)',
      ].join('\n'),
    );
  });
});
