import { describe, expect, it } from 'vitest';
import { cniPluginOf, networkChecks } from '../../src/doctor/checks/network-checks.js';
import { loadFixture } from './fixtures.js';

describe('cniPluginOf', () => {
  it.each([
    [
      // The seed's message (SPEC S12b), as the kubelet reports Calico's failure.
      'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "0c1f": plugin type="calico" failed (add): error getting ClusterInformation: connection is unauthorized: Unauthorized',
      'calico',
    ],
    [
      'failed to setup network for sandbox "ab": plugin type="bridge" name="quire" failed (add): failed to allocate',
      'bridge',
    ],
    ['network plugin is not ready: cni config uninitialized', null],
  ])('%s', (message, plugin) => {
    expect(cniPluginOf(message)).toBe(plugin);
  });
});

describe('networkChecks', () => {
  it('finds nothing on the healthy stack', () => {
    expect(networkChecks(loadFixture('healthy-stack'))).toEqual([]);
  });

  it('names the node and the CNI of a pod stuck in ContainerCreating (recorded broken CNI config)', () => {
    const [found, ...others] = networkChecks(loadFixture('cni-broken'));
    expect(others).toEqual([]);
    expect(found?.id).toBe('POD_NETWORK_SETUP_FAILED');
    expect(found?.summary).toBe(
      '1 pod stuck in ContainerCreating on node quire-node: CNI plugin "calico" failed to set up the pod network',
    );
    expect(found?.evidence[0]?.object).toBe('Pod e2e-doctor-cni/needs-network');
    expect(found?.evidence[0]?.detail).toContain('failed to find plugin "calico"');
    expect(found?.fix).toContain('on node quire-node');
  });

  it('tells rejected credentials apart (the seed\'s Calico "connection is unauthorized")', () => {
    const recorded = loadFixture('cni-broken');
    const unauthorized = ': error getting ClusterInformation: connection is unauthorized: Unauthorized';
    const [found] = networkChecks({
      ...recorded,
      events: recorded.events.map((event) =>
        event.reason === 'FailedCreatePodSandBox'
          ? { ...event, message: `${event.message}${unauthorized}` }
          : event,
      ),
    });
    expect(found?.id).toBe('POD_NETWORK_UNAUTHORIZED');
    expect(found?.summary).toContain('the API server rejects the credentials of CNI plugin "calico"');
    expect(found?.fix).toContain('rollout restart daemonset/calico-node');
  });
});

describe('networkChecks on nodes', () => {
  it('reports a node whose network plugin is not ready', () => {
    const recorded = loadFixture('healthy-stack');
    // The kubelet's Ready condition when the runtime finds no CNI configuration at all.
    const message =
      'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized';
    const findings = networkChecks({
      ...recorded,
      nodes: recorded.nodes.map((node) => ({
        ...node,
        ready: { status: 'False', reason: 'KubeletNotReady', message },
      })),
    });
    expect(findings.map((entry) => [entry.id, entry.summary])).toEqual([
      ['NODE_NETWORK_NOT_READY', 'node quire-node is not ready: its network plugin is not ready'],
    ]);
  });
});
