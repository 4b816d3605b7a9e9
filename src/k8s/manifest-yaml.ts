import { stringify } from 'yaml';
import type { KubeObject } from './quire-manifests.js';

/**
 * One YAML serialisation for every output (synth files, chart templates), so that the two can be
 * compared line by line: no line folding, keys in construct order.
 */
export function objectsToYaml(objects: readonly KubeObject[]): string {
  return objects.map((object) => `---\n${stringify(object, { lineWidth: 0, minContentWidth: 0 })}`).join('');
}
