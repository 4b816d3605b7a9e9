/**
 * The configuration with every default, each key preceded by its description: written by
 * `quire init` as quire.yaml and by `quire chart` as values.yaml (Bitnami-style `@param` lines).
 */
import { stringify } from 'yaml';
import { configJsonSchema, descriptionOf, objectBranch, type JsonSchema } from './json-schema.js';

export interface CommentedYamlOptions {
  /** Lines at the top of the file (without the leading `# `). */
  readonly header: readonly string[];
  /** Top-level keys left out (the chart takes name and namespace from the release). */
  readonly omit?: readonly string[];
  /** Comment marker before each description: `#` for quire.yaml, `## @param <path>` style for values.yaml. */
  readonly style: 'config' | 'values';
  /** Values to write instead of the defaults (a validated configuration). */
  readonly values?: object;
}

const scalar = (value: unknown): string => stringify(value, { lineWidth: 0 }).trimEnd();

export function commentedYaml(options: CommentedYamlOptions): string {
  const lines = options.header.map((line) => (line === '' ? '#' : `# ${line}`));
  const valueAt = (path: readonly string[], fallback: unknown): unknown => {
    let node: unknown = options.values;
    for (const key of path) node = node === undefined ? undefined : (node as Record<string, unknown>)[key];
    return options.values === undefined ? fallback : node;
  };
  const visit = (node: JsonSchema, path: string[], depth: number) => {
    const indent = '  '.repeat(depth);
    for (const [key, child] of Object.entries(objectBranch(node)?.properties ?? {})) {
      if (depth === 0 && options.omit?.includes(key)) continue;
      const childPath = [...path, key];
      const description = descriptionOf(child);
      lines.push('');
      if (objectBranch(child)) {
        lines.push(
          options.style === 'values' && depth === 0
            ? `## @section ${description}`
            : `${indent}# ${description}`,
        );
        lines.push(`${indent}${key}:`);
        visit(child, childPath, depth + 1);
      } else {
        lines.push(
          options.style === 'values'
            ? `${indent}## @param ${childPath.join('.')} ${description}`
            : `${indent}# ${description}`,
        );
        lines.push(`${indent}${key}: ${scalar(valueAt(childPath, child.default))}`);
      }
    }
  };
  visit(configJsonSchema(), [], 0);
  return `${lines.join('\n').replace(/\n\n\n+/g, '\n\n')}\n`;
}
