import { describe, expect, it } from 'vitest';
import { diagnose, formatFindings } from '../../src/doctor/index.js';
import { loadFixture } from './fixtures.js';

describe('diagnose', () => {
  it('is clean on the healthy stack', () => {
    const findings = diagnose(loadFixture('healthy-stack'));
    expect(findings).toEqual([]);
    expect(formatFindings(findings, { namespace: 'e2e-doctor', context: 'quire-e2e' })).toBe(
      'no problems in namespace e2e-doctor (context quire-e2e)\n',
    );
  });

  it('lists errors before warnings, each with evidence, cause and fix, then the summary', () => {
    const recorded = loadFixture('replica-lagging');
    const text = formatFindings([...diagnose(recorded), ...diagnose(loadFixture('metrics-server-down'))], {
      namespace: recorded.namespace,
      context: recorded.context,
    });
    expect(text.indexOf('Errors (1)')).toBeLessThan(text.indexOf('Warnings (1)'));
    expect(text).toContain('[HPA_NO_METRICS] autoscaler quire-web gets no CPU metrics');
    expect(text).toContain('    evidence: APIService v1beta1.metrics.k8s.io, condition Available');
    expect(text).toMatch(/\n {4}cause: {4}.+\n {4}fix: {6}.+/);
    expect(text.trimEnd().split('\n').at(-1)).toBe(
      `1 error, 1 warning in namespace e2e-doctor (context ${recorded.context})`,
    );
  });
});
