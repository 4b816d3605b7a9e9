/**
 * docs/errors.md lists every finding of `quire doctor` with its cause and fix, generated from the
 * catalogue in src/doctor/finding.ts: this test fails when they drift apart. To regenerate the
 * section: QUIRE_UPDATE_DOCS=1 npx vitest run test/doctor/errors-doc.test.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FINDINGS, type FindingId } from '../../src/doctor/index.js';
import { PACKAGE_ROOT } from '../../src/util/package-root.js';

const ERRORS_DOC = join(PACKAGE_ROOT, 'docs', 'errors.md');
const START = '<!-- doctor-findings:start (generated from src/doctor/finding.ts) -->';
const END = '<!-- doctor-findings:end -->';

/** Markdown would take `<name>` for an HTML tag. */
const escape = (text: string) => text.replace(/</g, '&lt;').replace(/>/g, '&gt;');

function findingsSection(): string {
  const entries = (Object.keys(FINDINGS) as FindingId[]).map((id) => {
    const entry = FINDINGS[id];
    return [
      `### \`${id}\` (${entry.severity})`,
      '',
      `${escape(entry.title.charAt(0).toUpperCase() + entry.title.slice(1))}.`,
      '',
      `- **Cause:** ${escape(entry.cause)}.`,
      `- **Fix:** ${escape(entry.fix)}.`,
    ].join('\n');
  });
  return [START, '', ...entries.flatMap((entry) => [entry, '']), END].join('\n');
}

describe('docs/errors.md', () => {
  it('lists every doctor finding with the cause and fix of the catalogue', () => {
    const doc = readFileSync(ERRORS_DOC, 'utf8');
    const start = doc.indexOf(START);
    const end = doc.indexOf(END);
    const current = start >= 0 && end > start ? doc.slice(start, end + END.length) : '';
    if (process.env.QUIRE_UPDATE_DOCS === '1' && current !== findingsSection()) {
      writeFileSync(
        ERRORS_DOC,
        current ? doc.replace(current, findingsSection()) : `${doc.trimEnd()}\n\n${findingsSection()}\n`,
      );
      return;
    }
    expect(current, 'regenerate with QUIRE_UPDATE_DOCS=1 npx vitest run test/doctor/errors-doc.test.ts').toBe(
      findingsSection(),
    );
  });
});
