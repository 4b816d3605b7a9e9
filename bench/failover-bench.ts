/**
 * `npm run bench:failover`: the local stack's automatic failover under many faults. `quire up`
 * (these sources, as the tests run it) with 3 DB nodes (a primary and two semi-sync replicas) and
 * 1 web worker in a temporary directory; a history (test/support/history: 4 writers through the
 * write endpoint, the read_only sampler on every node) runs for the whole run while faults hit the
 * primary in turn: its server killed (kill -9), frozen for 3 s (SIGSTOP, past the manager's 1 s
 * detection, then SIGCONT) and a planned switchover (the control socket, as `quire local
 * switchover` reaches it). After each fault the bench waits until the primary moved, the nodes
 * settled (every replica replicating from the new primary and acking) and 50 more writes were
 * acknowledged. A fault's time to recover is the outage of the history's writes that follows it
 * (a switchover's write pause: that or the time the write endpoint held, whichever is longer).
 * The history is checked once at the end: lost, duplicated and phantom writes, split brain,
 * convergence.
 *
 * Options: --faults N of each kind (default 20); --keep-dir keeps the temporary directory with a
 * copy of the stack's logs and state files (so does QUIRE_KEEP_TEST_DIRS, and any failure). Prints
 * a table and writes docs/bench/failover-local.json and docs/bench/failover-local.svg; exits 1 when
 * a safety property failed or the failover misbehaved (the primary did not move, the nodes did not
 * settle). Not a timed test: the numbers depend on the machine.
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { format, resolveConfig } from 'prettier';
import { freePort } from '../src/local/mariadb/index.js';
import { readClusterState, type ClusterState } from '../src/local/mariadb/cluster-state.js';
import { isAlive } from '../src/local/mariadb/process-group.js';
import { readJson } from '../src/local/stack/stack-plan.js';
import {
  requestRoleChange,
  stackPaths,
  type StackPaths,
  type StackPlan,
  type SupervisorState,
} from '../src/local/stack/index.js';
import { selfCommand } from '../src/local/stack/self-command.js';
import { loadStackPasswords } from '../src/local/stack/stack-passwords.js';
import type { RoleChange } from '../src/topology/failover-manager.js';
import { PACKAGE_ROOT } from '../src/util/package-root.js';
import { formatTable } from '../src/util/table.js';
import {
  checkHistory,
  describeVerdict,
  findOutages,
  historyViolations,
  startHistory,
  type Attempt,
  type DbNode,
  type HistoryRun,
  type Outage,
  type Verdict,
} from '../test/support/history/index.js';
import { readReplicationStates, unsettledReasons } from '../test/support/replication-state.js';
import { median, percentile } from './stats.js';

const HOST = 'failover-bench.quire.test';
const DB_NODES = 3;
const WEB_WORKERS = 1;
const WRITERS = 4;
/** How long a frozen primary stays stopped: well past the manager's 1 s detection. */
const FREEZE_MS = 3000;
/** Acknowledged writes before the first fault and after each one settled. */
const ACKS_BETWEEN_FAULTS = 50;
const MOVE_TIMEOUT_MS = 30_000;
const SETTLE_TIMEOUT_MS = 90_000;
const ACKS_TIMEOUT_MS = 30_000;

const KINDS = ['kill', 'freeze', 'switchover'] as const;
type FaultKind = (typeof KINDS)[number];
const KIND_LABELS: Readonly<Record<FaultKind, string>> = {
  kill: "kill -9 of the primary's server",
  freeze: `primary frozen ${FREEZE_MS / 1000} s (SIGSTOP, SIGCONT)`,
  switchover: 'switchover (write pause)',
};
/** In the plot's legend and beside its target lines. */
const KIND_SHORT: Readonly<Record<FaultKind, string>> = {
  kill: 'kill -9',
  freeze: `frozen ${FREEZE_MS / 1000} s`,
  switchover: 'switchover',
};
const KIND_COLORS: Readonly<Record<FaultKind, string>> = {
  kill: '#d93025',
  freeze: '#0b57d0',
  switchover: '#188038',
};

