import { Command } from 'commander';
import { configJsonSchema } from '../config/json-schema.js';

export function schemaCommand(): Command {
  return new Command('schema')
    .description('print the JSON Schema of quire.yaml (for editors and CI checks)')
    .action(() => {
      process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    });
}
