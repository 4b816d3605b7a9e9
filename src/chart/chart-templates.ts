/**
 * The chart's templates, made from the constructs themselves. Fields that are copied into
 * manifests become markers (see markers.ts). Fields that choose what is made (booleans, enums,
 * optional values) are dimensions: for each object, Quire finds the dimensions that change it by
 * synthesising variants, and merges the variants into one template with Helm conditionals.
 */
import { configFields, type ConfigField } from '../config/json-schema.js';
import type { QuireConfig } from '../config/schema.js';
import { objectsToYaml } from '../k8s/manifest-yaml.js';
import { buildManifests, NAMESPACE_FILE, type KubeObject } from '../k8s/quire-manifests.js';
import { mergeVariants } from './line-merge.js';
import { chartSecretValues, MarkerTable, valuesExpression } from './markers.js';

/** A configuration field that selects what is made, with the values it can take. */
interface Dimension {
  readonly field: ConfigField;
  readonly values: readonly unknown[];
  /** Helm condition that holds when the field has `value`. */
  condition(value: unknown): string;
}

/** One value per dimension, in dimension order. */
type Assignment = readonly unknown[];

/** Object text by file and object key. */
type Rendering = Map<string, Map<string, string>>;

export interface ChartTemplate {
  /** File name under templates/. */
  readonly name: string;
  readonly content: string;
}

/**
 * Top-level configuration keys the chart has nothing to do with: only other commands read them
 * (`cluster` describes the VMs under the cluster, for `quire cluster`). They are neither values
 * nor dimensions nor markers; the constructs see their defaults.
 */
export const NON_CHART_KEYS: readonly string[] = ['cluster'];

/** Whether a field belongs to the chart (values, markers, dimensions). */
export function isChartField(field: ConfigField): boolean {
  return !NON_CHART_KEYS.includes(field.path[0] ?? '');
}

function isDimension(field: ConfigField): boolean {
  return field.nullable || field.kind === 'boolean' || (field.kind === 'enum' && !field.passthrough);
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[path[path.length - 1] ?? ''] = value;
}

/** Escape text that Helm would read as template actions (`{{ $labels.pod }}` in alert rules). */
function escapeHelm(text: string): string {
  return text.replace(/\{\{|\}\}/g, (braces) => `{{ ${JSON.stringify(braces)} }}`);
}

function objectKey(object: KubeObject): string {
  return `${object.kind}/${object.metadata.name}`;
}

class VariantRenderer {
  readonly markers = new MarkerTable();
  readonly dimensions: Dimension[] = [];
  private readonly scalars = new Map<string, string | number>();
  private readonly cache = new Map<string, Rendering>();
  private readonly secrets = chartSecretValues(this.markers);

  constructor() {
    for (const field of configFields().filter(isChartField)) {
      const expression = valuesExpression(field);
      if (!isDimension(field)) {
        this.scalars.set(field.path.join('.'), this.markers.forField(field));
      } else if (field.nullable) {
        const marker = this.markers.forField(field);
        this.dimensions.push({
          field,
          values: [null, marker],
          condition: (value) => (value === null ? `not ${expression}` : expression),
        });
      } else if (field.kind === 'boolean') {
        this.dimensions.push({
          field,
          values: [true, false],
          condition: (value) => (value === true ? expression : `not ${expression}`),
        });
      } else {
        this.dimensions.push({
          field,
          values: field.values,
          condition: (value) => `eq ${expression} ${JSON.stringify(value)}`,
        });
      }
    }
  }

  /** The assignment of the default configuration. */
  base(): Assignment {
    return this.dimensions.map((dimension) =>
      dimension.field.nullable ? null : dimension.field.defaultValue,
    );
  }

  render(assignment: Assignment): Rendering {
    const key = JSON.stringify(assignment);
    const cached = this.cache.get(key);
    if (cached) return cached;
    const config: Record<string, unknown> = {};
    for (const field of configFields()) {
      if (!isChartField(field)) {
        setPath(config, field.path, field.defaultValue);
        continue;
      }
      const scalar = this.scalars.get(field.path.join('.'));
      if (scalar !== undefined) setPath(config, field.path, scalar);
    }
    this.dimensions.forEach((dimension, index) => {
      setPath(config, dimension.field.path, assignment[index]);
    });
    const rendering: Rendering = new Map();
    // Markers stand in for validated values: the constructs must not (and do not) inspect them.
    for (const file of buildManifests(config as QuireConfig, this.secrets)) {
      if (file.name === NAMESPACE_FILE) continue;
      rendering.set(
        file.name,
        new Map(file.objects.map((object) => [objectKey(object), escapeHelm(objectsToYaml([object]))])),
      );
    }
    this.cache.set(key, rendering);
    return rendering;
  }

  text(assignment: Assignment, file: string, key: string): string {
    return this.render(assignment).get(file)?.get(key) ?? '';
  }
}

const withValue = (assignment: Assignment, index: number, value: unknown): Assignment =>
  assignment.map((current, position) => (position === index ? value : current));