/** The issue's targets on the p99 of a kind's time to recover (a switchover's write pause). */
interface Target {
  readonly limitMs: number;
  /** The limit itself meets the target (≤), or not (<). */
  readonly inclusive: boolean;
}
const TARGETS: Readonly<Record<FaultKind, Target>> = {
  kill: { limitMs: 5000, inclusive: true },
  freeze: { limitMs: 10_000, inclusive: true },
  switchover: { limitMs: 1000, inclusive: false },
};
const targetText = (target: Target): string => `${target.inclusive ? '≤' : '<'} ${target.limitMs} ms`;
const meets = (target: Target, ms: number): boolean =>
  target.inclusive ? ms <= target.limitMs : ms < target.limitMs;

/** The failover did not do what it must (the primary did not move, a node did not settle): the run stops. */
class FailoverAnomaly extends Error {
  override readonly name = 'FailoverAnomaly';
}

/** A fault as injected and healed. Times in ms on the history's clock (HistoryRun.now). */
interface InjectedFault {
  /** 1-based, in the order injected. */
  readonly index: number;
  readonly kind: FaultKind;
  /** Wall-clock time of the injection. */
  readonly at: string;
  readonly atMs: number;
  readonly from: string;
  readonly to: string;
  /** From the injection until cluster.json named another primary. */
  readonly movedMs: number;
  /** From the injection until every replica followed the new primary and acked (frozen: after SIGCONT). */
  readonly settledMs: number;
  /** A frozen primary: SIGCONT found its server still there (it was not fenced by SIGKILL). */
  readonly resumed?: boolean;
  /** The manager's account of the change: the switchover's answer, the failover's from supervisor.json. */
  readonly roleChange?: RoleChange;
}

interface FaultResult extends InjectedFault {
  /** The history's first outage after the fault (0: writes never stopped). */
  readonly historyOutageMs: number;
  /** What the target judges: the outage; for a switchover the write pause, max(held, outage). */
  readonly recoveryMs: number;
  /** Outages after the first one before the next fault (e.g. while the old primary rejoined). */
  readonly furtherOutages: readonly { readonly fromMs: number; readonly recoveryMs: number | undefined }[];
}

interface Options {
  readonly faultsPerKind: number;
  readonly keepDir: boolean;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: { faults: { type: 'string', default: '20' }, 'keep-dir': { type: 'boolean', default: false } },
  });
  const faultsPerKind = Number(values.faults);
  if (!Number.isInteger(faultsPerKind) || faultsPerKind < 1) {
    throw new Error(`--faults must be a whole number >= 1 (got ${values.faults})`);
  }
  return { faultsPerKind, keepDir: values['keep-dir'] || process.env.QUIRE_KEEP_TEST_DIRS !== undefined };
}

/** Run the quire CLI from these sources (as the stack's supervisor and workers run) in `cwd`. */
function quire(args: readonly string[], cwd: string): Promise<string> {
  const [node = process.execPath, ...prefix] = selfCommand();
  return new Promise((resolve, reject) => {
    const child = spawn(node, [...prefix, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`quire ${args.join(' ')} exited with ${code ?? 'a signal'}:\n${output}`));
    });
  });
}

/** A running local stack as the bench sees it. */
interface Stack {
  readonly paths: StackPaths;
  readonly nodes: readonly DbNode[];
  readonly rootPassword: string;
  readonly writePort: number;
}

function clusterState(paths: StackPaths): ClusterState {
  const state = readClusterState(join(paths.dbDir, 'cluster.json'));
  if (state === undefined) throw new Error(`no ${join(paths.dbDir, 'cluster.json')}: quire up did not run`);
  return state;
}

const primaryOrdinal = (stack: Stack): number => clusterState(stack.paths).primary ?? 0;

function node(stack: Stack, ordinal: number): DbNode {
  const found = stack.nodes[ordinal];
  if (found === undefined) throw new Error(`no DB node ${ordinal}`);
  return found;
}

