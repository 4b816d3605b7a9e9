import { describe, expect, it } from 'vitest';
import { cniPluginOf } from '../../src/doctor/checks/network-checks.js';

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
