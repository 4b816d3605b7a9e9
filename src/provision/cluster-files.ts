/**
 * Every file of `quire cluster init`, as a pure function of the configuration: the Vagrantfile,
 * the Kubespray inventory and group_vars, the NFS playbook, the scripts and the README.
 */
import type { QuireConfig } from '../config/schema.js';
import {
  CONTROL_PLANE_SCRIPT_FILE,
  controlPlaneScript,
  UP_SCRIPT_FILE,
  upScript,
  type ScriptContext,
} from './cluster-scripts.js';
import { clusterReadme } from './cluster-readme.js';
import { inventoryFiles } from './kubespray-inventory.js';
import { NFS_PLAYBOOK_FILE, nfsPlaybook } from './nfs-playbook.js';
import { vagrantfile } from './vagrantfile.js';

/** Files written with mode 0755. */
export const EXECUTABLE_FILES: ReadonlySet<string> = new Set([UP_SCRIPT_FILE, CONTROL_PLANE_SCRIPT_FILE]);

/** What must never be committed: the VMs' state, the cluster's private key, fetched kubeconfigs. */
const GITIGNORE = '.vagrant/\n.quire/\nkubeconfig\n';

/** Relative path → content, in a stable order. */
export function clusterFiles(config: QuireConfig, context: ScriptContext): Record<string, string> {
  const { cluster } = config;
  return {
    'README.md': clusterReadme(config, context),
    Vagrantfile: vagrantfile(cluster),
    ...inventoryFiles(cluster),
    ...(cluster.nfs.enabled ? { [NFS_PLAYBOOK_FILE]: nfsPlaybook(cluster) } : {}),
    [UP_SCRIPT_FILE]: upScript(config, context),
    [CONTROL_PLANE_SCRIPT_FILE]: controlPlaneScript(config),
    '.gitignore': GITIGNORE,
  };
}
