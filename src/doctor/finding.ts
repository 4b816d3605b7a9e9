/**
 * What `quire doctor` reports: one finding per problem, with a stable id from the catalogue below
 * (docs/errors.md is checked against it), the evidence it was read from, its likely cause and the fix.
 */

export type Severity = 'error' | 'warning' | 'info';

/** The catalogue: every finding id with its severity, title, usual cause and general fix. */
export const FINDINGS = {
  PVC_NO_DEFAULT_STORAGE_CLASS: {
    severity: 'error',
    title: 'a claim names no StorageClass and the cluster has no default one',
    cause: 'no StorageClass carries the annotation storageclass.kubernetes.io/is-default-class=true',
    fix: 'mark a class as default (kubectl patch storageclass <name> -p \'{"metadata":{"annotations":{"storageclass.kubernetes.io/is-default-class":"true"}}}\'), or set database.storage.storageClass (web.media.storageClass for the media claim) in quire.yaml',
  },
  PVC_STORAGE_CLASS_MISSING: {
    severity: 'error',
    title: 'a claim names a StorageClass that does not exist',
    cause: 'the class was never created, or was deleted, or quire.yaml names the wrong one',
    fix: 'set database.storage.storageClass (web.media.storageClass for the media claim) in quire.yaml to a class of `kubectl get storageclass`, or create the class',
  },
  PVC_NO_PROVISIONER: {
    severity: 'error',
    title: 'a claim waits for a provisioner that is not running',
    cause:
      "no pod serves the StorageClass's provisioner: it was never installed, or it was scaled down or deleted",
    fix: 'install the provisioner of the class (storage.nfs.enabled in quire.yaml installs the NFS one), or use another class',
  },
  PVC_NFS_SERVER_WRONG: {
    severity: 'error',
    title: 'the NFS provisioner cannot mount its export, so claims stay Pending',
    cause:
      "the provisioner's NFS server or path is wrong (e.g. the sample address 10.3.243.101 from its documentation) or the server is unreachable",
    fix: 'set storage.nfs.server and storage.nfs.path in quire.yaml (or NFS_SERVER/NFS_PATH and the nfs volume of the provisioner Deployment) to the real export, check `showmount -e <server>` from a node',
  },
  PVC_ACCESS_MODE_UNSUPPORTED: {
    severity: 'error',
    title: 'the StorageClass cannot provide the access mode the claim asks for',
    cause: 'the provisioner rejected the access mode (e.g. ReadWriteMany on a block or local class)',
    fix: 'ask for ReadWriteOnce, or use a class that supports the mode (NFS supports ReadWriteMany; the media claim of several web pods needs it: storage.nfs, web.media.storageClass, or web.media.persistence pod)',
  },
  PVC_PROVISIONING_FAILED: {
    severity: 'error',
    title: 'the provisioner failed to create a volume',
    cause: 'the provisioner reported an error (see the event)',
    fix: "fix what the provisioner's event and logs name, then the claim binds by itself",
  },
  POD_NETWORK_SETUP_FAILED: {
    severity: 'error',
    title: 'a pod is stuck in ContainerCreating because the CNI could not set up its network',
    cause:
      "the node's CNI configuration names a plugin that is missing or broken, or the CNI's own pods are down",
    fix: "check the CNI config on the node (/etc/cni/net.d) and the CNI's pods (kubectl -n kube-system get pods); restart or reinstall the CNI",
  },
  POD_NETWORK_UNAUTHORIZED: {
    severity: 'error',
    title: "a pod is stuck in ContainerCreating because the API server rejects the CNI's credentials",
    cause:
      'the CNI plugin\'s token or kubeconfig on the node expired or was revoked (Calico: "connection is unauthorized")',
    fix: 'restart the CNI node pods so they write a fresh token (kubectl -n kube-system rollout restart daemonset/calico-node), then delete the stuck pods',
  },
  NODE_NETWORK_NOT_READY: {
    severity: 'error',
    title: 'a node reports that its network plugin is not ready',
    cause: 'no valid CNI configuration on the node, or the CNI is not installed',
    fix: 'install the CNI, or fix its configuration under /etc/cni/net.d on the node',
  },
  POD_OOM_KILLED_BY_LIMIT_RANGE: {
    severity: 'error',
    title: 'a container was OOMKilled under a memory limit that a LimitRange set',
    cause:
      'a LimitRange in the namespace (often left over from an earlier exercise) gave the container a small default memory limit',
    fix: 'delete or raise the LimitRange (kubectl -n <namespace> delete limitrange <name>), or give the container its own limit, then delete the pod',
  },
  POD_OOM_KILLED: {
    severity: 'error',
    title: 'a container was OOMKilled: it used more memory than its limit',
    cause: 'the memory limit is too small for the workload',
    fix: 'raise the memory limit (database.resources.limits.memory or web.resources.limits.memory in quire.yaml) and deploy again',
  },
  POD_REJECTED_BY_LIMIT_RANGE: {
    severity: 'error',
    title: 'pods are not created because a LimitRange forbids what Quire asks for',
    cause: "a LimitRange's min/max in the namespace does not admit the pods' requests or limits",
    fix: 'delete or widen the LimitRange, or change the resources in quire.yaml to fit it',
  },
  POD_REJECTED_BY_QUOTA: {
    severity: 'error',
    title: 'pods are not created because a ResourceQuota is exhausted',
    cause:
      'the ResourceQuota of the namespace has no room for the pods (or requires requests/limits they lack)',
    fix: 'raise or delete the ResourceQuota (kubectl -n <namespace> edit resourcequota <name>), or lower the resources or replicas in quire.yaml',
  },
  IMAGE_PULL_FAILED: {
    severity: 'error',
    title: 'an image cannot be pulled',
    cause:
      'the image name or tag is wrong, the registry is unreachable or needs credentials, or pull policy Never with the image absent on the node',
    fix: 'correct the image in quire.yaml (web.images.*, database.image), add an imagePullSecret, or load the image on the node',
  },
  CRASH_LOOP: {
    severity: 'error',
    title: 'a container keeps crashing (CrashLoopBackOff)',
    cause: 'the program exits at start; its last log lines usually say why',
    fix: 'read the log lines shown (kubectl logs --previous), fix the cause, then the pod recovers by itself',
  },
  REPLICA_NOT_RUNNING: {
    severity: 'error',
    title: 'a database replica is not replicating',
    cause: 'replication was stopped (STOP SLAVE) or never started on the replica',
    fix: "run START SLAVE on the replica (kubectl exec <pod> -c mariadb -- mariadb --defaults-extra-file=/run/quire/root.cnf --socket=/run/quire/mysqld.sock -e 'START SLAVE'), or delete its pod so that Quire configures replication again",
  },
  REPLICATION_BROKEN: {
    severity: 'error',
    title: 'replication on a replica stopped with an error',
    cause:
      'the replica failed to apply an event or to reach the primary (the error number and text say which)',
    fix: 'fix what the error names; if the replica diverged, delete its pod and PVC so Quire clones it again from the primary',
  },
  REPLICATION_LAGGING: {
    severity: 'warning',
    title: 'a replica lags behind the primary past database.maxReplicationLagSeconds',
    cause:
      'the replica applies changes slower than the primary writes them (load, slow disk, long transactions)',
    fix: 'give the replica more CPU or faster storage, or raise database.maxReplicationLagSeconds if the lag is acceptable',
  },
  SECOND_WRITABLE_PRIMARY: {
    severity: 'error',
    title: 'a replica accepts writes (read_only is off)',
    cause: 'read_only was switched off on a replica by hand, or a former primary came back writable',
    fix: 'switch it back on the replica: SET GLOBAL read_only=ON (Quire does it at start from replica.cnf)',
  },
  WRITES_NOT_ON_A_REPLICA: {
    severity: 'error',
    title: 'the primary acknowledges writes that no replica has (semi-sync fell back to async)',
    cause:
      'no replica is connected, or none acknowledged a commit within database.durability.ackTimeoutMs (replicas down, stopped, lagging or cut off), so the primary went on alone: losing it now loses the writes it acknowledged since',
    fix: 'bring a replica back (see the replica findings); the primary waits for acks again by itself once a replica has caught up. To make writes wait instead of going on alone, set database.durability.whenNoReplicaAcks to block',
  },
  WRITES_ASYNC: {
    severity: 'info',
    title: 'replication is asynchronous: a lost primary may take its last acknowledged writes with it',
    cause: 'database.durability.replication is async in quire.yaml',
    fix: 'set database.durability.replication to semi-sync (the default) and deploy again, unless the last seconds of writes may be lost',
  },
  FAILOVER_NO_LEADER: {
    severity: 'error',
    title: 'no failover manager leads: a dead primary would stop every write',
    cause:
      'the failover manager pods (Deployment <name>-failover) are not running, cannot reach the API server, or are not allowed to renew their Lease',
    fix: 'kubectl -n <namespace> get pods -l app.kubernetes.io/component=failover, then kubectl logs on them; quire deploy recreates the Deployment and its Role',
  },
  FAILOVER_WAITING: {
    severity: 'error',
    title: 'the primary is down and the failover manager waits instead of promoting a replica',
    cause:
      'no replica is known to hold every write the primary acknowledged: none was acking (semi-sync) when the primary was last seen, or those that were are down too',
    fix: 'bring the primary back (its pod, its node), or a replica that was acking; to promote the most advanced replica anyway and accept the loss of what only the primary had: quire failover --allow-data-loss',
  },
  ERRANT_WRITES_SAVED: {
    severity: 'warning',
    title: 'a node held writes no other node had; it was cloned again and they were kept in a file',
    cause:
      'the primary committed transactions no replica received before it died (or a node was written to by hand), and a replica took over without them',
    fix: 'read the file on the node named (its data volume), apply on the primary what must not be lost, then delete the file',
  },
  DATABASE_UNREADABLE: {
    severity: 'warning',
    title: "the doctor could not read a database pod's replication state",
    cause: 'the pod is not running yet, or the server does not answer inside it',
    fix: 'see the pod findings above; kubectl logs <pod> -c mariadb',
  },
  HPA_NO_METRICS: {
    severity: 'error',
    title: 'the autoscaler gets no CPU metrics',
    cause:
      'metrics-server is missing, scaled down or failing, so the metrics API (v1beta1.metrics.k8s.io) is unavailable',
    fix: 'install or start metrics-server (kubectl -n kube-system scale deployment/metrics-server --replicas=1) and check kubectl get apiservice v1beta1.metrics.k8s.io',
  },
  HPA_NO_CPU_REQUESTS: {
    severity: 'error',
    title: 'the autoscaler cannot compute CPU utilisation: the target pods have no CPU request',
    cause: 'utilisation is measured against the CPU request, and a container of the target asks for none',
    fix: 'set web.resources.requests.cpu in quire.yaml (or a request on every container of the target) and deploy again',
  },
  INGRESS_CLASS_MISSING: {
    severity: 'error',
    title: 'the Ingress names an IngressClass that does not exist, so no controller serves it',
    cause: 'the Ingress controller is not installed, or quire.yaml names another class than the cluster has',
    fix: 'set ingress.className in quire.yaml to a class of `kubectl get ingressclass`, or install the controller',
  },
  INGRESS_NO_ADDRESS: {
    severity: 'error',
    title: 'the Ingress has no address',
    cause:
      'the controller of its class is not running or does not publish an address (e.g. its LoadBalancer Service has no external IP)',
    fix: "check the controller's pods and Service (kubectl get pods,svc -A | grep -i ingress); on bare metal install a load balancer such as MetalLB",
  },
  INGRESS_TLS_SECRET_MISSING: {
    severity: 'error',
    title: 'the TLS Secret the Ingress names does not exist',
    cause: 'the Secret was deleted or never made; the controller serves its default certificate instead',
    fix: 'run quire deploy again (it recreates the generated certificate), or create the kubernetes.io/tls Secret named in ingress.tls.existingSecret',
  },
  TLS_CERT_EXPIRED: {
    severity: 'error',
    title: "the Ingress's certificate has expired (or is not valid yet)",
    cause: 'the certificate in the TLS Secret is past its notAfter date',
    fix: 'renew the certificate: delete the Secret and run quire deploy (self-signed), or renew it with your CA / cert-manager',
  },
  TLS_CERT_HOST_MISMATCH: {
    severity: 'error',
    title: "the Ingress's certificate does not cover its host",
    cause:
      "the certificate's subject alternative names do not include the Ingress host (the host changed, or the wrong Secret)",
    fix: 'issue a certificate for the host (quire deploy regenerates the self-signed one when ingress.host changes), or point the Ingress at the right Secret',
  },
  SECRET_MISSING: {
    severity: 'error',
    title: 'a Secret Quire needs does not exist',
    cause: 'it was deleted, or database.existingSecret names a Secret that was never created',
    fix: 'run quire deploy again (it recreates the generated Secrets), or create the Secret named in quire.yaml',
  },
  PASSWORD_IN_CONFIGMAP: {
    severity: 'error',
    title: 'a ConfigMap holds a password',
    cause:
      'ConfigMaps are not secret: anyone who can read them sees the password (the seed put the DB password in one)',
    fix: 'move the value into a Secret and reference it with secretKeyRef; then change the password, it was exposed',
  },
} as const satisfies Record<string, { severity: Severity; title: string; cause: string; fix: string }>;

export type FindingId = keyof typeof FINDINGS;

/** A piece of evidence: the object it was read from and what it says. */
export interface Evidence {
  /** `Kind namespace/name` of the object. */
  readonly object: string;
  /** The event reason, status field or log the detail comes from. */
  readonly source: string;
  readonly detail: string;
}

export interface Finding {
  readonly id: FindingId;
  readonly severity: Severity;
  /** What is wrong, naming the object and the values found. */
  readonly summary: string;
  readonly evidence: readonly Evidence[];
  /** The likely cause for this case. */
  readonly cause: string;
  /** What to do: commands or a quire.yaml change. */
  readonly fix: string;
}

/** A finding with the catalogue's severity, cause and fix unless the check knows better. */
export function finding(
  id: FindingId,
  summary: string,
  evidence: readonly Evidence[],
  specific: { readonly cause?: string; readonly fix?: string } = {},
): Finding {
  const entry = FINDINGS[id];
  return {
    id,
    severity: entry.severity,
    summary,
    evidence,
    cause: specific.cause ?? entry.cause,
    fix: specific.fix ?? entry.fix,
  };
}
