/**
 * Objects of kinds an operator's CRDs provide (ServiceMonitor, Certificate): skipped when the
 * cluster does not serve them, with the operator to install named, or refused with --strict.
 * `quire deploy` and `quire diff` decide alike.
 */
import type { QuireConfig } from '../config/schema.js';
import { UserError } from '../config/errors.js';
import type { ManifestFile } from '../k8s/quire-manifests.js';
import { servesKind } from './apply.js';
import { objectLabel, type ClusterConnection } from './connection.js';
import { CRD_GROUPS, crdGroup } from './deploy-plan.js';

/** Drop objects whose API group is not served, or fail with --strict. */
export async function withoutUnservedKinds(
  connection: ClusterConnection,
  config: QuireConfig,
  files: readonly ManifestFile[],
  options: { readonly strict: boolean },
): Promise<{ files: ManifestFile[]; skipped: string[] }> {
  const groups = new Map<string, boolean>();
  for (const object of files.flatMap((file) => file.objects)) {
    const group = crdGroup(object);
    if (group && !groups.has(group))
      groups.set(group, await servesKind(connection, object.apiVersion, object.kind, config.namespace));
  }
  const missing = [...groups].filter(([, served]) => !served).map(([group]) => group);
  if (missing.length > 0 && options.strict) {
    throw new UserError(
      'CRD_MISSING',
      `the cluster has no ${missing.map((group) => `${group} (${CRD_GROUPS[group] ?? group})`).join(', ')}; install it, or disable the part in quire.yaml, or deploy without --strict to skip those objects`,
    );
  }
  const skipped: string[] = [];
  const kept = files.map((file) => ({
    name: file.name,
    objects: file.objects.filter((object) => {
      const group = crdGroup(object);
      if (group && missing.includes(group)) {
        skipped.push(`${objectLabel(object)} (needs ${CRD_GROUPS[group] ?? group})`);
        return false;
      }
      return true;
    }),
  }));
  return { files: kept, skipped };
}
