/**
 * The local stack's passwords: generated once into a 0600 file, the same on every later load,
 * a key missing from the file added without changing the others, a damaged file refused.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalStackError } from '../../../src/local/stack/errors.js';
import { loadStackPasswords } from '../../../src/local/stack/stack-passwords.js';
import { ensureStackDirs, stackPaths, type StackPaths } from '../../../src/local/stack/stack-paths.js';

describe('loadStackPasswords', () => {
  let paths: StackPaths;

  beforeEach(() => {
    paths = stackPaths(join(mkdtempSync(join(tmpdir(), 'quire-pw-')), 'local'));
    ensureStackDirs(paths, false);
  });

  afterEach(() => {
    rmSync(join(paths.dir, '..'), { recursive: true, force: true });
  });

  it('generates every password once, in 0600 files, in a 0700 directory', () => {
    const first = loadStackPasswords(paths);
    expect(Object.keys(first).sort()).toEqual([
      'app',
      'failover',
      'monitor',
      'replication',
      'root',
      'session',
    ]);
    for (const value of Object.values(first)) expect(value).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(new Set(Object.values(first)).size).toBe(6);
    expect(loadStackPasswords(paths)).toEqual(first);
    for (const file of [paths.passwordsFile, paths.dbPasswordFile, paths.sessionSecretFile]) {
      expect(statSync(file).mode & 0o777).toBe(0o600);
    }
    expect(statSync(paths.dir).mode & 0o777).toBe(0o700);
    expect(readFileSync(paths.dbPasswordFile, 'utf8')).toBe(first.app);
    expect(readFileSync(paths.sessionSecretFile, 'utf8')).toBe(first.session);
  });

  it('adds a missing key and keeps the others (a stack made before the failover account)', () => {
    const first = loadStackPasswords(paths);
    const rest = { root: first.root, replication: first.replication, monitor: first.monitor, app: first.app };
    writeFileSync(paths.passwordsFile, JSON.stringify(rest));
    const second = loadStackPasswords(paths);
    expect(second).toMatchObject(rest);
    expect(second.session).not.toBe(first.session);
    expect(second.failover).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(second.failover).not.toBe(first.failover);
  });

  it('refuses a damaged file, naming it and the way out', () => {
    writeFileSync(paths.passwordsFile, '{not json');
    expect(() => loadStackPasswords(paths)).toThrow(LocalStackError);
    expect(() => loadStackPasswords(paths)).toThrow(`${paths.passwordsFile} is damaged`);
  });
});
