import { readdirSync, readFileSync } from 'node:fs';

/** Command lines of the live processes that name a path under `dir` (scripts, mariadbd's config). */
export function processesUnder(dir: string): string[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      try {
        const line = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
        return line.includes(dir) ? [line] : [];
      } catch {
        return [];
      }
    });
}
