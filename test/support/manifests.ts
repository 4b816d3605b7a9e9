import { parseConfig } from '../../src/config/load.js';
import type { QuireConfigInput } from '../../src/config/schema.js';
import { buildManifests, type KubeObject } from '../../src/k8s/quire-manifests.js';
import { fixedSecrets } from './fixed-secrets.js';

/** Every object Quire makes for a configuration (validated like a user's), with fixed secrets. */
export function synthObjects(input: QuireConfigInput = {}): KubeObject[] {
  return buildManifests(parseConfig(input), fixedSecrets).flatMap((file) => file.objects);
}

/** The one object of `kind` named `name`; fails when absent. */
export function findObject(objects: readonly KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found)
    throw new Error(
      `no ${kind} ${name} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`,
    );
  return found;
}

/** Read a nested field by path; `undefined` when any step is missing. */
export function at(value: unknown, ...path: (string | number)[]): unknown {
  let node = value;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}
