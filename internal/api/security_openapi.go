package api

// This file describes the security-operations routes (security.go,
// incidents.go) for the OpenAPI document; openapi.go merges these tables
// into its own.

// merged returns a copy of base with extra's entries added.
func merged[V any](base, extra map[string]V) map[string]V {
	out := make(map[string]V, len(base)+len(extra))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

func securityRequestBodies() map[string]string {
	return map[string]string{
		"POST /v1/admin/ip-blocks":              "BlockRequest",
		"POST /v1/admin/incidents":              "OpenIncidentRequest",
		"POST /v1/admin/incidents/{id}/actions": "IncidentActionRequest",
		"POST /v1/admin/incidents/{id}/resolve": "ResolveIncidentRequest",
	}
}

func securitySuccessStatus() map[string]string {
	return map[string]string{
		"POST /v1/admin/ip-blocks":              "201",
		"DELETE /v1/admin/ip-blocks/{ip}":       "204",
		"POST /v1/admin/incidents":              "201",
		"POST /v1/admin/incidents/{id}/actions": "201",
	}
}

func securityResponseBodies() map[string]string {
	return map[string]string{
		"GET /v1/admin/security/status":             "SecurityStatus",
		"GET /v1/admin/security/events":             "SecurityEventList",
		"GET /v1/admin/security/report":             "SecurityReport",
		"GET /v1/admin/security/alerts":             "AlertList",
		"GET /v1/admin/ip-blocks":                   "IPBlockList",
		"POST /v1/admin/ip-blocks":                  "IPBlock",
		"GET /v1/admin/incidents":                   "IncidentList",
		"POST /v1/admin/incidents":                  "Incident",
		"GET /v1/admin/incidents/report":            "IncidentReport",
		"GET /v1/admin/incidents/{id}":              "Incident",
		"POST /v1/admin/incidents/{id}/actions":     "IncidentAction",
		"POST /v1/admin/incidents/{id}/acknowledge": "Incident",
		"POST /v1/admin/incidents/{id}/resolve":     "Incident",
	}
}

func securityQueryParams() map[string][]any {
	str := map[string]any{"type": "string"}
	dateTime := map[string]any{"type": "string", "format": "date-time"}
	limit := func(def, max int) map[string]any {
		return map[string]any{"type": "integer", "minimum": 1, "maximum": max, "default": def}
	}
	cursor := queryParam("cursor", "The next_cursor of the previous page", str)
	severity := queryParam("severity", "Comma-separated severities: low, medium, high, critical", str)
	from := queryParam("from", "Start of the period (RFC 3339); default: the period before to", dateTime)
	to := queryParam("to", "End of the period (RFC 3339, exclusive); default: now", dateTime)
	return map[string][]any{
		"GET /v1/admin/security/events": {
			severity,
			queryParam("type", "Comma-separated event types, e.g. auth_failure,brute_force", str),
			queryParam("since", "Events at or after this time (RFC 3339)", dateTime),
			queryParam("until", "Events before this time (RFC 3339)", dateTime),
			queryParam("ip", "Only events about this client address", str),
			queryParam("key_id", "Only events about this API key id", str),
			queryParam("limit", "Page size", limit(100, 1000)),
			cursor,
		},
		"GET /v1/admin/security/report": {
			from, to,
			queryParam("format", "json (default), csv or html", map[string]any{"type": "string", "enum": []any{"json", "csv", "html"}}),
		},
		"GET /v1/admin/security/alerts": {
			queryParam("state", "pending, delivered or dead", map[string]any{"type": "string", "enum": []any{"pending", "delivered", "dead"}}),
			queryParam("limit", "Page size", limit(100, 1000)),
			cursor,
		},
		"GET /v1/admin/ip-blocks": {
			queryParam("limit", "Page size", limit(100, 1000)),
			cursor,
		},
		"GET /v1/admin/incidents": {
			queryParam("status", "Comma-separated statuses: open, acknowledged, resolved", str),
			severity,
			queryParam("since", "Incidents created at or after this time (RFC 3339)", dateTime),
			queryParam("until", "Incidents created before this time (RFC 3339)", dateTime),
			queryParam("limit", "Page size", limit(50, 500)),
			cursor,
		},
		"GET /v1/admin/incidents/report": {from, to},
	}
}

func securitySchemas() map[string]any {
	str := map[string]any{"type": "string"}
	integer := map[string]any{"type": "integer"}
	dateTime := map[string]any{"type": "string", "format": "date-time"}
	object := map[string]any{"type": "object"}
	severity := map[string]any{"type": "string", "enum": []any{"low", "medium", "high", "critical"}}
	list := func(name, item string) map[string]any {
		return map[string]any{"type": "object", "required": []any{name},
			"properties": map[string]any{name: map[string]any{"type": "array", "items": ref(item)},
				"next_cursor": map[string]any{"type": "string", "description": "Absent on the last page"}}}
	}
	return map[string]any{
		"SecurityEvent": map[string]any{"type": "object", "required": []any{"id", "type", "severity", "time"},
			"properties": map[string]any{"id": str, "type": str, "severity": severity, "time": dateTime, "request_id": str,
				"client_ip": str, "user_id": str, "key_id": str, "route": str,
				"details": map[string]any{"type": "object", "additionalProperties": str}}},
		"SecurityEventList": list("events", "SecurityEvent"),
		"SecurityStatus": map[string]any{"type": "object", "description": "Blocked and suspicious IPs, events by severity in the last hour, open incidents, key counts, shed events, alert outbox; sections that could not be read are named in unavailable",
			"properties": map[string]any{"blocked": map[string]any{"type": "array", "items": ref("IPBlock")},
				"suspicious": map[string]any{"type": "array", "items": object}, "suspicious_total": integer,
				"events_last_hour": object, "open_incidents": object, "keys": object, "events_shed_total": integer,
				"alerts": object, "unavailable": map[string]any{"type": "array", "items": str}}},
		"SecurityReport": map[string]any{"type": "object", "description": "The report as JSON; format=csv answers text/csv and format=html a self-contained text/html page",
			"properties": map[string]any{"from": dateTime, "to": dateTime, "totals": object, "timeline": map[string]any{"type": "array", "items": object},
				"top_ips": map[string]any{"type": "array", "items": object}, "top_keys": map[string]any{"type": "array", "items": object},
				"blocks": object, "auth_failures": object, "rate_limited": object, "events_shed": integer, "incidents": ref("IncidentReport")}},
		"Alert": map[string]any{"type": "object", "required": []any{"id", "kind", "state", "attempts"},
			"properties": map[string]any{"id": map[string]any{"type": "string", "description": "Idempotency key (webhook-id)"}, "kind": str, "group": str,
				"state": map[string]any{"type": "string", "enum": []any{"pending", "delivered", "dead"}}, "count": integer, "attempts": integer,
				"last_error": str, "created_at": dateTime, "last_seen": dateTime, "next_attempt_at": dateTime,
				"delivered_at": dateTime, "dead_at": dateTime}},
		"AlertList": map[string]any{"type": "object", "required": []any{"enabled", "alerts"},
			"properties": map[string]any{"enabled": map[string]any{"type": "boolean"}, "stats": object,
				"alerts":      map[string]any{"type": "array", "items": ref("Alert")},
				"next_cursor": map[string]any{"type": "string", "description": "Absent on the last page"}}},
		"IPBlock": map[string]any{"type": "object", "required": []any{"ip", "until", "reason", "by"},
			"properties": map[string]any{"ip": str, "until": dateTime, "reason": str, "by": str, "created": dateTime, "offence": integer}},
		"IPBlockList": map[string]any{"type": "object", "required": []any{"blocks", "allowlist"},
			"properties": map[string]any{"blocks": map[string]any{"type": "array", "items": ref("IPBlock")},
				"allowlist":   map[string]any{"type": "array", "items": str, "description": "IP_ALLOWLIST, whole on every page"},
				"next_cursor": map[string]any{"type": "string", "description": "Absent on the last page"}}},
		"BlockRequest": map[string]any{"type": "object", "required": []any{"ip", "duration", "reason"}, "additionalProperties": false,
			"properties": map[string]any{"ip": str, "duration": map[string]any{"type": "string", "description": "A Go duration such as 30m or 24h (1s to 8760h)"},
				"reason": map[string]any{"type": "string", "minLength": 1, "maxLength": 200}}},
		"IncidentAction": map[string]any{"type": "object", "required": []any{"id", "action", "actor", "at"},
			"properties": map[string]any{"id": str, "incident_id": str, "action": str, "actor": str, "outcome": str, "at": dateTime}},
		"Incident": map[string]any{"type": "object", "required": []any{"id", "type", "severity", "description", "status", "created_at"},
			"properties": map[string]any{"id": str, "type": str, "severity": severity, "description": str,
				"status": map[string]any{"type": "string", "enum": []any{"open", "acknowledged", "resolved"}}, "source": str,
				"created_at": dateTime, "acknowledged_at": dateTime, "resolved_at": dateTime, "resolution": str, "event_count": integer,
				"sources": map[string]any{"type": "array", "items": str}, "event_ids": map[string]any{"type": "array", "items": str},
				"actions": map[string]any{"type": "array", "items": ref("IncidentAction")}}},
		"IncidentList": list("incidents", "Incident"),
		"IncidentReport": map[string]any{"type": "object", "properties": map[string]any{"from": dateTime, "to": dateTime, "total": integer,
			"by_severity": object, "by_status": object, "open": integer, "resolved": integer,
			"time_to_acknowledge": object, "time_to_resolve": object, "oldest_open": dateTime}},
		"OpenIncidentRequest": map[string]any{"type": "object", "required": []any{"type", "severity", "description"}, "additionalProperties": false,
			"properties": map[string]any{"type": map[string]any{"type": "string", "pattern": "^[a-z0-9_]{1,64}$"}, "severity": severity,
				"description": map[string]any{"type": "string", "maxLength": 2000}, "source": map[string]any{"type": "string", "maxLength": 200}}},
		"IncidentActionRequest": map[string]any{"type": "object", "required": []any{"action"}, "additionalProperties": false,
			"properties": map[string]any{"action": map[string]any{"type": "string", "maxLength": 500}, "outcome": map[string]any{"type": "string", "maxLength": 500}}},
		"ResolveIncidentRequest": map[string]any{"type": "object", "required": []any{"resolution"}, "additionalProperties": false,
			"properties": map[string]any{"resolution": map[string]any{"type": "string", "minLength": 1, "maxLength": 2000}}},
	}
}
