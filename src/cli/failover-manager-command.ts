import { Command } from 'commander';

/**
 * `quire failover-manager`: the failover manager's process in its Kubernetes pods (the Deployment
 * of src/k8s/database/failover-manager.ts starts it; not for people). Runs until it loses its Lease.
 */
export function failoverManagerCommand(): Command {
  return new Command('failover-manager')
    .description('(run in the failover manager pods) watch the MariaDB pods and fail a dead primary over')
    .action(async () => {
      const { failoverSettingsFromEnv, runKubernetesFailoverManager } =
        await import('../topology/kubernetes-failover.js');
      await runKubernetesFailoverManager(failoverSettingsFromEnv(process.env));
    });
}
