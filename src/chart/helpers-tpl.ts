import { SEED_SAMPLE_NFS_SERVER } from '../config/schema.js';

/**
 * templates/_helpers.tpl: generated secrets that survive upgrades (reused from the installed
 * Secret, else generated once), and the cross-field checks values.schema.json cannot express.
 * Each check mirrors a rule of the config schema; the tests run every such bad value through both.
 */
export const HELPERS_TPL = `{{/*
A password for key .key of Secret .secret: the installed value when there is one, so that an
upgrade never changes a database password; else 32 random letters and digits.
*/}}
{{- define "quire.password" -}}
{{- $secret := lookup "v1" "Secret" .root.Release.Namespace .secret -}}
{{- $data := dig "data" (dict) $secret -}}
{{- if hasKey $data .key -}}
{{- index $data .key | b64dec -}}
{{- else -}}
{{- randAlphaNum 32 -}}
{{- end -}}
{{- end -}}

{{/*
A self-signed certificate for .host as JSON {crt, key}: the installed one while the host is the
same, else a new one valid for ten years.
*/}}
{{- define "quire.selfSignedTls" -}}
{{- $secret := lookup "v1" "Secret" .root.Release.Namespace .secret -}}
{{- $data := dig "data" (dict) $secret -}}
{{- $host := dig "metadata" "annotations" "quire.dev/certificate-host" "" $secret -}}
{{- if and (hasKey $data "tls.crt") (eq $host .host) -}}
{{- dict "crt" (index $data "tls.crt" | b64dec) "key" (index $data "tls.key" | b64dec) | toJson -}}
{{- else -}}
{{- $cert := genSelfSignedCert .host nil (list .host) 3650 -}}
{{- dict "crt" $cert.Cert "key" $cert.Key | toJson -}}
{{- end -}}
{{- end -}}

{{/*
Checks across values; all problems are reported at once, each with the --set key to change.
*/}}
{{- define "quire.validateValues" -}}
{{- $problems := list -}}
{{- $scaling := .Values.web.autoscaling -}}
{{- if gt (int $scaling.minReplicas) (int $scaling.maxReplicas) -}}
{{- $problems = append $problems (printf "web.autoscaling.minReplicas: minReplicas %d is greater than maxReplicas %d; lower minReplicas or raise maxReplicas (--set web.autoscaling.minReplicas=N)" (int $scaling.minReplicas) (int $scaling.maxReplicas)) -}}
{{- end -}}
{{- $nfs := .Values.storage.nfs -}}
{{- if $nfs.enabled -}}
{{- if not $nfs.server -}}
{{- $problems = append $problems "storage.nfs.server: NFS is enabled but no server is set; set the address of your NFS server (--set storage.nfs.server=192.168.56.11)" -}}
{{- else if eq $nfs.server "${SEED_SAMPLE_NFS_SERVER}" -}}
{{- $problems = append $problems "storage.nfs.server: ${SEED_SAMPLE_NFS_SERVER} is the provisioner's sample address, not your NFS server; every PVC would stay Pending (--set storage.nfs.server=<your server>)" -}}
{{- end -}}
{{- if not $nfs.path -}}
{{- $problems = append $problems "storage.nfs.path: NFS is enabled but no export path is set; set the directory the server exports (--set storage.nfs.path=/srv/nfs-volume)" -}}
{{- end -}}
{{- end -}}
{{- $media := .Values.web.media -}}
{{- $sharedMedia := or (eq $media.persistence "shared") (and (eq $media.persistence "auto") $nfs.enabled) -}}
{{- if and $sharedMedia (eq $media.accessMode "ReadWriteOnce") -}}
{{- $field := ternary "web.autoscaling.maxReplicas" "web.replicas" $scaling.enabled -}}
{{- $pods := ternary (int $scaling.maxReplicas) (int .Values.web.replicas) $scaling.enabled -}}
{{- if gt $pods 1 -}}
{{- $problems = append $problems (printf "web.media.accessMode: ReadWriteOnce lets one node mount the shared media volume, but %s allows %d web pods and those on other nodes would not start; use ReadWriteMany (the NFS class of storage.nfs gives it), run one web pod, or set web.media.persistence to pod (--set web.media.accessMode=ReadWriteMany)" $field $pods) -}}
{{- end -}}
{{- end -}}
{{- if and (eq .Values.ingress.tls.mode "existingSecret") (not .Values.ingress.tls.existingSecret) -}}
{{- $problems = append $problems "ingress.tls.existingSecret: mode is existingSecret but no Secret is named; set existingSecret to the name of a kubernetes.io/tls Secret (--set ingress.tls.existingSecret=my-site-tls)" -}}
{{- end -}}
{{- if $problems -}}
{{- fail (printf "invalid values:\\n  - %s" (join "\\n  - " $problems)) -}}
{{- end -}}
{{- end -}}
`;
