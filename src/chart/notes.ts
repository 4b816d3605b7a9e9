/**
 * templates/NOTES.txt: how to reach the site, read the generated passwords, and see the parts.
 * Names follow k8s/names.ts (the chart's objects come from the same constructs).
 */
export const NOTES_TXT = `Quire is installed: release {{ .Release.Name }} in namespace {{ .Release.Namespace }}.

The site
  https://{{ .Values.ingress.host }}/  (Ingress class "{{ .Values.ingress.className }}")
  Without DNS for the host, map it to the Ingress address:
    kubectl -n {{ .Release.Namespace }} get ingress {{ .Release.Name }} -o jsonpath='{.status.loadBalancer.ingress[0].ip}'
    echo "<that address> {{ .Values.ingress.host }}" | sudo tee -a /etc/hosts
{{- if eq .Values.ingress.tls.mode "selfSigned" }}
  The certificate is self-signed (Secret {{ .Release.Name }}-tls); browsers will ask you to trust it.
{{- end }}

The database ({{ .Values.database.replicas }} MariaDB pods; the failover manager labels the primary)
  writes:  {{ .Release.Name }}-mariadb-primary:3306
  reads:   {{ .Release.Name }}-mariadb-read:3306
  app user "{{ .Values.database.user }}" on database "{{ .Values.database.name }}"; its password:
    kubectl -n {{ .Release.Namespace }} get secret {{ .Values.database.existingSecret | default (printf "%s-mariadb-credentials" .Release.Name) }} -o jsonpath='{.data.password}' | base64 -d
  Passwords were generated at install and are kept on upgrade and uninstall (helm.sh/resource-policy: keep).

Watch it come up
  kubectl -n {{ .Release.Namespace }} get pods -l app.kubernetes.io/instance={{ .Release.Name }} -w
{{- if .Values.monitoring.enabled }}

Monitoring: ServiceMonitors, alert rules and Grafana dashboards (label grafana_dashboard=1) are
  selected by kube-prometheus-stack release "{{ .Values.monitoring.prometheusRelease }}".
{{- end }}
{{- if .Values.logging.enabled }}

Logging: Fluent Bit ships every container log to {{ .Values.logging.output }}.
{{- end }}
`;
