/**
 * Processes in their own process groups: a long-running one writing to a log file (it outlives
 * the Node process that started it, like a container outlives `kubectl apply`), and a script run
 * to its end. Ending a group ends everything it started (mariadbd, socat's per-connection
 * children, mariadb-backup), so nothing leaks.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';

export interface ScriptResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /** Kill the group after this long. */
  readonly timeoutMs: number;
  /** Holds the group id while it runs (to end it on exit). */
  readonly track?: Set<number>;
}

/** Run a command in a new process group to its end, collecting its output. */
export function runToEnd(command: readonly string[], options: RunOptions): Promise<ScriptResult> {
  const [file, ...args] = command;
  if (file === undefined) throw new Error('empty command');
  const child = spawn(file, args, {
    env: options.env,
    cwd: options.cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid !== undefined) options.track?.add(pid);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => {
    if (pid !== undefined) signalGroup(pid, 'SIGKILL');
  }, options.timeoutMs);
  return new Promise<ScriptResult>((resolve, reject) => {
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      // The script may have left children (a socat, a temporary server): end them with it.
      if (pid !== undefined) {
        signalGroup(pid, 'SIGKILL');
        options.track?.delete(pid);
      }
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * Start a long-running command in a new process group, its output appended to `logFile` (after a
 * header line). Returns its pid, which is also its process group id.
 */
export function startInBackground(
  command: readonly string[],
  options: { readonly env: Readonly<Record<string, string>>; readonly cwd: string; readonly logFile: string },
): Promise<number> {
  const [file, ...args] = command;
  if (file === undefined) throw new Error('empty command');
  const fd = openSync(options.logFile, 'a', 0o640);
  try {
    writeSync(fd, `==> ${new Date().toISOString()} start: ${command.slice(-1).join(' ')}\n`);
    const child = spawn(file, args, {
      env: options.env,
      cwd: options.cwd,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    child.unref();
    return new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', () => {
        if (child.pid === undefined) reject(new Error(`${file} did not start`));
        else resolve(child.pid);
      });
    });
  } finally {
    closeSync(fd);
  }
}

/** Send a signal to a whole process group; a group already gone is not an error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // no process left in the group
  }
}

/** The state letter of /proc/<pid>/stat (R, S, D, Z, T, ...), or undefined when there is no such process. */
function processState(
  pid: number,
  statFile = `/proc/${pid}/stat`,
): { state: string; pgrp: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(statFile, 'utf8');
  } catch {
    return undefined;
  }
  // The command name is in parentheses and may hold spaces: the fields follow the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', pgrp: Number(fields[2]) };
}

const exited = (state: string): boolean => state === 'Z' || state === 'X';

/**
 * Whether the process exists and is not a zombie. A killed multi-threaded process (mariadbd)
 * shows its leader as a zombie while its other threads still exit and hold its sockets open, so
 * it is alive until every thread has exited.
 */
export function isAlive(pid: number): boolean {
  const state = processState(pid);
  if (state === undefined) return false;
  if (!exited(state.state)) return true;
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return false;
  }
  return tasks.some((task) => {
    const taskState = processState(Number(task), `/proc/${pid}/task/${task}/stat`);
    return taskState !== undefined && !exited(taskState.state);
  });
}

/** Whether any live process is left in the group. */
export function groupAlive(pgid: number): boolean {
  if (isAlive(pgid)) return true;
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  // Something remains in the group (a leader that exited can leave children): look for them.
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const state = processState(Number(entry));
    if (state?.pgrp === pgid && isAlive(Number(entry))) return true;
  }
  return false;
}

/** The command line of a live process, or undefined. */
export function commandLine(pid: number): string[] | undefined {
  if (!isAlive(pid)) return undefined;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
  } catch {
    return undefined;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Wait until every group is empty; false when `timeoutMs` passed first. */
export async function waitForGroupsToEnd(pgids: readonly number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!pgids.some(groupAlive)) return true;
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
}

/** End process groups: `signal`, then SIGKILL for those still there after `graceMs`. */
export async function endGroups(
  pgids: readonly number[],
  signal: NodeJS.Signals,
  graceMs: number,
): Promise<void> {
  for (const pgid of pgids) signalGroup(pgid, signal);
  if (await waitForGroupsToEnd(pgids, graceMs)) return;
  for (const pgid of pgids) signalGroup(pgid, 'SIGKILL');
  await waitForGroupsToEnd(pgids, 10_000);
}

/** The last `lines` lines of a file, or '' when it cannot be read. */
export function tailFile(path: string, lines: number): string {
  try {
    const text = readFileSync(path, 'utf8');
    return text
      .split('\n')
      .slice(-lines - 1)
      .join('\n')
      .trimEnd();
  } catch {
    return '';
  }
}
