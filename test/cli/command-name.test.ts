import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { quireCommand } from '../../src/cli/command-name.js';
import { PACKAGE_ROOT } from '../../src/util/package-root.js';

describe('quireCommand (the command the hints name)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'quire-command-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('names bin/quire.js by its path from where the person is, when PATH has no quire', () => {
    expect(quireCommand({ PATH: '/usr/bin:/bin' }, PACKAGE_ROOT)).toBe('./bin/quire.js');
    expect(quireCommand({ PATH: '/usr/bin' }, join(PACKAGE_ROOT, 'docs'))).toBe('../bin/quire.js');
  });

  it('says quire when the quire on PATH is this program, and only then', () => {
    const ours = join(dir, 'ours');
    const other = join(dir, 'other');
    mkdirSync(ours);
    mkdirSync(other);
    symlinkSync(join(PACKAGE_ROOT, 'bin', 'quire.js'), join(ours, 'quire'));
    symlinkSync('/bin/true', join(other, 'quire'));
    expect(quireCommand({ PATH: `/usr/bin:${ours}` }, PACKAGE_ROOT)).toBe('quire');
    expect(quireCommand({ PATH: `${other}:/usr/bin` }, PACKAGE_ROOT)).toBe('./bin/quire.js');
  });
});
