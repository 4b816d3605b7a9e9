/**
 * Markers: stand-in values that flow through the constructs unchanged and are then replaced by
 * Helm expressions. Every configuration field that is only copied into manifests gets one, so the
 * chart's templates come from the same constructs as `quire synth` and never from a second copy.
 */
import type { ConfigField } from '../config/json-schema.js';
import type { SecretValues, TlsPair } from '../k8s/secret-values.js';

/** How a marker becomes Helm: an expression, plus template lines it needs before use. */
export interface MarkerTarget {
  /** A Helm pipeline producing the value, e.g. `.Values.web.replicas` (no braces). */
  readonly expression: string;
  readonly type: 'string' | 'integer';
  /** Lines placed once at the top of a template that uses the marker. */
  readonly preamble?: string;
}

const STRING_MARKER = /qmx\d{3}q/g;
const INTEGER_MARKER_BASE = 7_770_000;
// Not next to another digit; a unit may follow ("30s").
const INTEGER_MARKER = /(?<!\d)777\d{4}(?!\d)/g;

/** Values of the configuration fields in the chart: the release's name and namespace come from Helm. */
export function valuesExpression(field: ConfigField): string {
  const path = field.path.join('.');
  if (path === 'name') return '.Release.Name';
  if (path === 'namespace') return '.Release.Namespace';
  return `.Values.${path}`;
}

export class MarkerTable {
  private readonly targets = new Map<string, MarkerTarget>();
  private strings = 0;
  private integers = 0;

  /** A new string marker standing for `target`. */
  string(target: Omit<MarkerTarget, 'type'>): string {
    const marker = `qmx${String(++this.strings).padStart(3, '0')}q`;
    this.targets.set(marker, { ...target, type: 'string' });
    return marker;
  }

  /** A new integer marker standing for `target`. */
  integer(target: Omit<MarkerTarget, 'type'>): number {
    const marker = INTEGER_MARKER_BASE + ++this.integers;
    this.targets.set(String(marker), { ...target, type: 'integer' });
    return marker;
  }

  /** A marker for a configuration field. */
  forField(field: ConfigField): string | number {
    const expression = valuesExpression(field);
    return field.kind === 'integer' || field.kind === 'number'
      ? this.integer({ expression })
      : this.string({ expression });
  }

  target(marker: string): MarkerTarget | undefined {
    return this.targets.get(marker);
  }

  /** Every marker in `text`, in order of appearance, with repeats. */
  find(text: string): string[] {
    return [...text.matchAll(new RegExp(`${STRING_MARKER.source}|${INTEGER_MARKER.source}`, 'g'))]
      .map((match) => match[0])
      .filter((marker) => this.targets.has(marker));
  }

  /** Regular expression matching any marker of the table. */
  pattern(): RegExp {
    return new RegExp(`${STRING_MARKER.source}|${INTEGER_MARKER.source}`, 'g');
  }

  /**
   * A Helm expression producing `text`, which may mix literal parts and markers
   * (`qmx001q-mariadb` → `(print .Release.Name "-mariadb")`).
   */
  expressionFor(text: string): string {
    const parts: string[] = [];
    let last = 0;
    for (const match of text.matchAll(this.pattern())) {
      const target = this.targets.get(match[0]);
      if (!target) continue;
      if (match.index > last) parts.push(JSON.stringify(text.slice(last, match.index)));
      parts.push(target.type === 'integer' ? `(${target.expression} | int)` : `(${target.expression})`);
      last = match.index + match[0].length;
    }
    if (last < text.length) parts.push(JSON.stringify(text.slice(last)));
    if (parts.length === 1) return parts[0] ?? '""';
    return `(print ${parts.join(' ')})`;
  }
}

/**
 * Generated secrets in the chart: each value the constructs ask for becomes a marker whose template
 * reuses the installed Secret's value, or generates one on first install.
 */
export function chartSecretValues(markers: MarkerTable): SecretValues {
  // The same request always gets the same marker, so that variants of one object compare equal.
  const passwords = new Map<string, string>();
  const certificates = new Map<string, TlsPair>();
  return {
    password: (secretName, key) => {
      const id = `${secretName}/${key}`;
      let marker = passwords.get(id);
      if (marker === undefined) {
        marker = markers.string({
          expression: `include "quire.password" (dict "root" $ "secret" ${markers.expressionFor(secretName)} "key" ${JSON.stringify(key)})`,
        });
        passwords.set(id, marker);
      }
      return marker;
    },
    selfSignedTls: (secretName, host) => {
      const id = `${secretName}/${host}`;
      let pair = certificates.get(id);
      if (pair === undefined) {
        const preamble = `{{- $tls := include "quire.selfSignedTls" (dict "root" $ "secret" ${markers.expressionFor(secretName)} "host" ${markers.expressionFor(host)}) | fromJson }}`;
        pair = {
          certificate: markers.string({ expression: '$tls.crt', preamble }),
          privateKey: markers.string({ expression: '$tls.key', preamble }),
        };
        certificates.set(id, pair);
      }
      return pair;
    },
  };
}
