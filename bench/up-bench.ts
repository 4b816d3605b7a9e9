/**
 * `npm run bench:up`: how long `quire up` takes from nothing (a new state directory; 1 primary +
 * 2 replicas and the default 3 web workers) to the first page served over HTTPS, as a user runs
 * it (the built CLI, bin/quire.js). The breakdown is the one `quire up` records itself in
 * up-timings.json: each step and its parts (the primary's initialisation, each replica's clone,
 * the bootstrap, the TLS proxy, the first worker, which migrates, and the others). Beside each
 * clone's throughput, a plain read (cat) of the same files of the primary's data directory. Rounds:
 * QUIRE_UP_BENCH_ROUNDS (default 3); the table gives the median and the spread. Prints the tables
 * and writes docs/bench/up.md. Not a timed test: the numbers depend on the machine.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:https';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { footprintFiles } from '../src/local/mariadb/disk-space.js';
import { freePort } from '../src/local/mariadb/index.js';
import type { UpTimings } from '../src/local/stack/index.js';
import { PACKAGE_ROOT } from '../src/util/package-root.js';
import { median } from './stats.js';

const ROUNDS = Number(process.env.QUIRE_UP_BENCH_ROUNDS ?? '3');
const HOST = 'bench.quire.test';
const DB_NODES = 3;
/** The goal for `quire up` from nothing to the first page on this machine. */
const GOAL_MS = 20_000;
const CLI = join(PACKAGE_ROOT, 'bin', 'quire.js');

interface Round {
  /** From starting `quire up` to the first page's last byte. */
  readonly totalMs: number;
  /** The first page, once `quire up` had returned. */
  readonly firstPageMs: number;
  readonly timings: UpTimings;
  /** A plain read of the files a clone of the primary copies: bytes and ms. */
  readonly read: { readonly bytes: number; readonly ms: number };
}

/** Run the CLI to its end; its output is kept for the error when it fails. */
function quire(args: readonly string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`quire ${args.join(' ')} exited with ${code ?? 'a signal'}:\n${output}`));
    });
  });
}

/** GET / over HTTPS as a browser would reach the stack's host, trusting only its certificate. */
function firstPage(port: number, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(
      { host: '127.0.0.1', port, servername: HOST, ca, path: '/', headers: { host: `${HOST}:${port}` } },
      (response) => {
        response.resume();
        response.once('end', () => {
          resolve(response.statusCode ?? 0);
        });
      },
    )
      .once('error', reject)
      .end();
  });
}

/** `cat` the files to /dev/null: what reading the same bytes costs without MariaDB. */
function plainRead(files: readonly string[]): { bytes: number; ms: number } {
  const bytes = files.reduce((sum, file) => sum + statSync(file).size, 0);
  const devNull = openSync('/dev/null', 'w');
  try {
    const started = performance.now();
    const result = spawnSync('cat', ['--', ...files], { stdio: ['ignore', devNull, 'pipe'] });
    if (result.status !== 0) throw new Error(`cat failed: ${result.stderr.toString()}`);
    return { bytes, ms: performance.now() - started };
  } finally {
    closeSync(devNull);
  }
}

async function runRound(): Promise<Round> {
  const dir = mkdtempSync(join(tmpdir(), 'quire-up-bench-'));
  // As root MariaDB runs as the mysql user, which must reach the directory.
  chmodSync(dir, 0o755);
  const config = join(dir, 'quire.yaml');
  writeFileSync(config, `database:\n  replicas: ${DB_NODES}\ningress:\n  host: ${HOST}\n`);
  const stateDir = join(dir, '.quire');
  const common = ['--config', config, '--state-dir', stateDir];
  try {
    const httpsPort = await freePort('127.0.0.1');
    const httpPort = await freePort('127.0.0.1', new Set([httpsPort]));
    const started = performance.now();
    await quire(['up', ...common, '--https-port', String(httpsPort), '--http-port', String(httpPort)], dir);
    const upEnded = performance.now();
    const ca = readFileSync(join(stateDir, 'local', 'tls.crt'), 'utf8');
    const status = await firstPage(httpsPort, ca);
    const ended = performance.now();
    if (status !== 200) throw new Error(`the first page answered ${status}, not 200`);
    const timings = JSON.parse(readFileSync(join(stateDir, 'local', 'up-timings.json'), 'utf8')) as UpTimings;
    // The files a backup streams: not the redo log file (mariadb-backup copies only the log it
    // needs) nor the temporary tablespace.
    const streamed = footprintFiles(join(stateDir, 'local', 'db', 'quire-mariadb-0', 'data')).filter(
      (file) => !/\/(ib_logfile\d+|ibtmp\d+)$/.test(file),
    );
    const read = plainRead(streamed);
    return { totalMs: ended - started, firstPageMs: ended - upEnded, timings, read };
  } finally {
    await quire(['down', '--purge', '--yes', ...common], dir).catch((error: unknown) => {
      process.stderr.write(`quire down failed: ${String(error)}\n`);
    });
    rmSync(dir, { recursive: true, force: true });
  }
}

const seconds = (ms: number): string => (ms / 1000).toFixed(2);
const mibPerSecond = (bytes: number, ms: number): number => bytes / 2 ** 20 / (ms / 1000);

const cells = (...values: readonly string[]): string => `| ${values.join(' | ')} |`;

/** The median and the spread (min–max) of a value over the rounds. */
function spread(values: readonly number[], show: (value: number) => string): [string, string] {
  return [show(median(values)), `${show(Math.min(...values))}–${show(Math.max(...values))}`];
}

