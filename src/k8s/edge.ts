/**
 * How the site is reached (SPEC S10): an Ingress for the configured host and class, TLS from a
 * certificate made once at synth (selfSigned), by cert-manager (certManager) or from the user's
 * Secret (existingSecret), and HTTP redirected to HTTPS.
 */
import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import type { QuireConfig } from '../config/schema.js';
import { quireNames } from './names.js';
import { namespacedMeta } from './object-meta.js';
import type { SecretValues } from './secret-values.js';
import { WEB_SERVICE_PORT } from './web-tier.js';

/** Annotation of the TLS Secret naming the host its certificate was made for. */
export const CERTIFICATE_HOST_ANNOTATION = 'quire.dev/certificate-host';

export interface EdgeProps {
  readonly config: QuireConfig;
  readonly secrets: SecretValues;
}

export class Edge extends Construct {
  constructor(scope: Construct, id: string, props: EdgeProps) {
    super(scope, id);
    const { config, secrets } = props;
    const names = quireNames(config);
    const { host, tls } = config.ingress;

    if (tls.mode === 'selfSigned') {
      const pair = secrets.selfSignedTls(names.tlsSecret, host);
      new k8s.KubeSecret(this, 'tls', {
        metadata: namespacedMeta(config, names.tlsSecret, 'edge', {
          'helm.sh/resource-policy': 'keep',
          // Tells a later install whether the stored certificate still matches the host.
          [CERTIFICATE_HOST_ANNOTATION]: host,
        }),
        type: 'kubernetes.io/tls',
        stringData: { 'tls.crt': pair.certificate, 'tls.key': pair.privateKey },
      });
    } else if (tls.mode === 'certManager') {
      // cert-manager's Certificate has no generated type here; its schema is checked in the tests.
      new ApiObject(this, 'certificate', {
        apiVersion: 'cert-manager.io/v1',
        kind: 'Certificate',
        metadata: namespacedMeta(config, names.tlsSecret, 'edge'),
        spec: {
          secretName: names.tlsSecret,
          dnsNames: [host],
          issuerRef: { name: tls.issuerName, kind: tls.issuerKind, group: 'cert-manager.io' },
        },
      });
    }

    new k8s.KubeIngress(this, 'ingress', {
      metadata: namespacedMeta(config, names.ingress, 'edge', {
        'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true',
      }),
      spec: {
        ingressClassName: config.ingress.className,
        tls: [{ hosts: [host], secretName: names.tlsSecret }],
        rules: [
          {
            host,
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: names.web, port: { number: WEB_SERVICE_PORT } } },
                },
              ],
            },
          },
        ],
      },
    });
  }
}
