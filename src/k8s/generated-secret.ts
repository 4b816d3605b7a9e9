import { k8s } from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import type { QuireConfig } from '../config/schema.js';
import type { Component } from './names.js';
import { namespacedMeta } from './object-meta.js';
import type { SecretValues } from './secret-values.js';

export interface GeneratedSecretProps {
  readonly config: QuireConfig;
  readonly secrets: SecretValues;
  readonly name: string;
  readonly component: Component;
  /** Keys, each holding a generated password. */
  readonly keys: readonly string[];
  readonly annotations?: Record<string, string>;
}

/** An Opaque Secret of generated passwords (stable across synths, see SecretValues). */
export class GeneratedSecret extends Construct {
  constructor(scope: Construct, id: string, props: GeneratedSecretProps) {
    super(scope, id);
    new k8s.KubeSecret(this, 'secret', {
      metadata: namespacedMeta(props.config, props.name, props.component, props.annotations),
      type: 'Opaque',
      stringData: Object.fromEntries(props.keys.map((key) => [key, props.secrets.password(props.name, key)])),
    });
  }
}
