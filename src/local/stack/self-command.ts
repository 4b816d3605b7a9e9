/**
 * How to run the `quire` CLI itself as a child process (the supervisor, the web workers): the
 * compiled entry point, or, when Quire runs from its TypeScript sources (tests, `tsx`), the
 * sources through tsx, so that a child always runs the same code as its parent.
 */
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../util/package-root.js';

const FROM_SOURCE = import.meta.url.endsWith('.ts');

/** argv (node and its arguments) before the quire subcommand. */
export function selfCommand(): string[] {
  if (!FROM_SOURCE) return [process.execPath, join(PACKAGE_ROOT, 'bin', 'quire.js')];
  const main = join(PACKAGE_ROOT, 'src', 'cli', 'main.ts');
  const script = `import { main } from ${JSON.stringify(main)}; process.exitCode = await main(process.argv);`;
  // tsx from this package, wherever the child runs.
  const tsx = import.meta.resolve('tsx');
  return [process.execPath, '--import', tsx, '--input-type=module', '-e', script, 'quire'];
}