function serverPid(stack: Stack, ordinal: number): number {
  const pid = clusterState(stack.paths).nodes[ordinal]?.serverPid;
  if (pid === undefined)
    throw new FailoverAnomaly(`${node(stack, ordinal).name} has no server pid in cluster.json`);
  return pid;
}

/**
 * Poll `check`, which says why what is awaited is not so yet, until it says nothing; at the
 * timeout a FailoverAnomaly with its last reasons.
 */
async function waitUntil(
  what: string,
  check: () => Promise<readonly string[]> | readonly string[],
  timeoutMs: number,
  pollMs: number,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const reasons = await check();
    if (reasons.length === 0) return;
    if (performance.now() > deadline) {
      throw new FailoverAnomaly(`${what}: not so after ${timeoutMs} ms: ${reasons.join('; ')}`);
    }
    await sleep(pollMs);
  }
}

/** The attempts acknowledged so far, counted as they come in (a history's attempts are only appended). */
function ackCounter(attempts: readonly Attempt[]): () => number {
  let seen = 0;
  let acknowledged = 0;
  return () => {
    for (; seen < attempts.length; seen++) if (attempts[seen]?.outcome === 'ok') acknowledged++;
    return acknowledged;
  };
}

async function waitForAcks(acknowledged: () => number, more: number): Promise<void> {
  const wanted = acknowledged() + more;
  await waitUntil(
    `${more} more acknowledged writes`,
    () => (acknowledged() >= wanted ? [] : [`${acknowledged()} of ${wanted} acknowledged`]),
    ACKS_TIMEOUT_MS,
    100,
  );
}

/** Inject one fault on the primary and wait until it is healed: moved, settled, writes acknowledged again. */
async function injectFault(
  stack: Stack,
  run: HistoryRun,
  acknowledged: () => number,
  kind: FaultKind,
  index: number,
): Promise<InjectedFault> {
  const fromOrdinal = primaryOrdinal(stack);
  const from = node(stack, fromOrdinal).name;
  const pid = kind === 'switchover' ? undefined : serverPid(stack, fromOrdinal);
  const at = new Date().toISOString();
  const atMs = run.now();
  const moved = async (): Promise<number> => {
    await waitUntil(
      `the primary to move off ${from}`,
      () => (primaryOrdinal(stack) === fromOrdinal ? [`cluster.json still names ${from}`] : []),
      MOVE_TIMEOUT_MS,
      50,
    );
    return run.now() - atMs;
  };
  let movedMs: number;
  let resumed: boolean | undefined;
  let roleChange: RoleChange | undefined;
  // A server pid for the signals; none for a switchover.
  if (pid === undefined) {
    try {
      roleChange = await requestRoleChange(stack.paths.controlSocket, { kind: 'switchover' });
    } catch (error) {
      throw new FailoverAnomaly(
        `the switchover off ${from} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    movedMs = await moved();
  } else if (kind === 'kill') {
    process.kill(pid, 'SIGKILL');
    movedMs = await moved();
  } else {
    process.kill(pid, 'SIGSTOP');
    const resume = async (): Promise<boolean> => {
      await sleep(FREEZE_MS);
      // Fenced, the manager killed it (SIGKILL ends a stopped process too); a zombie left for its
      // parent to reap still takes a signal, hence isAlive.
      const alive = isAlive(pid);
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // Gone (reaped).
      }
      return alive;
    };
    [movedMs, resumed] = await Promise.all([moved(), resume()]);
  }
  const toOrdinal = primaryOrdinal(stack);
  const to = node(stack, toOrdinal).name;
  // The old primary back as a replica and every replica acking before the next fault.
  await waitUntil(
    'the nodes to settle',
    async () => {
      const now = primaryOrdinal(stack);
      if (now !== toOrdinal) {
        throw new FailoverAnomaly(
          `after ${kind} #${index} the primary moved from ${from} to ${to}, then again to ${node(stack, now).name}`,
        );
      }
      return unsettledReasons(
        await readReplicationStates(stack.nodes, stack.rootPassword),
        node(stack, toOrdinal).port,
      );
    },
    SETTLE_TIMEOUT_MS,
    200,
  );
  const settledMs = run.now() - atMs;
  if (kind !== 'switchover') {
    const change = readJson<SupervisorState>(stack.paths.supervisorStateFile)?.failover?.lastChange;
    if (change?.kind === 'failover' && change.from === from && change.at >= at) roleChange = change;
  }
  await waitForAcks(acknowledged, ACKS_BETWEEN_FAULTS);
  return {
    index,
    kind,
    at,
    atMs,
    from,
    to,
    movedMs,
    settledMs,
    ...(resumed === undefined ? {} : { resumed }),
    ...(roleChange === undefined ? {} : { roleChange }),
  };
}

