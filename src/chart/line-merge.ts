/**
 * Merging two variants of a template into one with Helm conditionals around the lines that differ,
 * so that a value that changes one field of a StatefulSet costs one `if`, not a second copy of it.
 */

const OPEN = /^\{\{- if /;
const CLOSE = /^\{\{- end \}\}$/;

/**
 * Split a template into units: plain lines, and whole `if … end` blocks kept together, so that a
 * merge never cuts a block in two.
 */
export function templateUnits(text: string): string[] {
  if (text === '') return [];
  const units: string[] = [];
  let block: string[] = [];
  let depth = 0;
  for (const line of text.split('\n')) {
    if (depth > 0 || OPEN.test(line)) {
      block.push(line);
      if (OPEN.test(line)) depth++;
      if (CLOSE.test(line)) depth--;
      if (depth === 0) {
        units.push(block.join('\n'));
        block = [];
      }
    } else {
      units.push(line);
    }
  }
  if (depth !== 0) throw new Error('unbalanced template block');
  return units;
}

/** Longest common subsequence of two unit lists, as index pairs. */
function commonUnits(a: readonly string[], b: readonly string[]): [number, number][] {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const table = new Uint32Array(rows * cols);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      table[i * cols + j] =
        a[i] === b[j]
          ? (table[(i + 1) * cols + j + 1] ?? 0) + 1
          : Math.max(table[(i + 1) * cols + j] ?? 0, table[i * cols + j + 1] ?? 0);
    }
  }
  const pairs: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      pairs.push([i++, j++]);
    } else if ((table[(i + 1) * cols + j] ?? 0) >= (table[i * cols + j + 1] ?? 0)) {
      i++;
    } else {
      j++;
    }
  }
  return pairs;
}

/**
 * One template that renders `whenTrue` when the Helm condition holds and `whenFalse` otherwise.
 * Both inputs end with a newline or are empty; so does the result.
 */
export function mergeVariants(condition: string, whenTrue: string, whenFalse: string): string {
  if (whenTrue === whenFalse) return whenTrue;
  const a = templateUnits(whenTrue.replace(/\n$/, ''));
  const b = templateUnits(whenFalse.replace(/\n$/, ''));
  const out: string[] = [];
  const hunk = (onlyA: string[], onlyB: string[]) => {
    if (onlyA.length === 0 && onlyB.length === 0) return;
    if (onlyB.length === 0) {
      out.push(`{{- if ${condition} }}`, ...onlyA, '{{- end }}');
    } else if (onlyA.length === 0) {
      out.push(`{{- if not (${condition}) }}`, ...onlyB, '{{- end }}');
    } else {
      out.push(`{{- if ${condition} }}`, ...onlyA, '{{- else }}', ...onlyB, '{{- end }}');
    }
  };
  let i = 0;
  let j = 0;
  for (const [nextA, nextB] of [...commonUnits(a, b), [a.length, b.length] as [number, number]]) {
    hunk(a.slice(i, nextA), b.slice(j, nextB));
    if (nextA < a.length) out.push(a[nextA] ?? '');
    i = nextA + 1;
    j = nextB + 1;
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
