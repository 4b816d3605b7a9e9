import type { k8s } from 'cdk8s-plus-33';
import type { QuireConfig } from '../config/schema.js';
import { commonLabels, type Component } from './names.js';

/** Metadata of a namespaced object of one component. */
export function namespacedMeta(
  config: QuireConfig,
  name: string,
  component: Component,
  annotations?: Record<string, string>,
): k8s.ObjectMeta {
  return { name, namespace: config.namespace, labels: commonLabels(config, component), annotations };
}

/**
 * Metadata of a cluster-scoped object: its name carries the namespace and installation so that
 * two installations in one cluster never collide.
 */
export function clusterMeta(config: QuireConfig, suffix: string, component: Component): k8s.ObjectMeta {
  return { name: `${config.namespace}-${config.name}-${suffix}`, labels: commonLabels(config, component) };
}
