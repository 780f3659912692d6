package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/samo-brain/samo/internal/config"
	"github.com/samo-brain/samo/internal/incident"
	"github.com/samo-brain/samo/internal/report"
)

// runReport prints the security report for a period. It reads only
// config.ProfileStore, in every level: the report is built from stored
// events and incidents, none of them sealed.
func runReport(ctx context.Context, stdio IO, args []string) error {
	fs := newFlagSet(stdio, "report")
	fromArg := fs.String("from", "24h", "start: RFC 3339 time, or a duration ago such as 24h, 90m or 7d")
	toArg := fs.String("to", "", "end (exclusive): RFC 3339 time or a duration ago (default now)")
	format := fs.String("format", "json", "json, csv or html")
	asJSON := jsonFlag(fs, "the same as --format json")
	rest, err := parseCmd(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageError("usage: samo report [--from T] [--to T] [--format json|csv|html | --json]")
	}
	if *asJSON {
		if *format != report.FormatJSON {
			return usageError("--json and --format %s contradict each other", *format)
		}
	}
	now := time.Now().UTC()
	to := now
	if *toArg != "" {
		if to, err = parseWhen(*toArg, now); err != nil {
			return usageError("--to: %v", err)
		}
	}
	from, err := parseWhen(*fromArg, now)
	if err != nil {
		return usageError("--from: %v", err)
	}
	if report.ContentType(*format) == "" {
		return usageError("--format must be json, csv or html")
	}
	if !from.Before(to) || to.Sub(from) > report.MaxPeriod {
		return usageError("--from must be before --to, at most 366 days earlier")
	}
	_, st, err := openConfigured(ctx, stdio, config.ProfileStore)
	if err != nil {
		return err
	}
	defer st.Close()
	incs := incident.NewService(incident.Deps{Store: st})
	r, err := report.NewBuilder(st, incs, nil).Build(ctx, from, to)
	if err != nil {
		return err
	}
	return report.Write(stdio.Stdout, r, *format)
}

// parseWhen reads an RFC 3339 time, or a duration before now: Go syntax
// (90m, 24h, 1h30m) or whole days (7d).
func parseWhen(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || n > 3660 || days == "" || days[0] == '+' {
			return time.Time{}, fmt.Errorf("%q is not a number of days", s)
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil || d < 0 {
			return time.Time{}, fmt.Errorf("%q is neither an RFC 3339 time nor a duration such as 24h or 7d", s)
		}
	}
	return now.Add(-d), nil
}
