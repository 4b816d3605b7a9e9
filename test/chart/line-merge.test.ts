import { describe, expect, it } from 'vitest';
import { mergeVariants, templateUnits } from '../../src/chart/line-merge.js';

/** Render the merged template for one truth value of the condition "C" (no other logic). */
function render(template: string, truth: boolean): string {
  const out: string[] = [];
  const stack: boolean[] = [];
  for (const line of template.replace(/\n$/, '').split('\n')) {
    if (line === '{{- if C }}') stack.push(truth);
    else if (line === '{{- if not (C) }}') stack.push(!truth);
    else if (line === '{{- else }}') stack.push(!(stack.pop() ?? false));
    else if (line === '{{- end }}') stack.pop();
    else if (stack.every(Boolean)) out.push(line);
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

const CASES: Record<string, [string, string]> = {
  identical: ['a: 1\nb: 2\n', 'a: 1\nb: 2\n'],
  'one line differs': ['a: 1\nb: 2\nc: 3\n', 'a: 1\nb: 9\nc: 3\n'],
  'only in the first': ['a: 1\nextra: yes\nb: 2\n', 'a: 1\nb: 2\n'],
  'only in the second': ['a: 1\n', 'a: 1\nb: 2\n'],
  'absent object': ['---\nkind: Secret\n', ''],
  'everything differs': ['x: 1\n', 'y: 2\n'],
};

describe('mergeVariants', () => {
  it.each(Object.entries(CASES))('renders each variant back exactly: %s', (_, [whenTrue, whenFalse]) => {
    const merged = mergeVariants('C', whenTrue, whenFalse);
    expect(render(merged, true)).toBe(whenTrue);
    expect(render(merged, false)).toBe(whenFalse);
  });

  it('wraps only the differing lines', () => {
    expect(mergeVariants('C', 'a: 1\nb: 2\nc: 3\n', 'a: 1\nb: 9\nc: 3\n')).toBe(
      'a: 1\n{{- if C }}\nb: 2\n{{- else }}\nb: 9\n{{- end }}\nc: 3\n',
    );
  });

  it('never cuts an inner block in two', () => {
    const inner = '{{- if D }}\nx: 1\n{{- end }}';
    expect(templateUnits(`a: 1\n${inner}\nb: 2`)).toEqual(['a: 1', inner, 'b: 2']);
    const merged = mergeVariants('C', `${inner}\nb: 2\n`, '{{- if D }}\nx: 2\n{{- end }}\nb: 2\n');
    expect(templateUnits(merged.trimEnd())).toHaveLength(2);
  });
});
