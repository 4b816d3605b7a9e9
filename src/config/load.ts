/**
 * Reading and validating a configuration. All problems are collected and reported at once, each
 * with its field path, what is wrong and an example of a good value.
 */
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, UserError, type ConfigProblem } from './errors.js';
import { exampleFor, fieldSchema, objectBranch } from './json-schema.js';
import { configSchema, type QuireConfig } from './schema.js';

/** The file `quire` reads when no `--config` is given. */
export const DEFAULT_CONFIG_FILE = 'quire.yaml';

/**
 * Validate a parsed configuration (any JSON-like value) and apply defaults.
 * @param source names the input in messages (a file name, or "--set values").
 */
export function parseConfig(input: unknown, source = 'configuration'): QuireConfig {
  const result = configSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw new ConfigError(
    source,
    result.error.issues.flatMap((issue) => describeIssue(issue, input)),
  );
}

/**
 * Read and validate a configuration file. A missing file is an error only when `required`
 * (the user named it); otherwise the defaults apply.
 */
export async function loadConfig(file: string, required: boolean): Promise<QuireConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !required) return parseConfig({}, file);
    const why = code === 'ENOENT' ? 'it does not exist' : `it cannot be read (${code ?? String(error)})`;
    throw new UserError(
      'CONFIG_UNREADABLE',
      `cannot use ${file}: ${why}. Write one with \`quire init\` or pass --config <file>.`,
    );
  }
  return parseConfig(parseYaml(text, file), file);
}

/** Parse YAML text, turning syntax errors into a message with line and column. */
export function parseYaml(text: string, source: string): unknown {
  const document = parseDocument(text, { uniqueKeys: true });
  const first = document.errors[0];
  if (first) {
    const where = first.linePos
      ? `line ${first.linePos[0].line}, column ${first.linePos[0].col}`
      : 'somewhere';
    throw new UserError(
      'CONFIG_SYNTAX',
      `${source} is not valid YAML (${where}): ${first.message.split('\n')[0] ?? ''}`,
    );
  }
  return document.toJS() as unknown;
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): ConfigProblem[] {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const parent = fieldSchema(path);
    const known = Object.keys((parent && objectBranch(parent)?.properties) ?? {});
    return issue.keys.map((key) => ({
      path: [...path, key].join('.'),
      message: `unknown key; remove it or use one of: ${known.join(', ')}`,
    }));
  }
  const got = valueAt(input, issue.path);
  const shown = got === undefined ? '' : ` (got ${JSON.stringify(got)})`;
  return [
    {
      path: path.join('.'),
      message: `${messageOf(issue)}${shown}`,
      example: exampleFor(issue.path as (string | number)[]),
    },
  ];
}

function messageOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${article(issue.expected)}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
    default:
      return issue.message;
  }
}

function article(type: string): string {
  const names: Record<string, string> = {
    string: 'a string',
    number: 'a number',
    int: 'a whole number',
    boolean: 'true or false',
    object: 'a mapping of keys to values',
    array: 'a list',
  };
  return names[type] ?? type;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let node = input;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}
