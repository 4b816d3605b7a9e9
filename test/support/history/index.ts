/**
 * A Jepsen-style history for the failover tests and benchmark: writers record every write they
 * attempt and its outcome, a sampler records which nodes accept writes, and the checker judges
 * what the nodes hold afterwards.
 *
 *   const run = await startHistory({ write: () => primary, login, nodes: () => nodes, writers: 4 });
 *   // ... inject a fault, heal ...
 *   const history = await run.stop();
 *   const verdict = await checkHistory(history, { primary: newPrimary, nodes, login });
 *   console.info(describeVerdict(verdict));
 *   assertHistoryHolds(verdict);
 *
 * Another kind of writer (e.g. through the web app) implements HistoryWriter and is given as
 * `extraWriters`.
 */
export {
  analyseHistory,
  findOutages,
  findRecoveries,
  findSplitBrain,
  judgeConvergence,
  type Convergence,
  type HistoryAnalysis,
  type NodeConvergence,
  type NodeConvergenceState,
  type NodeObservation,
  type Outage,
  type Recoveries,
  type SplitBrainSample,
} from './analysis.js';
export {
  assertHistoryHolds,
  checkHistory,
  describeVerdict,
  historyViolations,
  HistoryViolationError,
  type CheckOptions,
  type Verdict,
} from './checker.js';
export type {
  Attempt,
  AttemptResult,
  DbNode,
  Endpoint,
  History,
  HistoryWriter,
  Login,
  NodeWriteState,
  Outcome,
  ReadOnlySample,
} from './model.js';
export { startHistory, type HistoryOptions, type HistoryRun } from './run.js';
export { HISTORY_TABLE, insertErrorOutcome, sqlWriter, type SqlWriterOptions } from './sql-writer.js';