/**
 * A fault's outages: those that ended after its injection (the first may have begun just before,
 * with a write in flight) and no later than the next fault's, which owns the rest.
 */
function outagesBetween(outages: readonly Outage[], fromMs: number, untilMs: number): Outage[] {
  return outages.filter((outage) => {
    const endMs = outage.toMs ?? Infinity;
    return endMs > fromMs && endMs <= untilMs;
  });
}

function faultResult(fault: InjectedFault, outages: readonly Outage[]): FaultResult {
  const [first, ...further] = outages;
  if (first !== undefined && first.recoveryMs === undefined) {
    throw new Error(`the writes did not recover after ${fault.kind} #${fault.index}`);
  }
  const historyOutageMs = first?.recoveryMs ?? 0;
  return {
    ...fault,
    historyOutageMs,
    recoveryMs:
      fault.kind === 'switchover'
        ? Math.max(historyOutageMs, fault.roleChange?.heldMs ?? 0)
        : historyOutageMs,
    furtherOutages: further.map((outage) => ({ fromMs: outage.fromMs, recoveryMs: outage.recoveryMs })),
  };
}

const ms = (value: number): string => String(Math.round(value));

function progressLine(result: FaultResult, total: number): string {
  const held = result.roleChange === undefined ? '' : `, endpoint held ${result.roleChange.heldMs} ms`;
  const resumed = result.resumed === true ? ' (resumed by SIGCONT: it was not fenced)' : '';
  const further =
    result.furtherOutages.length === 0
      ? ''
      : `; then ${result.furtherOutages.length} more outage(s): ${result.furtherOutages.map((outage) => `${ms(outage.recoveryMs ?? NaN)} ms`).join(', ')}`;
  return `fault ${result.index} of ${total}: ${result.kind} ${result.from} → ${result.to}${resumed}: moved after ${ms(result.movedMs)} ms, settled after ${ms(result.settledMs)} ms${held}, recovered in ${ms(result.recoveryMs)} ms${further}\n`;
}