async function main(): Promise<void> {
  if (!Number.isInteger(ROUNDS) || ROUNDS < 1) {
    throw new Error(
      `QUIRE_UP_BENCH_ROUNDS must be a whole number >= 1 (got ${process.env.QUIRE_UP_BENCH_ROUNDS})`,
    );
  }
  const loadAtStart = loadavg();
  const rounds: Round[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const result = await runRound();
    rounds.push(result);
    process.stdout.write(
      `round ${round} of ${ROUNDS}: first page after ${seconds(result.totalMs)} s (quire up ${seconds(result.timings.totalMs)} s), load average ${loadavg()[0]?.toFixed(1) ?? '?'}\n`,
    );
  }

  // Steps and their parts, in the order quire up ran them (the same in every round).
  const first = rounds[0]?.timings;
  if (first === undefined) throw new Error('no round ran');
  const stepMs = (index: number): number[] => rounds.map((round) => round.timings.steps[index]?.ms ?? NaN);
  const phaseMs = (name: string): number[] =>
    rounds.map(
      (round) =>
        round.timings.steps.flatMap((step) => step.phases).find((phase) => phase.name === name)?.ms ?? NaN,
    );
  const startup = rounds.map((round) => round.totalMs - round.timings.totalMs - round.firstPageMs);
  const timeTable = [
    '| part | median (s) | min–max (s) |',
    '| ---- | ---------: | ----------: |',
    cells(
      '**`quire up` started → first page over HTTPS**',
      ...spread(
        rounds.map((round) => round.totalMs),
        seconds,
      ),
    ),
    cells('Node starting the CLI, reading the config', ...spread(startup, seconds)),
    ...first.steps.flatMap((step, index) => [
      cells(step.title, ...spread(stepMs(index), seconds)),
      ...step.phases.map((phase) => cells(`↳ ${phase.name}`, ...spread(phaseMs(phase.name), seconds))),
    ]),
    cells(
      'first page (GET / over HTTPS) after `quire up` returned',
      ...spread(
        rounds.map((round) => round.firstPageMs),
        seconds,
      ),
    ),
  ].join('\n');

  const clones = first.steps.flatMap((step) => step.phases).filter((phase) => phase.bytes !== undefined);
  const cloneRate = (name: string): number[] =>
    rounds.map((round) => {
      const phase = round.timings.steps.flatMap((step) => step.phases).find((entry) => entry.name === name);
      return phase?.bytes === undefined ? NaN : mibPerSecond(phase.bytes, phase.ms);
    });
  const readRates = rounds.map((round) => mibPerSecond(round.read.bytes, round.read.ms));
  const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
  const rate = (value: number): string => value.toFixed(0);
  const cloneTable = [
    '| transfer | data (MiB) | MiB/s (median) | MiB/s (min–max) | share of the plain read |',
    '| -------- | ---------: | -------------: | --------------: | ----------------------: |',
    cells(
      '`cat` of the same files of the primary to /dev/null',
      mib(median(rounds.map((round) => round.read.bytes))),
      ...spread(readRates, rate),
      '',
    ),
    ...clones.map((clone) => {
      const rates = cloneRate(clone.name);
      const share = `${((100 * median(rates)) / median(readRates)).toFixed(0)}%`;
      return cells(clone.name, mib(clone.bytes ?? NaN), ...spread(rates, rate), share);
    }),
  ].join('\n');

  const total = median(rounds.map((round) => round.totalMs));
  const verdict = `Goal (issue 5): \`quire up\` from nothing to the first page in less than ${GOAL_MS / 1000} s on this machine: median ${seconds(total)} s — ${total < GOAL_MS ? '**met**' : '**not met**'}.`;
  const mariadb = execFileSync('mariadbd', ['--version'], {
    encoding: 'utf8',
    env: { PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` },
  })
    .replace(/^.*Ver /, '')
    .trim();
  const load = (values: number[]): string => values.map((value) => value.toFixed(1)).join(', ');
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Linux ${release()}, Node ${process.version}, MariaDB ${mariadb}`;
  const file = join(PACKAGE_ROOT, 'docs', 'bench', 'up.md');
  const markdown = `# \`quire up\` benchmark

\`npm run bench:up\` on ${new Date().toISOString().slice(0, 10)}: \`quire up\` (the built CLI, as \`npm run up\` runs it)
from nothing — a new state directory, ${DB_NODES} DB nodes (1 primary + ${DB_NODES - 1} replicas, each
replica cloned by \`mariadb-backup\` from the node before it) and the default 3 web workers — to the
first page served over HTTPS by the TLS proxy, ${ROUNDS} rounds, each followed by \`quire down --purge\`.
The breakdown is what \`quire up\` records itself (\`.quire/local/up-timings.json\`); the parts of a step
are the times they took within it (the web workers' step: from the supervisor's start).

Machine: ${machine}. Load average at the start: ${load(loadAtStart)}, at the end: ${load(loadavg())}. The
machine is shared with other engineers' tests and a Kubernetes test cluster: read the spread. What
was tuned after the first run, with the figures before and after: [up-tuning.md](up-tuning.md).

${timeTable}

${verdict}

A clone streams a backup of the donor's data directory and prepares it; its throughput is its data
(the prepared directory) over the time of clone.sh, which includes the donor's backup locks, its
checkpoint and the \`--prepare\`. Beside it, a plain \`cat\` to /dev/null of the files of the primary a
backup streams (its data directory without the redo log file, the temporary tablespace and the binary
logs), from a warm page cache as the clone's are (the files were just written).

${cloneTable}
`;
  writeFileSync(file, await format(markdown, { ...(await resolveConfig(file)), filepath: file }));
  process.stdout.write(`\n${timeTable}\n\n${verdict}\n\n${cloneTable}\n\nwritten: docs/bench/up.md\n`);
}

await main();
