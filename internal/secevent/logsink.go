package secevent

import (
	"context"
	"log/slog"
)

// LogSink writes each event to a process logger as one "security_event"
// record (SECURITY_LOG_STDERR), so that whatever collects the process's
// log — journald, a container runtime, a Kubernetes logging agent — ships
// the events to a separate system. Low events are logged at info, medium
// at warn, high and critical at error.
type LogSink struct {
	Log *slog.Logger
}

// WriteEvents implements Sink; it never fails.
func (s LogSink) WriteEvents(ctx context.Context, es []Event) error {
	for _, e := range es {
		attrs := make([]slog.Attr, 0, 10)
		attrs = append(attrs, slog.String("event_id", e.ID), slog.String("type", string(e.Type)),
			slog.String("severity", string(e.Severity)), slog.Time("event_time", e.Time))
		for _, f := range [...]struct{ k, v string }{
			{"request_id", e.RequestID}, {"client_ip", e.ClientIP}, {"user_id", e.UserID}, {"key_id", e.KeyID}, {"route", e.Route},
		} {
			if f.v != "" {
				attrs = append(attrs, slog.String(f.k, f.v))
			}
		}
		d := make([]any, 0, len(e.Details))
		for k, v := range e.Details {
			d = append(d, slog.String(k, v))
		}
		attrs = append(attrs, slog.Group("details", d...)) // an empty group is left out
		s.Log.LogAttrs(ctx, levelOf(e.Severity), "security_event", attrs...)
	}
	return nil
}

// Name identifies the sink in logs.
func (LogSink) Name() string { return "process_log" }

func levelOf(s Severity) slog.Level {
	switch s {
	case Low:
		return slog.LevelInfo
	case Medium:
		return slog.LevelWarn
	}
	return slog.LevelError
}
