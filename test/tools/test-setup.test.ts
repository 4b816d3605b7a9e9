import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('tools/test-setup.sh (the set-up half of npm test)', () => {
  it('as a user other than root, prints the commands to run and exits 2 without installing', () => {
    // As root (CI), the script is run as nobody; as another user, as that user.
    const [command, args] =
      process.getuid?.() === 0
        ? ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'bash', 'tools/test-setup.sh']]
        : ['bash', ['tools/test-setup.sh']];
    const result = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000 });
    expect(result.status, result.stderr).toBe(2);
    expect(result.stderr).toContain('npm test needs root');
    expect(result.stderr).toMatch(/^ {2}sudo npm test$/m);
    expect(result.stderr).toMatch(/^ {2}npm ci && npm run test:unit$/m);
    // No stage ran.
    expect(result.stdout).not.toContain(':::');
  });
});
