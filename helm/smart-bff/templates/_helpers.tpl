{{/*
The chart's name, or nameOverride.
*/}}
{{- define "smart-bff.name" -}}
{{- .Values.nameOverride | default .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
The name of every object of a release: fullnameOverride, else the release name, suffixed with the chart's name unless
the release name already contains it ("smart-bff", "prod-smart-bff", but "prod" -> "prod-smart-bff"). 63 characters
at most (DNS label).
*/}}
{{- define "smart-bff.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "smart-bff.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "smart-bff.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Labels that select the release's pods. Never change them on an installed release: a Deployment's selector is
immutable.
*/}}
{{- define "smart-bff.selectorLabels" -}}
app.kubernetes.io/name: {{ include "smart-bff.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "smart-bff.labels" -}}
helm.sh/chart: {{ include "smart-bff.chart" . }}
{{ include "smart-bff.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: smart-bff
{{- end -}}

{{- define "smart-bff.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "smart-bff.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{- define "smart-bff.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{/*
The environment-variable form of a server name: SMART_BFF_SERVERS_<this>_CLIENT_ID. Names are lower-case letters and
digits (values.schema.json and smart-bff.validate enforce it): SmallRye Config finds a map key in an environment
variable only when it is a single segment, so "my-ehr" (MY_EHR) would silently configure nothing.
*/}}
{{- define "smart-bff.serverEnvName" -}}
{{- . | upper -}}
{{- end -}}

{{/*
The Secret and key holding the Redis URL: redis.existingSecret, else the chart's own Secret made from redis.url.
*/}}
{{- define "smart-bff.redisSecretName" -}}
{{- if .Values.redis.existingSecret.name -}}
{{- .Values.redis.existingSecret.name -}}
{{- else -}}
{{- printf "%s-redis" (include "smart-bff.fullname" .) -}}
{{- end -}}
{{- end -}}

{{- define "smart-bff.redisSecretKey" -}}
{{- if .Values.redis.existingSecret.name -}}
{{- .Values.redis.existingSecret.key -}}
{{- else -}}
redis-url
{{- end -}}
{{- end -}}

{{/*
Checks that the schema cannot express (it cannot compare one value with another). Fails the install with a message
that says what to set.
*/}}
{{- define "smart-bff.validate" -}}
{{- if not .Values.publicUrl -}}
{{- fail "publicUrl is required: the external URL of the BFF, e.g. https://bff.example (the redirect URI is {publicUrl}/auth/callback)" -}}
{{- end -}}
{{- if not .Values.servers -}}
{{- fail "servers needs at least one SMART server, e.g. servers.ehr.fhirBaseUrl and servers.ehr.clientId" -}}
{{- end -}}
{{- if not (hasKey .Values.servers (toString .Values.defaultServer)) -}}
{{- fail (printf "defaultServer %q must be one of the servers: %s" (toString .Values.defaultServer) (keys .Values.servers | sortAlpha | join ", ")) -}}
{{- end -}}
{{- range $name, $server := .Values.servers -}}
{{- if not (regexMatch "^[a-z][a-z0-9]*$" $name) -}}
{{- fail (printf "server name %q: use lower-case letters and digits only (it becomes part of SMART_BFF_SERVERS_<NAME>_... and the app cannot read other characters there)" $name) -}}
{{- end -}}
{{- $auth := $server.clientAuth | default "none" -}}
{{- if and (has $auth (list "client_secret_basic" "client_secret_post")) (not (dig "clientSecretRef" "name" "" $server)) -}}
{{- fail (printf "servers.%s.clientAuth is %s: set servers.%s.clientSecretRef.name (and .key) to the Secret holding the client secret" $name $auth $name) -}}
{{- end -}}
{{- if and (eq $auth "private_key_jwt") (not $.Values.jwks.existingSecret) -}}
{{- fail (printf "servers.%s.clientAuth is private_key_jwt: set jwks.existingSecret to the Secret holding the BFF's private JWK Set" $name) -}}
{{- end -}}
{{- end -}}
{{- if not .Values.session.encryptionKeySecret.name -}}
{{- fail "session.encryptionKeySecret.name is required: a Secret with 32 random bytes, base64 (openssl rand -base64 32)" -}}
{{- end -}}
{{- if and (not .Values.redis.url) (not .Values.redis.existingSecret.name) -}}
{{- fail "set redis.existingSecret.name (a Secret holding the Redis URL) or redis.url" -}}
{{- end -}}
{{- if and .Values.redis.url .Values.redis.existingSecret.name -}}
{{- fail "set either redis.url or redis.existingSecret.name, not both" -}}
{{- end -}}
{{- if and .Values.ingress.enabled (not .Values.ingress.hosts) -}}
{{- fail "ingress.enabled is true: set ingress.hosts (the host of publicUrl); an Ingress without rules is rejected by the API server" -}}
{{- end -}}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) -}}
{{- fail (printf "autoscaling.maxReplicas (%d) must be at least autoscaling.minReplicas (%d)" (int .Values.autoscaling.maxReplicas) (int .Values.autoscaling.minReplicas)) -}}
{{- end -}}
{{- if .Values.redis.url -}}
{{- if and .Values.redis.tls (not (hasPrefix "rediss://" .Values.redis.url)) -}}
{{- fail "redis.tls is true: redis.url must start with rediss://" -}}
{{- end -}}
{{- if and (not .Values.redis.tls) (hasPrefix "rediss://" .Values.redis.url) -}}
{{- fail "redis.url is rediss://: set redis.tls to true as well (it turns on hostname verification)" -}}
{{- end -}}
{{- end -}}
{{- end -}}
