/**
 * Claims stuck in Pending (SPEC S12a): no default class, a class that does not exist, a provisioner
 * that does not run, an NFS provisioner that cannot mount its export, an access mode the class
 * cannot give.
 */
import { SEED_SAMPLE_NFS_SERVER } from '../../config/schema.js';
import { finding, type Evidence, type Finding } from '../finding.js';
import {
  eventsFor,
  objectName,
  type ClusterSnapshot,
  type EventFacts,
  type ProvisionerPodFacts,
  type PvcFacts,
} from '../snapshot.js';

const eventEvidence = (event: EventFacts): Evidence => ({
  object: objectName(event.kind, event.namespace, event.name),
  source: `event ${event.reason}`,
  detail: event.message,
});

const isRunning = (provisioner: ProvisionerPodFacts) =>
  provisioner.pod.containers.some((container) => !container.init && container.ready);

/** Why an NFS provisioner pod is not running, from its mount events; null when it runs. */
function nfsFailure(
  snapshot: ClusterSnapshot,
  claim: PvcFacts,
  provisioner: ProvisionerPodFacts,
): Finding | null {
  if (isRunning(provisioner) || !provisioner.nfs) return null;
  const { server, path } = provisioner.nfs;
  const mount = eventsFor(provisioner.events, 'Pod', provisioner.pod.name)
    .filter((event) => event.reason === 'FailedMount')
    .slice(0, 1);
  const sample = server === SEED_SAMPLE_NFS_SERVER;
  const noClient = mount.some((event) => /unknown filesystem type 'nfs'|helper program/.test(event.message));
  return finding(
    'PVC_NFS_SERVER_WRONG',
    `claim ${claim.name} is Pending: its NFS provisioner pod ${provisioner.pod.namespace}/${provisioner.pod.name} cannot mount ${server}:${path}`,
    [
      {
        object: objectName('PersistentVolumeClaim', snapshot.namespace, claim.name),
        source: 'status.phase',
        detail: 'Pending',
      },
      {
        object: objectName('Pod', provisioner.pod.namespace, provisioner.pod.name),
        source: 'spec.volumes[].nfs',
        detail: `server ${server}, path ${path}`,
      },
      ...mount.map(eventEvidence),
    ],
    sample
      ? {
          cause: `the provisioner still has the sample server address ${SEED_SAMPLE_NFS_SERVER} from its documentation (the seed's first bug)`,
        }
      : noClient
        ? {
            cause: `node ${provisioner.pod.node ?? '?'} has no NFS client, so it cannot mount any export`,
            fix: `install the NFS client on every node (apt-get install nfs-common; cluster.nfs in quire.yaml does it for a cluster Quire provisions), then delete pod ${provisioner.pod.name}`,
          }
        : {},
  );
}

function claimFinding(snapshot: ClusterSnapshot, claim: PvcFacts): Finding | null {
  const claimObject = objectName('PersistentVolumeClaim', snapshot.namespace, claim.name);
  const events = eventsFor(snapshot.events, 'PersistentVolumeClaim', claim.name);
  const pending: Evidence = { object: claimObject, source: 'status.phase', detail: 'Pending' };
  const defaultClass = snapshot.storageClasses.find((storageClass) => storageClass.isDefault);
  if (claim.storageClass === null && !defaultClass) {
    return finding(
      'PVC_NO_DEFAULT_STORAGE_CLASS',
      `claim ${claim.name} is Pending: it names no StorageClass and none is the default (classes: ${snapshot.storageClasses.map((storageClass) => storageClass.name).join(', ') || 'none'})`,
      [pending, ...events.slice(0, 1).map(eventEvidence)],
    );
  }
  // An empty class name asks for a pre-made volume: nothing to provision.
  if (claim.storageClass === '') return null;
  const className = claim.storageClass ?? defaultClass?.name ?? '';
  const storageClass = snapshot.storageClasses.find((candidate) => candidate.name === className);
  if (!storageClass) {
    return finding(
      'PVC_STORAGE_CLASS_MISSING',
      `claim ${claim.name} is Pending: StorageClass ${className} does not exist`,
      [pending, ...events.slice(0, 1).map(eventEvidence)],
    );
  }
  const failed = events.find((event) => event.reason === 'ProvisioningFailed');
  if (failed && /access ?mode/i.test(failed.message)) {
    return finding(
      'PVC_ACCESS_MODE_UNSUPPORTED',
      `claim ${claim.name} asks for ${claim.accessModes.join(', ')}, which StorageClass ${className} (${storageClass.provisioner}) cannot give`,
      [pending, eventEvidence(failed)],
    );
  }
  const provisionerPods = snapshot.provisioners.filter(
    (provisioner) => provisioner.provisioner === storageClass.provisioner,
  );
  for (const provisioner of provisionerPods) {
    const nfs = nfsFailure(snapshot, claim, provisioner);
    if (nfs) return nfs;
  }
  const waiting = events.find((event) => event.reason === 'ExternalProvisioning');
  const started = events.some(
    (event) => event.reason === 'Provisioning' || event.reason === 'ProvisioningSucceeded',
  );
  if (waiting && !started && !provisionerPods.some(isRunning)) {
    return finding(
      'PVC_NO_PROVISIONER',
      `claim ${claim.name} is Pending: no provisioner ${storageClass.provisioner} (StorageClass ${className}) has picked it up`,
      [
        pending,
        {
          object: objectName('StorageClass', null, className),
          source: 'provisioner',
          detail: storageClass.provisioner,
        },
        ...provisionerPods.map((provisioner) => ({
          object: objectName('Pod', provisioner.pod.namespace, provisioner.pod.name),
          source: 'status.phase',
          detail: `${provisioner.pod.phase}, not ready`,
        })),
        eventEvidence(waiting),
      ],
      {
        fix: `install or start the provisioner ${storageClass.provisioner} (storage.nfs.enabled in quire.yaml installs the NFS one), or set database.storage.storageClass (web.media.storageClass for the media claim) to a class whose provisioner runs (kubectl get storageclass)`,
      },
    );
  }
  if (failed) {
    return finding(
      'PVC_PROVISIONING_FAILED',
      `claim ${claim.name} is Pending: ${storageClass.provisioner} failed to create its volume`,
      [pending, eventEvidence(failed)],
    );
  }
  return null;
}

export function storageChecks(snapshot: ClusterSnapshot): Finding[] {
  return snapshot.pvcs
    .filter((claim) => claim.phase === 'Pending')
    .flatMap((claim) => claimFinding(snapshot, claim) ?? []);
}