/** Every assignment of `dimensions` (indexes), the others taken from `base`. */
function product(base: Assignment, dimensions: readonly number[], renderer: VariantRenderer): Assignment[] {
  let assignments: Assignment[] = [base];
  for (const index of dimensions) {
    const values = renderer.dimensions[index]?.values ?? [];
    assignments = assignments.flatMap((assignment) =>
      values.map((value) => withValue(assignment, index, value)),
    );
  }
  return assignments;
}

/** The dimensions that change one object, found by flipping each from every explored variant. */
function dependencies(
  renderer: VariantRenderer,
  file: string,
  key: string,
  onRender: (a: Assignment) => void,
): number[] {
  const found: number[] = [];
  const base = renderer.base();
  for (;;) {
    let grew = false;
    search: for (const assignment of product(base, found, renderer)) {
      onRender(assignment);
      const text = renderer.text(assignment, file, key);
      for (let index = 0; index < renderer.dimensions.length; index++) {
        if (found.includes(index)) continue;
        for (const value of renderer.dimensions[index]?.values ?? []) {
          const flipped = withValue(assignment, index, value);
          onRender(flipped);
          if (renderer.text(flipped, file, key) !== text) {
            found.push(index);
            grew = true;
            break search;
          }
        }
      }
    }
    if (!grew) return found.sort((a, b) => a - b);
  }
}

/** The template of one object: its variants over `dims`, merged. */
function mergeObject(
  renderer: VariantRenderer,
  file: string,
  key: string,
  dims: readonly number[],
  assignment: Assignment,
): string {
  const [first, ...rest] = dims;
  if (first === undefined) return renderer.text(assignment, file, key);
  const dimension = renderer.dimensions[first];
  if (!dimension) throw new Error(`no dimension ${first}`);
  const branches = dimension.values.map((value) => ({
    value,
    text: mergeObject(renderer, file, key, rest, withValue(assignment, first, value)),
  }));
  const chain = (from: number): string => {
    const branch = branches[from];
    if (!branch) return '';
    if (from === branches.length - 1) return branch.text;
    return mergeVariants(dimension.condition(branch.value), branch.text, chain(from + 1));
  };
  return chain(0);
}

/** Replace each marker by its Helm expression, typed by where it stands in the YAML. */
function substituteMarkers(text: string, markers: MarkerTable): { text: string; preambles: Set<string> } {
  const preambles = new Set<string>();
  const lines = text.split('\n').map((line) => {
    const found = markers.find(line);
    if (found.length === 0) return line;
    const whole = /^(\s*(?:- )*(?:[^\s"'][^:]*: )?)(["']?)(qmx\d{3}q|777\d{4})\2$/.exec(line);
    if (whole) {
      const target = markers.target(whole[3] ?? '');
      if (target) {
        if (target.preamble) preambles.add(target.preamble);
        const quoted = whole[2] !== '';
        const pipeline =
          target.type === 'string'
            ? `${target.expression} | toJson`
            : quoted
              ? `${target.expression} | int | toString | toJson`
              : `${target.expression} | int`;
        return `${whole[1] ?? ''}{{ ${pipeline} }}`;
      }
    }
    return line.replace(markers.pattern(), (marker) => {
      const target = markers.target(marker);
      if (!target) return marker;
      if (target.preamble) preambles.add(target.preamble);
      return target.type === 'integer' ? `{{ ${target.expression} | int }}` : `{{ ${target.expression} }}`;
    });
  });
  return { text: lines.join('\n'), preambles };
}

/** The chart's object templates, one per manifest file (the Namespace file excepted). */
export function chartTemplates(): ChartTemplate[] {
  const renderer = new VariantRenderer();
  // Object keys per file, in first-seen order, across every variant rendered so far.
  const keys = new Map<string, Set<string>>();
  const discover = (assignment: Assignment) => {
    for (const [file, objects] of renderer.render(assignment)) {
      const known = keys.get(file) ?? new Set<string>();
      keys.set(file, known);
      for (const key of objects.keys()) known.add(key);
    }
  };
  const base = renderer.base();
  discover(base);
  renderer.dimensions.forEach((dimension, index) => {
    for (const value of dimension.values) discover(withValue(base, index, value));
  });

  const merged = new Map<string, Map<string, string>>();
  for (let pending = true; pending;) {
    pending = false;
    for (const [file, fileKeys] of keys) {
      const done = merged.get(file) ?? new Map<string, string>();
      merged.set(file, done);
      for (const key of [...fileKeys]) {
        if (done.has(key)) continue;
        const dims = dependencies(renderer, file, key, discover);
        done.set(key, mergeObject(renderer, file, key, dims, base));
        pending = true;
      }
    }
  }

  return [...merged.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([file, objects]) => {
      const ordered = [...(keys.get(file) ?? [])].map((key) => objects.get(key) ?? '');
      const { text, preambles } = substituteMarkers(ordered.join(''), renderer.markers);
      return { name: file, content: [...preambles, text].join('\n') };
    });
}
