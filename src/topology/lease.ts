/**
 * Leader election on a Kubernetes Lease, so that of the failover manager's pods exactly one acts:
 * a pod holds the Lease while it renews it within its duration, and another takes it over only once
 * it has expired. Every write goes through the API server with the Lease's resourceVersion, so two
 * pods that race for it cannot both win.
 */
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment, @typescript-eslint/no-misused-spread --
   the Kubernetes client's models are data-only classes; its serializer takes plain objects */
import { V1MicroTime, type CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';

export interface LeaseOptions {
  readonly api: CoordinationV1Api;
  readonly namespace: string;
  readonly name: string;
  /** This pod's name, the holder identity. */
  readonly identity: string;
  /** @default 5 */
  readonly durationSeconds?: number;
}

const status = (error: unknown): number | undefined => (error as { code?: number }).code;

/** The times of a Lease's spec. */
export interface LeaseTimes {
  readonly renewTime?: Date;
  readonly acquireTime?: Date;
  readonly leaseDurationSeconds?: number;
}

/** Whether a Lease held by someone else has run out at `now`. */
export function leaseExpired(spec: LeaseTimes | undefined, now: Date): boolean {
  const renewed = spec?.renewTime ?? spec?.acquireTime;
  const duration = spec?.leaseDurationSeconds ?? 0;
  return renewed === undefined || new Date(renewed).getTime() + duration * 1000 < now.getTime();
}

export class LeaseLock {
  private readonly durationSeconds: number;

  constructor(private readonly options: LeaseOptions) {
    this.durationSeconds = options.durationSeconds ?? 5;
  }

  /** Take the Lease if it is free or expired, or renew it if held: whether this pod holds it now. */
  async acquireOrRenew(): Promise<boolean> {
    const { api, namespace, name, identity } = this.options;
    const now = new V1MicroTime();
    let lease: V1Lease;
    try {
      lease = await api.readNamespacedLease({ name, namespace });
    } catch (error) {
      if (status(error) !== 404) throw error;
      try {
        await api.createNamespacedLease({
          namespace,
          body: {
            metadata: { name, namespace },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds: this.durationSeconds,
              acquireTime: now,
              renewTime: now,
              leaseTransitions: 0,
            },
          },
        });
        return true;
      } catch (createError) {
        if (status(createError) === 409) return false;
        throw createError;
      }
    }
    const held = lease.spec?.holderIdentity === identity;
    if (!held && !leaseExpired(lease.spec, now)) return false;
    const spec = {
      ...lease.spec,
      holderIdentity: identity,
      leaseDurationSeconds: this.durationSeconds,
      renewTime: now,
      ...(held ? {} : { acquireTime: now, leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + 1 }),
    };
    try {
      await api.replaceNamespacedLease({ name, namespace, body: { ...lease, spec } });
      return true;
    } catch (error) {
      // Someone else wrote it first (resourceVersion changed): not ours this round.
      if (status(error) === 409) return false;
      throw error;
    }
  }
}
