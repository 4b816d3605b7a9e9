import { Command, Option } from 'commander';
import { objectsToYaml } from '../k8s/manifest-yaml.js';
import { buildManifests, type ManifestFile } from '../k8s/quire-manifests.js';
import { SecretStore } from '../secrets/secret-store.js';
import { readConfig, stateDirectory, withConfigOption, type ConfigOptions } from './config-option.js';
import { formatTable } from '../util/table.js';
import { writeDirectory } from './write-directory.js';

interface SynthOptions extends ConfigOptions {
  readonly out: string;
  readonly output: 'yaml' | 'json';
  readonly stdout?: boolean;
  readonly dryRun?: boolean;
}

function render(file: ManifestFile, format: 'yaml' | 'json'): string {
  return format === 'yaml' ? objectsToYaml(file.objects) : `${JSON.stringify(file.objects, null, 2)}\n`;
}

export function synthCommand(): Command {
  return withConfigOption(new Command('synth'))
    .description('write plain Kubernetes manifests, one file per part, for `kubectl apply -f`')
    .option('-o, --out <dir>', 'output directory (replaced as a whole)', 'dist/manifests')
    .addOption(new Option('--output <format>', 'file format').choices(['yaml', 'json']).default('yaml'))
    .option(
      '--state-dir <dir>',
      'where generated passwords and the certificate are kept (default: .quire/ beside the config)',
    )
    .option('--stdout', 'print the manifests instead of writing files')
    .option('--dry-run', 'check the configuration and list what would be written; write nothing')
    .addHelpText(
      'after',
      `
Generated passwords and the self-signed certificate are kept in the state directory (mode 0600)
and reused, so every synth of a configuration yields the same Secrets. Keep that directory out
of git; the manifest files holding Secrets are written with mode 0600 too.

Examples:
  $ quire synth
  $ quire synth --config prod.yaml --out build/k8s
  $ quire synth --stdout | kubectl apply -f -`,
    )
    .action(async (options: SynthOptions) => {
      const config = await readConfig(options);
      const store = await SecretStore.open(stateDirectory(options));
      const files = buildManifests(config, store.valuesFor(config.namespace));
      const extension = options.output === 'json' ? '.json' : '.yaml';
      if (options.stdout) {
        process.stdout.write(files.map((file) => render(file, options.output)).join(''));
      }
      if (options.dryRun || options.stdout) {
        if (options.dryRun)
          process.stdout.write(`${summary(files)}\nconfiguration is valid; nothing written (--dry-run)\n`);
        if (options.stdout) await store.save();
        return;
      }
      const contents: Record<string, string> = {};
      const secretFiles = new Set<string>();
      for (const file of files) {
        const name = file.name.replace(/\.yaml$/, extension);
        contents[name] = render(file, options.output);
        if (file.objects.some((object) => object.kind === 'Secret')) secretFiles.add(name);
      }
      await store.save();
      await writeDirectory(options.out, contents, secretFiles);
      process.stdout.write(`${summary(files)}\nwrote ${files.length} files to ${options.out}\n`);
    });
}

function summary(files: readonly ManifestFile[]): string {
  const rows = files.map((file) => {
    const kinds = new Map<string, number>();
    for (const object of file.objects) kinds.set(object.kind, (kinds.get(object.kind) ?? 0) + 1);
    const list = [...kinds].map(([kind, count]) => (count > 1 ? `${kind} x${count}` : kind)).join(', ');
    return [file.name, String(file.objects.length), list];
  });
  return formatTable(['file', 'objects', 'kinds'], rows);
}
