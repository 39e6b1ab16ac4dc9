{{/* Names and labels shared by every object of the chart. */}}

{{- define "overfit.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "overfit.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "overfit.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "overfit.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "overfit.selectorLabels" -}}
app.kubernetes.io/name: {{ include "overfit.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "overfit.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "overfit.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The Secret holding the host key: the user's, or the chart's own. */}}
{{- define "overfit.hostKeySecret" -}}
{{- default (printf "%s-host-key" (include "overfit.fullname" .)) .Values.hostKey.existingSecret }}
{{- end }}

{{/* Where the host key is mounted; --host-key points at the file in it. */}}
{{- define "overfit.hostKeyDir" -}}/etc/overfit/host-key{{- end }}

{{/* Seconds from the stop request to the process's exit, at most: the
     preStop sleep, the drain, the goodbyes, then overfit's own 1 s for
     clients to hang up and 2 s after closing connections by force. */}}
{{- define "overfit.stopSeconds" -}}
{{- add .Values.preStopSleepSeconds .Values.server.drainDelaySeconds .Values.server.shutdownTimeoutSeconds 3 }}
{{- end }}

{{/* Requests and limits derived from the measured cost of a session
     (docs/capacity.md): CPU for maxSessionsPerPod at the clean capacity
     per core; memory for that many sessions' RSS plus the idle server,
     the limit half again as much, since overfit sets its soft memory limit
     (GOMEMLIMIT) to 75 % of the container's. */}}
{{- define "overfit.resources" -}}
{{- if .Values.resources }}
{{- toYaml .Values.resources }}
{{- else }}
{{- $s := .Values.sizing }}
{{- $cpu := div (add (mul 1000 $s.maxSessionsPerPod) (sub $s.sessionsPerCore 1)) $s.sessionsPerCore }}
{{- $mem := add $s.baseMiB (div (add (mul $s.maxSessionsPerPod $s.kibPerSession) 1023) 1024) }}
requests:
  cpu: {{ printf "%dm" (int $cpu) }}
  memory: {{ printf "%dMi" (int $mem) }}
limits:
  memory: {{ printf "%dMi" (int (div (mul $mem 3) 2)) }}
{{- end }}
{{- end }}
