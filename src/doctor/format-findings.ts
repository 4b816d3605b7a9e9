/** Findings as a person reads them: grouped by severity, each with evidence, cause and fix, then a summary. */
import type { Finding, Severity } from './finding.js';

const HEADINGS: Record<Severity, string> = { error: 'Errors', warning: 'Warnings', info: 'Notes' };

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** `2 errors, 1 warning`; `no problems` when there is nothing. */
export function summarizeFindings(findings: readonly Finding[]): string {
  const count = (severity: Severity) => findings.filter((entry) => entry.severity === severity).length;
  const parts = [
    count('error') > 0 ? plural(count('error'), 'error') : null,
    count('warning') > 0 ? plural(count('warning'), 'warning') : null,
    count('info') > 0 ? plural(count('info'), 'note') : null,
  ].filter((part) => part !== null);
  return parts.length > 0 ? parts.join(', ') : 'no problems';
}

function indent(text: string, prefix: string): string {
  return text.split('\n').join(`\n${prefix}`);
}

function formatFinding(entry: Finding): string {
  const lines = [`[${entry.id}] ${entry.summary}`];
  for (const evidence of entry.evidence) {
    lines.push(
      `    evidence: ${evidence.object}, ${evidence.source}: ${indent(evidence.detail.trimEnd(), '              ')}`,
    );
  }
  lines.push(`    cause:    ${entry.cause}`, `    fix:      ${entry.fix}`);
  return lines.join('\n');
}

export function formatFindings(
  findings: readonly Finding[],
  scope: { namespace: string; context: string },
): string {
  const sections: string[] = [];
  for (const severity of ['error', 'warning', 'info'] as const) {
    const group = findings.filter((entry) => entry.severity === severity);
    if (group.length === 0) continue;
    sections.push(`${HEADINGS[severity]} (${group.length})\n\n${group.map(formatFinding).join('\n\n')}`);
  }
  sections.push(`${summarizeFindings(findings)} in namespace ${scope.namespace} (context ${scope.context})`);
  return `${sections.join('\n\n')}\n`;
}
