import { describe, expect, it } from 'vitest';
import { storageChecks } from '../../src/doctor/checks/storage-checks.js';
import { loadFixture } from './fixtures.js';

describe('storageChecks', () => {
  it('finds nothing on the healthy stack', () => {
    expect(storageChecks(loadFixture('healthy-stack'))).toEqual([]);
  });

  it('explains each Pending claim of the recorded storage faults', () => {
    const findings = storageChecks(loadFixture('storage-faults'));
    expect(findings.map((entry) => entry.id).sort()).toEqual([
      'PVC_ACCESS_MODE_UNSUPPORTED',
      'PVC_NFS_SERVER_WRONG',
      'PVC_NO_PROVISIONER',
    ]);
    const nfs = findings.find((entry) => entry.id === 'PVC_NFS_SERVER_WRONG');
    expect(nfs?.summary).toMatch(
      /^claim nfs-claim is Pending: its NFS provisioner pod e2e-doctor-storage\/nfs-client-provisioner-[a-z0-9-]+ cannot mount 10\.3\.243\.101:\/ifs\/kubernetes$/,
    );
    expect(nfs?.cause).toContain('sample server address 10.3.243.101');
    expect(nfs?.evidence.find((evidence) => evidence.source === 'event FailedMount')?.detail).toContain(
      '10.3.243.101:/ifs/kubernetes',
    );
    const absent = findings.find((entry) => entry.id === 'PVC_NO_PROVISIONER');
    expect(absent?.summary).toBe(
      'claim absent-claim is Pending: no provisioner e2e.quire.local/absent (StorageClass e2e-doctor-absent) has picked it up',
    );
    expect(absent?.evidence.at(-1)?.source).toBe('event ExternalProvisioning');
    const mode = findings.find((entry) => entry.id === 'PVC_ACCESS_MODE_UNSUPPORTED');
    expect(mode?.summary).toBe(
      'claim shared-claim asks for ReadWriteMany, which StorageClass quire-local (quire.local/hostpath) cannot give',
    );
  });

  // Variants of the recorded state with one fact changed, for the cases the cluster cannot show
  // without breaking other tests (it always has a default class).
  it('names a claim without class when no class is the default', () => {
    const recorded = loadFixture('storage-faults');
    const findings = storageChecks({
      ...recorded,
      pvcs: recorded.pvcs.map((claim) =>
        claim.name === 'absent-claim' ? { ...claim, storageClass: null } : claim,
      ),
      storageClasses: recorded.storageClasses.map((storageClass) => ({ ...storageClass, isDefault: false })),
    });
    expect(findings.find((entry) => entry.summary.startsWith('claim absent-claim'))?.id).toBe(
      'PVC_NO_DEFAULT_STORAGE_CLASS',
    );
  });

  it('names a class that does not exist', () => {
    const recorded = loadFixture('storage-faults');
    const findings = storageChecks({
      ...recorded,
      storageClasses: recorded.storageClasses.filter(
        (storageClass) => storageClass.name !== 'e2e-doctor-absent',
      ),
    });
    expect(findings.find((entry) => entry.summary.startsWith('claim absent-claim'))?.summary).toBe(
      'claim absent-claim is Pending: StorageClass e2e-doctor-absent does not exist',
    );
  });

  it('reports any other provisioning error with its event', () => {
    const recorded = loadFixture('storage-faults');
    const failure = 'failed to provision volume: no space left on device';
    const findings = storageChecks({
      ...recorded,
      events: recorded.events.map((event) =>
        event.reason === 'ProvisioningFailed' ? { ...event, message: failure } : event,
      ),
    });
    const shared = findings.find((entry) => entry.summary.startsWith('claim shared-claim'));
    expect(shared?.id).toBe('PVC_PROVISIONING_FAILED');
    expect(shared?.evidence.at(-1)?.detail).toBe(failure);
  });
});
