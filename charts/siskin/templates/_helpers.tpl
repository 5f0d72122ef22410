{{- define "siskin.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- /* Flagger's name for the same helper, so Flagger values that template it (affinity) render. */}}
{{- define "flagger.name" -}}
{{- include "siskin.name" . -}}
{{- end -}}

{{- define "siskin.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "siskin.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "siskin.labels" -}}
app.kubernetes.io/name: {{ include "siskin.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "siskin.selectorLabels" -}}
app.kubernetes.io/name: {{ include "siskin.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "siskin.serviceAccountName" -}}
{{- default (include "siskin.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{/* The add-on Prometheus: its name, and the address the operator queries. */}}
{{- define "siskin.prometheusName" -}}
{{- printf "%s-prometheus" (include "siskin.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "siskin.metricsServer" -}}
{{- if .Values.prometheus.install -}}
{{- printf "http://%s.%s:9090" (include "siskin.prometheusName" .) .Release.Namespace -}}
{{- else -}}
{{- .Values.metricsServer -}}
{{- end -}}
{{- end -}}

{{- define "siskin.replicas" -}}
{{- if and (not .Values.leaderElection.enabled) (gt (int .Values.replicaCount) 1) -}}
{{- fail "replicaCount > 1 needs leaderElection.enabled=true: without a lease every replica would reconcile and write at once" -}}
{{- end -}}
{{- if .Values.leaderElection.enabled -}}
{{- max (int .Values.replicaCount) (int .Values.leaderElection.replicaCount) -}}
{{- else -}}
{{- .Values.replicaCount -}}
{{- end -}}
{{- end -}}

{{- /* The load tester's hardened container: also the default of a release upgraded with --reuse-values. */}}
{{- define "siskin.loadtesterSecurityContext" -}}
{{- if .Values.loadtester.securityContext -}}
{{- toYaml .Values.loadtester.securityContext -}}
{{- else -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: [ALL]
{{- end -}}
{{- end -}}
