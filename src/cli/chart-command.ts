import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { chartFiles } from '../chart/chart-files.js';
import { PACKAGE_ROOT } from '../util/package-root.js';
import { formatTable } from './table.js';
import { writeDirectory } from './write-directory.js';

interface ChartOptions {
  readonly out: string;
}

/** The chart's version: Quire's own. */
export function quireVersion(): string {
  const manifest = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

export function chartCommand(): Command {
  return new Command('chart')
    .description('write the Helm 3 chart (same objects as `quire synth`, values from the same schema)')
    .option('-o, --out <dir>', 'directory the chart is written to, as <dir>/quire', 'dist/chart')
    .addHelpText(
      'after',
      `
The chart's values.yaml is quire.yaml without name and namespace (the release gives those), so a
quire.yaml is a values file as it is.

Examples:
  $ quire chart
  $ helm install quire dist/chart/quire --namespace quire --create-namespace -f quire.yaml
  $ helm template quire dist/chart/quire --set workload=wordpress`,
    )
    .action(async (options: ChartOptions) => {
      const files = chartFiles(quireVersion());
      const out = join(options.out, 'quire');
      await writeDirectory(out, files);
      const rows = Object.entries(files).map(([path, content]) => [
        path,
        String(content.split('\n').length - 1),
      ]);
      process.stdout.write(`${formatTable(['file', 'lines'], rows)}\nwrote the chart to ${out}\n`);
    });
}