interface Distribution {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

function distribution(values: readonly number[]): Distribution {
  return { p50Ms: median(values), p99Ms: percentile(values, 0.99), maxMs: Math.max(...values) };
}

interface KindSummary extends Distribution {
  readonly label: string;
  readonly count: number;
  readonly target: string;
  readonly met: boolean;
  /** Faults followed by more than one outage before the next fault. */
  readonly withFurtherOutages: number;
}

function summariseKind(kind: FaultKind, results: readonly FaultResult[]): KindSummary {
  const ofKind = results.filter((result) => result.kind === kind);
  const figures = distribution(ofKind.map((result) => result.recoveryMs));
  return {
    label: KIND_LABELS[kind],
    count: ofKind.length,
    ...figures,
    target: targetText(TARGETS[kind]),
    met: meets(TARGETS[kind], figures.p99Ms),
    withFurtherOutages: ofKind.filter((result) => result.furtherOutages.length > 0).length,
  };
}

/** Safety: each figure and whether it is the issue's 0 (converged: yes). */
function safetyRows(verdict: Verdict): [string, string, string, boolean][] {
  const zero = (label: string, count: number): [string, string, string, boolean] => [
    label,
    String(count),
    '0',
    count === 0,
  ];
  const { ok, failed, unknown } = verdict.attempts;
  return [
    [
      'acknowledged writes',
      `${ok} (of ${ok + failed + unknown} attempts: ${failed} failed, ${unknown} unknown)`,
      '',
      true,
    ],
    zero('lost (acknowledged, absent)', verdict.lost.length),
    zero('duplicated', verdict.duplicated.length),
    zero('phantom (present, never attempted)', verdict.phantom.length),
    zero('reported failed but present', verdict.failedPresent.length),
    [
      'split-brain samples',
      `${verdict.splitBrainSamples.length} of ${verdict.samples}`,
      '0',
      verdict.splitBrainSamples.length === 0,
    ],
    ['nodes converged', verdict.convergence.converged ? 'yes' : 'no', 'yes', verdict.convergence.converged],
  ];
}

const yesNo = (met: boolean): string => (met ? 'yes' : 'NO');

function timeTable(kinds: Readonly<Record<FaultKind, KindSummary>>, results: readonly FaultResult[]): string {
  const switchovers = results.filter((result) => result.kind === 'switchover');
  const part = (label: string, values: readonly number[]): string[] => {
    const figures = distribution(values);
    return [
      label,
      String(values.length),
      ms(figures.p50Ms),
      ms(figures.p99Ms),
      ms(figures.maxMs),
      '',
      '',
      '',
    ];
  };
  return formatTable(
    ['time to recover', 'count', 'p50 ms', 'p99 ms', 'max ms', 'target (p99)', 'met', 'further outages'],
    [
      ...KINDS.map((kind) => {
        const summary = kinds[kind];
        return [
          summary.label,
          String(summary.count),
          ms(summary.p50Ms),
          ms(summary.p99Ms),
          ms(summary.maxMs),
          summary.target,
          yesNo(summary.met),
          `${summary.withFurtherOutages} of ${summary.count}`,
        ];
      }),
      part(
        '  ↳ write endpoint held (heldMs)',
        switchovers.map((result) => result.roleChange?.heldMs ?? NaN),
      ),
      part(
        '  ↳ outage in the history',
        switchovers.map((result) => result.historyOutageMs),
      ),
    ],
  );
}

/** Time to recover per fault, in the order injected: points coloured by kind, log scale, target lines. */
function svgChart(results: readonly FaultResult[]): string {
  const width = 760;
  const height = 440;
  const left = 70;
  const right = width - 160;
  const top = 76;
  const bottom = height - 56;
  const lowDecade = 1;
  const highDecade = Math.max(
    5,
    Math.ceil(Math.log10(Math.max(...results.map((result) => result.recoveryMs), 1))),
  );
  const y = (value: number): number =>
    bottom -
    ((bottom - top) * (Math.log10(Math.max(value, 10 ** lowDecade)) - lowDecade)) / (highDecade - lowDecade);
  const x = (index: number): number => left + ((right - left) * (index - 0.5)) / results.length;
  const decadeLabel = (power: number): string =>
    power >= 3 ? `${10 ** (power - 3)} s` : `${10 ** power} ms`;
  const grid = Array.from({ length: highDecade - lowDecade + 1 }, (_, step) => {
    const power = lowDecade + step;
    const gy = y(10 ** power).toFixed(1);
    return `<line x1="${left}" x2="${right}" y1="${gy}" y2="${gy}" stroke="#dadce0"/><text x="${left - 6}" y="${(Number(gy) + 4).toFixed(1)}" text-anchor="end" fill="#5f6368">${decadeLabel(power)}</text>`;
  });
  const ticks = [
    1,
    ...Array.from({ length: Math.floor(results.length / 10) }, (_, step) => (step + 1) * 10),
  ].map(
    (index) =>
      `<text x="${x(index).toFixed(1)}" y="${bottom + 16}" text-anchor="middle" fill="#5f6368">${index}</text>`,
  );
  const targets = KINDS.map((kind) => {
    const ty = y(TARGETS[kind].limitMs).toFixed(1);
    return `<line x1="${left}" x2="${right}" y1="${ty}" y2="${ty}" stroke="${KIND_COLORS[kind]}" stroke-dasharray="6 4"/><text x="${right + 6}" y="${(Number(ty) + 4).toFixed(1)}" fill="${KIND_COLORS[kind]}">${KIND_SHORT[kind]}: ${TARGETS[kind].inclusive ? '≤' : '&lt;'} ${TARGETS[kind].limitMs / 1000} s</text>`;
  });
  const points = results.map(
    (result) =>
      `<circle cx="${x(result.index).toFixed(1)}" cy="${y(result.recoveryMs).toFixed(1)}" r="4" fill="${KIND_COLORS[result.kind]}"><title>${result.index}: ${result.kind} ${result.from} → ${result.to}, ${ms(result.recoveryMs)} ms</title></circle>`,
  );
  const legend = KINDS.map(
    (kind, position) =>
      `<circle cx="${left + position * 150 + 6}" cy="56" r="5" fill="${KIND_COLORS[kind]}"/><text x="${left + position * 150 + 16}" y="60">${KIND_SHORT[kind]}</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="13">
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="8" y="18" font-weight="bold">Time to recover per fault, local stack (${DB_NODES} DB nodes, semi-sync), log scale</text>
<text x="8" y="34" fill="#5f6368">outages of ${WRITERS} writers' writes; switchover: its write pause; dashed: the targets (p99); under 10 ms at 10 ms</text>
${legend.join('\n')}
${grid.join('\n')}
<line x1="${left}" x2="${right}" y1="${bottom}" y2="${bottom}" stroke="#5f6368"/>
${ticks.join('\n')}
<text x="${(left + right) / 2}" y="${height - 16}" text-anchor="middle">fault, in the order injected</text>
<text x="16" y="${(top + bottom) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(top + bottom) / 2})">time to recover</text>
${targets.join('\n')}
${points.join('\n')}
</svg>
`;
}

/**
 * Copy the stack's logs and state files (not the data directories nor the secrets) out of the
 * state directory, which `quire down --purge` removes.
 */
function keepStackFiles(paths: StackPaths, into: string): void {
  const secrets = new Set([
    paths.passwordsFile,
    paths.dbPasswordFile,
    paths.sessionSecretFile,
    paths.privateKeyFile,
    paths.ownerLoginFile,
  ]);
  cpSync(paths.dir, into, {
    recursive: true,
    filter: (source) => {
      const stat = lstatSync(source);
      if (stat.isDirectory()) return !['data', 'tmp'].includes(basename(source));
      return stat.isFile() && !secrets.has(source);
    },
  });
}

function machine(): string {
  const mariadb = execFileSync('mariadbd', ['--version'], {
    encoding: 'utf8',
    env: { PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` },
  })
    .replace(/^.*Ver /, '')
    .trim();
  return `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Linux ${release()}, Node ${process.version}, MariaDB ${mariadb}`;
}

const minutes = (value: number): string =>
  `${Math.floor(value / 60_000)} min ${Math.round((value % 60_000) / 1000)} s`;

async function main(): Promise<number> {
  const options = parseOptions();
  const started = performance.now();
  const loadAtStart = loadavg();
  const dir = mkdtempSync(join(tmpdir(), 'quire-failover-bench-'));
  // As root MariaDB runs as the mysql user, which must reach the directory.
  chmodSync(dir, 0o755);
  const config = join(dir, 'quire.yaml');
  writeFileSync(
    config,
    `database:\n  replicas: ${DB_NODES}\nweb:\n  replicas: ${WEB_WORKERS}\ningress:\n  host: ${HOST}\n`,
  );
  const paths = stackPaths(join(dir, '.quire', 'local'));
  let history: HistoryRun | undefined;
  let keep = options.keepDir;
  let signalled: NodeJS.Signals | undefined;
  let tornDown: Promise<void> | undefined;
  const tearDown = (): Promise<void> =>
    (tornDown ??= (async () => {
      await history?.stop().catch(() => undefined);
      if (keep && existsSync(paths.dir)) keepStackFiles(paths, join(dir, 'kept'));
      await quire(['down', '--purge', '--yes', '--config', config], dir).catch((error: unknown) => {
        process.stderr.write(`quire down failed: ${String(error)}\n`);
      });
      if (keep) process.stdout.write(`kept ${dir} (the stack's logs and state files in kept/)\n`);
      else rmSync(dir, { recursive: true, force: true });
    })());
  const onSignal = (signal: NodeJS.Signals): void => {
    signalled = signal;
    process.stderr.write(`${signal}: tearing the stack down\n`);
    void tearDown().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const httpsPort = await freePort('127.0.0.1');
    const httpPort = await freePort('127.0.0.1', new Set([httpsPort]));
    process.stdout.write(`quire up in ${dir} (${DB_NODES} DB nodes, ${WEB_WORKERS} web worker)\n`);
    await quire(
      ['up', '--config', config, '--https-port', String(httpsPort), '--http-port', String(httpPort)],
      dir,
    );
    const plan = readJson<StackPlan>(paths.planFile);
    if (plan === undefined) throw new Error(`quire up wrote no ${paths.planFile}`);
    const state = clusterState(paths);
    const stack: Stack = {
      paths,
      nodes: state.nodes.map((entry, ordinal) => ({
        name: `${state.name}-${ordinal}`,
        host: '127.0.0.1',
        port: entry.ports.db,
      })),
      rootPassword: loadStackPasswords(paths).root,
      writePort: plan.writePort,
    };
    await waitUntil(
      'the nodes to replicate',
      async () =>
        unsettledReasons(
          await readReplicationStates(stack.nodes, stack.rootPassword),
          node(stack, primaryOrdinal(stack)).port,
        ),
      60_000,
      200,
    );
    const login = {
      user: 'quire',
      password: readFileSync(paths.dbPasswordFile, 'utf8').trim(),
      database: 'quire',
    };
    const run = await startHistory({
      write: () => ({ host: '127.0.0.1', port: stack.writePort }),
      login,
      nodes: () => stack.nodes,
      writers: WRITERS,
    });
    history = run;
    const acknowledged = ackCounter(run.attempts);
    await waitForAcks(acknowledged, ACKS_BETWEEN_FAULTS);

    const total = options.faultsPerKind * KINDS.length;
    process.stdout.write(
      `${total} faults (${options.faultsPerKind} of each kind, in turn) under ${WRITERS} writers\n`,
    );
    const faultsStarted = performance.now();
    const injected: InjectedFault[] = [];
    let anomaly: FailoverAnomaly | undefined;
    try {
      for (let index = 1; index <= total; index++) {
        const kind = KINDS[(index - 1) % KINDS.length] ?? 'kill';
        const firstAttempt = run.attempts.length;
        const fault = await injectFault(stack, run, acknowledged, kind, index);
        injected.push(fault);
        // The 100 attempts before the fault hold acknowledgements: the outages after those are the
        // whole history's, without going through it all each time.
        const recent = findOutages(run.attempts.slice(Math.max(0, firstAttempt - 100)));
        process.stdout.write(
          progressLine(faultResult(fault, outagesBetween(recent, fault.atMs, Infinity)), total),
        );
      }
    } catch (error) {
      if (!(error instanceof FailoverAnomaly)) throw error;
      anomaly = error;
      keep = true;
      process.stdout.write(
        `\nSTOPPED after ${injected.length} of ${total} faults: ${error.message}\nsupervisor log: ${paths.supervisorLog} (copied to ${join(dir, 'kept', 'logs')})\n`,
      );
    }
    const faultsMs = performance.now() - faultsStarted;

    const recorded = await run.stop();
    const verdict = await checkHistory(recorded, {
      primary: node(stack, primaryOrdinal(stack)),
      nodes: stack.nodes,
      login,
    });
    const violations = historyViolations(verdict);
    process.stdout.write(`\n${describeVerdict(verdict)}\n`);
    if (anomaly !== undefined) {
      if (violations.length > 0)
        process.stdout.write(`\nsafety does not hold:\n  ${violations.join('\n  ')}\n`);
      return 1;
    }

    const results = injected.map((fault, position) =>
      faultResult(
        fault,
        outagesBetween(verdict.recoveries.overall, fault.atMs, injected[position + 1]?.atMs ?? Infinity),
      ),
    );
    const firstFaultMs = injected[0]?.atMs ?? Infinity;
    const kinds = Object.fromEntries(KINDS.map((kind) => [kind, summariseKind(kind, results)])) as Record<
      FaultKind,
      KindSummary
    >;
    const safety = safetyRows(verdict);
    const totalMs = performance.now() - started;
    const timings = `${total} faults injected and healed in ${minutes(faultsMs)}; the whole run (quire up to the check) ${minutes(totalMs)}`;
    process.stdout.write(
      `\n${timeTable(kinds, results)}\n\n${formatTable(
        ['writes and samples', 'figure', 'target', 'met'],
        safety.map(([label, figure, target, met]) => [
          label,
          figure,
          target,
          target === '' ? '' : yesNo(met),
        ]),
      )}\n\n${timings}\n`,
    );

    const figures = {
      date: new Date().toISOString(),
      machine: machine(),
      loadAverage: { start: loadAtStart, end: loadavg() },
      settings: {
        dbNodes: DB_NODES,
        webWorkers: WEB_WORKERS,
        writers: WRITERS,
        faultsPerKind: options.faultsPerKind,
        freezeMs: FREEZE_MS,
        acksBetweenFaults: ACKS_BETWEEN_FAULTS,
      },
      durationMs: { faults: Math.round(faultsMs), total: Math.round(totalMs) },
      timeToRecover: kinds,
      switchover: {
        heldMs: distribution(
          results.filter((r) => r.kind === 'switchover').map((r) => r.roleChange?.heldMs ?? NaN),
        ),
        historyOutageMs: distribution(
          results.filter((r) => r.kind === 'switchover').map((r) => r.historyOutageMs),
        ),
      },
      writes: {
        attempts: verdict.attempts,
        lost: verdict.lost.length,
        duplicated: verdict.duplicated.length,
        phantom: verdict.phantom.length,
        failedPresent: verdict.failedPresent.length,
        unknownPresent: verdict.unknownPresent.length,
        unknownAbsent: verdict.unknownAbsent.length,
      },
      samples: verdict.samples,
      splitBrainSamples: verdict.splitBrainSamples.length,
      converged: verdict.convergence.converged,
      violations,
      outagesBeforeTheFirstFault: verdict.recoveries.overall.filter(
        (outage) => (outage.toMs ?? Infinity) <= firstFaultMs,
      ).length,
      faults: results,
    };
    const json = join(PACKAGE_ROOT, 'docs', 'bench', 'failover-local.json');
    // Whole milliseconds: the clocks' fractions are noise.
    const text = JSON.stringify(figures, (key, value: unknown) =>
      typeof value === 'number' && key.endsWith('Ms') ? Math.round(value) : value,
    );
    writeFileSync(json, await format(text, { ...(await resolveConfig(json)), filepath: json }));
    writeFileSync(join(PACKAGE_ROOT, 'docs', 'bench', 'failover-local.svg'), svgChart(results));
    process.stdout.write('written: docs/bench/failover-local.json, docs/bench/failover-local.svg\n');
    if (violations.length > 0) {
      keep = true;
      process.stdout.write(`\nsafety does not hold:\n  ${violations.join('\n  ')}\n`);
      return 1;
    }
    return 0;
  } catch (error) {
    // Torn down already, and the process exits 130: what failed is the stack going away.
    if (signalled !== undefined) return 130;
    keep = true;
    throw error;
  } finally {
    await tearDown();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

process.exitCode = await main();
