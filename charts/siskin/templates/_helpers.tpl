{{- define "siskin.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
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
{{- if .Values.leaderElection.enabled -}}
{{- max (int .Values.replicaCount) (int .Values.leaderElection.replicaCount) -}}
{{- else -}}
{{- .Values.replicaCount -}}
{{- end -}}
{{- end -}}
