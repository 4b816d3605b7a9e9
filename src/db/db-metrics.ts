/**
 * Prometheus metrics of the database layer, registered in the registry the app passes in (the
 * one its /metrics route serves). `pool` is `primary` or a replica's name.
 */
import { Counter, Gauge, Histogram, type Metric, type Registry } from 'prom-client';

export interface DbMetrics {
  /** Reads run, by the pool that served them. */
  readonly reads: Counter<'pool'>;
  /** Reads sent to the primary although replicas are configured, by reason. */
  readonly readFallbacks: Counter<'reason'>;
  /** Read-your-writes waits (`MASTER_GTID_WAIT`) on a replica, by outcome. */
  readonly gtidWaits: Counter<'pool' | 'outcome'>;
  /** How long those waits took. */
  readonly gtidWaitSeconds: Histogram<'pool'>;
  /** Replication lag the health checker measured, per replica. */
  readonly replicaLag: Gauge<'pool'>;
  /** 1 when the replica is in the read pool, else 0. */
  readonly replicaHealthy: Gauge<'pool'>;
  /** 1 when the primary answered the last health check as a writable server, else 0. */
  readonly primaryUp: Gauge;
  /** Connections handed out by each pool and not yet returned. */
  readonly connectionsInUse: Gauge<'pool'>;
}

/** Why a read went to the primary. */
export type ReadFallbackReason = 'no_healthy_replica' | 'gtid_wait_timeout' | 'replica_error';

/** Outcome of a read-your-writes wait on a replica. */
export type GtidWaitOutcome = 'reached' | 'timeout' | 'error';

/**
 * The metrics, created in `registry` (or taken from it when another Database made them already,
 * so that several instances can share one registry).
 */
export function dbMetrics(registry: Registry, prefix = 'quire_db_'): DbMetrics {
  const existing = (name: string): Metric | undefined => registry.getSingleMetric(prefix + name);
  const counter = <L extends string>(name: string, help: string, labelNames: L[]): Counter<L> => {
    const found = existing(name);
    if (found instanceof Counter) return found;
    return new Counter({ name: prefix + name, help, labelNames, registers: [registry] });
  };
  const gauge = <L extends string>(name: string, help: string, labelNames: L[]): Gauge<L> => {
    const found = existing(name);
    if (found instanceof Gauge) return found;
    return new Gauge({ name: prefix + name, help, labelNames, registers: [registry] });
  };
  const histogram = (name: string, help: string, buckets: number[]): Histogram<'pool'> => {
    const found = existing(name);
    if (found instanceof Histogram) return found;
    return new Histogram({ name: prefix + name, help, labelNames: ['pool'], buckets, registers: [registry] });
  };
  return {
    reads: counter('reads_total', 'Reads run, by the pool that served them (primary or a replica).', [
      'pool',
    ]),
    readFallbacks: counter(
      'read_fallbacks_total',
      'Reads sent to the primary although replicas are configured, by reason.',
      ['reason'],
    ),
    gtidWaits: counter(
      'read_your_writes_waits_total',
      "Waits on a replica for a session's last write (MASTER_GTID_WAIT), by outcome.",
      ['pool', 'outcome'],
    ),
    gtidWaitSeconds: histogram(
      'read_your_writes_wait_seconds',
      "Time spent waiting on a replica for a session's last write.",
      [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2],
    ),
    replicaLag: gauge('replica_lag_seconds', 'Replication lag of each replica, as last measured.', ['pool']),
    replicaHealthy: gauge('replica_healthy', '1 when the replica is in the read pool, else 0.', ['pool']),
    primaryUp: gauge(
      'primary_up',
      '1 when the primary endpoint answered the last health check as a writable server, else 0.',
      [],
    ),
    connectionsInUse: gauge(
      'pool_connections_in_use',
      'Connections handed out by each pool and not yet returned.',
      ['pool'],
    ),
  };
}
