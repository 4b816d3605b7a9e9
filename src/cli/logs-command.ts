import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { readClusterState } from '../local/mariadb/cluster-state.js';
import { clusterLayout } from '../local/mariadb/node-spec.js';
import { tailFile } from '../local/mariadb/process-group.js';
import { LocalStackError, localStateDir, stackPaths } from '../local/stack/index.js';
import type { ConfigOptions } from './config-option.js';
import { quireDirectory, withLocalOptions } from './local-options.js';

interface LogsOptions extends ConfigOptions {
  readonly follow?: boolean;
  readonly lines: string;
}

/** Every component's log files: supervisor, web-N, <db node> (server), <db node>-replication, <db node>-init. */
function logFiles(dir: string): Map<string, string> {
  const paths = stackPaths(dir);
  const files = new Map<string, string>([['supervisor', paths.supervisorLog]]);
  if (existsSync(paths.logDir)) {
    for (const file of readdirSync(paths.logDir).sort()) {
      if (/^web-\d+\.log$/.test(file)) files.set(file.replace(/\.log$/, ''), join(paths.logDir, file));
    }
  }
  const state = readClusterState(join(paths.dbDir, 'cluster.json'));
  if (state !== undefined) {
    const layout = clusterLayout({
      baseDir: paths.dbDir,
      name: state.name,
      ports: state.nodes.map((node) => node.ports),
      host: '127.0.0.1',
      ownTemplates: true,
    });
    for (const node of layout.nodes) {
      files.set(node.name, node.serverLog);
      files.set(`${node.name}-replication`, node.replicationLog);
      files.set(`${node.name}-init`, node.initLog);
    }
  }
  return files;
}

export function logsCommand(): Command {
  return withLocalOptions(new Command('logs'))
    .description('show the local stack’s logs: one component, or all')
    .argument('[component]', 'supervisor, web-<n>, <db node> (its server), <db node>-replication or -init')
    .option('-f, --follow', 'keep printing new lines (Ctrl-C ends)')
    .option('-n, --lines <count>', 'lines from the end of each log', '50')
    .addHelpText('after', '\nExamples:\n  $ quire logs web-0\n  $ quire logs quire-mariadb-1 -f')
    .action(async (component: string | undefined, options: LogsOptions) => {
      const dir = localStateDir(quireDirectory(options));
      const files = logFiles(dir);
      let chosen = [...files];
      if (component !== undefined) {
        const file = files.get(component);
        if (file === undefined) {
          throw new LocalStackError(
            'LOCAL_STACK_UNKNOWN_COMPONENT',
            `no component "${component}" in ${dir}; choose one of: ${[...files.keys()].join(', ')}`,
            2,
          );
        }
        chosen = [[component, file]];
      }
      const lines = Math.max(1, Number(options.lines) || 50);
      if (options.follow === true) {
        const child = spawn('tail', ['-n', String(lines), '-F', ...chosen.map(([, file]) => file)], {
          stdio: ['ignore', 'inherit', 'inherit'],
        });
        await new Promise((resolve) => child.once('exit', resolve));
        return;
      }
      for (const [name, file] of chosen) {
        const text = existsSync(file) ? tailFile(file, lines) : '(no log yet)';
        process.stdout.write(chosen.length === 1 ? `${text}\n` : `==> ${name} (${file})\n${text}\n\n`);
      }
    });
}
