/**
 * The configuration schema as JSON Schema, and a walk over its fields. The chart's
 * values.schema.json, the commented quire.yaml, values.yaml and the error examples all read it,
 * so descriptions and defaults are written once, in schema.ts.
 */
import { z } from 'zod';
import { configSchema, PASSTHROUGH } from './schema.js';

export interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  examples?: unknown[];
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  anyOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  [PASSTHROUGH]?: boolean;
  [key: string]: unknown;
}

/** One configurable value (not an object) of the schema. */
export interface ConfigField {
  readonly path: readonly string[];
  readonly kind: 'string' | 'integer' | 'number' | 'boolean' | 'enum';
  /** The allowed values of an enum field. */
  readonly values: readonly string[];
  /** Whether null is allowed (null means "not set"). */
  readonly nullable: boolean;
  /** Whether the value is only copied into manifests, never used to choose what to make. */
  readonly passthrough: boolean;
  readonly description: string;
  readonly defaultValue: unknown;
}

let cached: JsonSchema | undefined;

/** The JSON Schema (draft 2020-12) of a configuration file as a user writes it. */
export function configJsonSchema(): JsonSchema {
  cached ??= z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return cached;
}

/** The schema of one field, or undefined when the path names no field. */
export function fieldSchema(path: readonly (string | number)[]): JsonSchema | undefined {
  let node: JsonSchema | undefined = configJsonSchema();
  for (const key of path) {
    node = node && objectBranch(node)?.properties?.[String(key)];
  }
  return node;
}

/** Children of an object schema, in declaration order; undefined for a value field. */
export function objectBranch(node: JsonSchema): JsonSchema | undefined {
  if (node.properties) return node;
  return node.anyOf?.find((branch) => branch.properties);
}

/** Every value field of the configuration, depth first, in declaration order. */
export function configFields(): ConfigField[] {
  const fields: ConfigField[] = [];
  const visit = (node: JsonSchema, path: string[]) => {
    const branch = objectBranch(node);
    if (branch?.properties) {
      for (const [key, child] of Object.entries(branch.properties)) visit(child, [...path, key]);
      return;
    }
    fields.push(describeField(node, path));
  };
  visit(configJsonSchema(), []);
  return fields;
}

function describeField(node: JsonSchema, path: string[]): ConfigField {
  const variants = node.anyOf ?? [node];
  const types = variants.flatMap((variant) =>
    Array.isArray(variant.type) ? variant.type : variant.type ? [variant.type] : [],
  );
  const valueVariant = variants.find((variant) => variant.type !== 'null') ?? node;
  const enumValues = valueVariant.enum?.map(String) ?? [];
  const valueType = types.find((type) => type !== 'null') ?? 'string';
  return {
    path,
    kind: enumValues.length > 0 ? 'enum' : (valueType as ConfigField['kind']),
    values: enumValues,
    nullable: types.includes('null'),
    passthrough: node[PASSTHROUGH] === true || valueVariant[PASSTHROUGH] === true,
    description: descriptionOf(node),
    defaultValue: node.default,
  };
}

/** The description of a schema node, looking inside `anyOf` (nullable fields keep it there). */
export function descriptionOf(node: JsonSchema): string {
  return node.description ?? node.anyOf?.find((branch) => branch.description)?.description ?? '';
}

/** A good value for the field at `path`, as text for an error message. */
export function exampleFor(path: readonly (string | number)[]): string | undefined {
  const node = fieldSchema(path);
  if (!node) return undefined;
  const variant = node.anyOf?.find((branch) => branch.type !== 'null') ?? node;
  const example = node.examples?.[0] ?? variant.examples?.[0] ?? variant.enum?.[0];
  if (example !== undefined) return JSON.stringify(example);
  if (variant.type === 'boolean') return 'true';
  return undefined;
}
