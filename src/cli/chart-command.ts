import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { chartFiles } from '../chart/chart-files.js';
import { DEFAULT_CONFIG_FILE } from '../config/load.js';
import { readConfig, withConfigOption, type ConfigOptions } from './config-option.js';
import { formatTable } from '../util/table.js';
import { quireVersion } from './version.js';
import { writeDirectory } from './write-directory.js';

interface ChartOptions extends ConfigOptions {
  readonly out: string;
}

async function fileExists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

export function chartCommand(): Command {
  return withConfigOption(new Command('chart'))
    .description('write the Helm 3 chart (same objects as `quire synth`, values from the same schema)')
    .option('-o, --out <dir>', 'directory the chart is written to, as <dir>/quire', 'dist/chart')
    .addHelpText(
      'after',
      `
The chart's values.yaml is quire.yaml without name and namespace (the release gives those), so a
quire.yaml is a values file as it is. With --config (or ./quire.yaml present), its values become
the chart's defaults; else the schema's defaults are.

Examples:
  $ quire chart
  $ helm install quire dist/chart/quire --namespace quire --create-namespace -f quire.yaml
  $ helm template quire dist/chart/quire --set workload=wordpress`,
    )
    .action(async (options: ChartOptions) => {
      const usesConfig = options.config !== undefined || (await fileExists(DEFAULT_CONFIG_FILE));
      const files = chartFiles(quireVersion(), usesConfig ? await readConfig(options) : undefined);
      const out = join(options.out, 'quire');
      await writeDirectory(out, files);
      const rows = Object.entries(files).map(([path, content]) => [
        path,
        String(content.split('\n').length - 1),
      ]);
      process.stdout.write(`${formatTable(['file', 'lines'], rows)}\nwrote the chart to ${out}\n`);
    });
}
