package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/samo-brain/samo/internal/alert"
	"github.com/samo-brain/samo/internal/app"
	"github.com/samo-brain/samo/internal/config"
	"github.com/samo-brain/samo/internal/incident"
	"github.com/samo-brain/samo/internal/secevent"
)

func runIncidents(ctx context.Context, stdio IO, args []string) error {
	return subcommand(ctx, stdio, "incidents", args, map[string]func(context.Context, IO, []string) error{
		"list":        incidentsList,
		"open":        incidentsOpen,
		"show":        incidentsShow,
		"acknowledge": incidentsAcknowledge,
		"resolve":     incidentsResolve,
	})
}

// incidentService opens the store and an incident service over it; admin
// actions are recorded as security events straight into the store. The
// playbooks of incidents opened here act through what the servers share:
// blocks go to the block list they enforce (hostDetector: Redis's with
// REDIS_URL, else the database's), key suspensions and the alert outbox
// (delivered by a server) to the store. Watching is a server's in-memory
// state, so it is recorded but cannot be applied from here. It reads only
// config.ProfileIncidents, in every level: the detector's settings, the
// key service's (REDIS_URL among them) and SECURITY_ALERT_WEBHOOK
// (whether alerts are queued).
// This outbox only queues: a server signs (SECURITY_ALERT_SECRET) and
// delivers (SECURITY_ALERT_ALLOW_PRIVATE) them, so neither is read here.
func incidentService(ctx context.Context, stdio IO) (*incident.Service, func(), error) {
	cfg, st, err := openConfigured(ctx, stdio, config.ProfileIncidents)
	if err != nil {
		return nil, nil, err
	}
	rec := storeRecorder(stdio, st)
	d, blocksDone, err := hostDetector(cfg, st, rec)
	if err != nil {
		_ = st.Close()
		return nil, nil, err
	}
	done := func() { blocksDone(); _ = st.Close() }
	outbox, err := alert.NewOutbox(alert.Config{URL: cfg.SecurityAlertWebhook}, st, nil, nil, time.Now)
	if err != nil {
		done()
		return nil, nil, err
	}
	svc := incident.NewService(incident.Deps{Store: st, Blocker: d, Suspender: app.KeyService(cfg, st), Alerter: outbox, Events: rec})
	return svc, done, nil
}

func incidentsOpen(ctx context.Context, stdio IO, args []string) error {
	fs := newFlagSet(stdio, "incidents open")
	typ := fs.String("type", "", "incident type: 1-64 of a-z, 0-9, _ (required)")
	severity := fs.String("severity", "", "low, medium, high or critical (required); high and critical run their playbook")
	description := fs.String("description", "", "what happened (required)")
	source := fs.String("source", "", "what it concerns: ip:ADDR (blocked when critical), key:ID (suspended when critical), user:ID")
	asJSON := fs.Bool("json", false, "print the incident as JSON")
	rest, err := parseCmd(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 || *typ == "" || *severity == "" || *description == "" {
		return usageError("usage: samo incidents open --type T --severity low|medium|high|critical --description TEXT [--source ip:ADDR|key:ID|user:ID] [--json]")
	}
	svc, done, err := incidentService(ctx, stdio)
	if err != nil {
		return err
	}
	defer done()
	inc, err := svc.Open(ctx, incident.OpenRequest{Type: *typ, Severity: secevent.Severity(*severity), Description: *description, Source: *source}, actor())
	if err != nil {
		if errors.Is(err, incident.ErrInvalid) {
			return usageError("%v", err)
		}
		return err
	}
	if *asJSON {
		return printJSON(stdio, inc)
	}
	printIncident(stdio, inc)
	return nil
}

func printJSON(stdio IO, v any) error {
	enc := json.NewEncoder(stdio.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func incidentsList(ctx context.Context, stdio IO, args []string) error {
	fs := newFlagSet(stdio, "incidents list")
	status := fs.String("status", "open,acknowledged", "comma-separated statuses, or all")
	limit := fs.Int("limit", 50, "at most this many (1-1000)")
	asJSON := fs.Bool("json", false, "print JSON")
	if rest, err := parseCmd(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usageError("usage: samo incidents list [--status open,acknowledged|all] [--limit N] [--json]")
	}
	f := incident.Filter{Limit: *limit}
	if *limit < 1 || *limit > 1000 {
		return usageError("--limit must be between 1 and 1000")
	}
	if *status != "all" {
		for _, s := range strings.Split(*status, ",") {
			if !incident.Status(s).Valid() {
				return usageError("--status must list open, acknowledged, resolved, or be all")
			}
			f.Statuses = append(f.Statuses, incident.Status(s))
		}
	}
	svc, done, err := incidentService(ctx, stdio)
	if err != nil {
		return err
	}
	defer done()
	list, err := svc.List(ctx, f)
	if err != nil {
		return err
	}
	if *asJSON {
		if list == nil {
			list = []incident.Incident{}
		}
		return printJSON(stdio, list)
	}
	tw := tabwriter.NewWriter(stdio.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSEVERITY\tSTATUS\tTYPE\tSOURCE\tEVENTS\tOPENED")
	for _, i := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", i.ID, i.Severity, i.Status, i.Type, orDash(i.Source), i.EventCount, i.CreatedAt.Format(time.RFC3339))
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// oneID parses "ID [flags]" and returns the id.
func oneID(rest []string, usage string) (string, error) {
	if len(rest) != 1 || rest[0] == "" {
		return "", usageError("usage: %s", usage)
	}
	return rest[0], nil
}

func incidentsShow(ctx context.Context, stdio IO, args []string) error {
	fs := newFlagSet(stdio, "incidents show")
	asJSON := fs.Bool("json", false, "print JSON")
	rest, err := parseCmd(fs, args)
	if err != nil {
		return err
	}
	id, err := oneID(rest, "samo incidents show ID [--json]")
	if err != nil {
		return err
	}
	svc, done, err := incidentService(ctx, stdio)
	if err != nil {
		return err
	}
	defer done()
	inc, err := svc.Get(ctx, id)
	if err != nil {
		return incidentError(id, err)
	}
	if *asJSON {
		return printJSON(stdio, inc)
	}
	printIncident(stdio, inc)
	return nil
}

func printIncident(stdio IO, inc incident.Incident) {
	w := stdio.Stdout
	fmt.Fprintf(w, "%s  %s  %s  %s\n", inc.ID, inc.Severity, inc.Status, inc.Type)
	fmt.Fprintf(w, "opened     %s\n", inc.CreatedAt.Format(time.RFC3339))
	if inc.AcknowledgedAt != nil {
		fmt.Fprintf(w, "acked      %s\n", inc.AcknowledgedAt.Format(time.RFC3339))
	}
	if inc.ResolvedAt != nil {
		fmt.Fprintf(w, "resolved   %s: %s\n", inc.ResolvedAt.Format(time.RFC3339), inc.Resolution)
	}
	fmt.Fprintf(w, "sources    %s\n", strings.Join(inc.Sources, ", "))
	fmt.Fprintf(w, "events     %d\n", inc.EventCount)
	fmt.Fprintf(w, "\n%s\n\ntimeline:\n", inc.Description)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, a := range inc.Actions {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", a.At.Format(time.RFC3339), a.Actor, a.Action, a.Outcome)
	}
	_ = tw.Flush()
}

func incidentsAcknowledge(ctx context.Context, stdio IO, args []string) error {
	fs := newFlagSet(stdio, "incidents acknowledge")
	asJSON := fs.Bool("json", false, "print the acknowledged incident as JSON")
	rest, err := parseCmd(fs, args)
	if err != nil {
		return err
	}
	id, err := oneID(rest, "samo incidents acknowledge ID")
	if err != nil {
		return err
	}
	svc, done, err := incidentService(ctx, stdio)
	if err != nil {
		return err
	}
	defer done()
	inc, err := svc.Acknowledge(ctx, id, actor())
	if err != nil {
		return incidentError(id, err)
	}
	if *asJSON {
		return printJSON(stdio, inc)
	}
	fmt.Fprintf(stdio.Stdout, "acknowledged %s\n", inc.ID)
	return nil
}

func incidentsResolve(ctx context.Context, stdio IO, args []string) error {
	fs := newFlagSet(stdio, "incidents resolve")
	resolution := fs.String("resolution", "", "what was found and done (required)")
	asJSON := fs.Bool("json", false, "print the resolved incident as JSON")
	rest, err := parseCmd(fs, args)
	if err != nil {
		return err
	}
	id, err := oneID(rest, "samo incidents resolve ID --resolution TEXT")
	if err != nil {
		return err
	}
	if *resolution == "" {
		return usageError("--resolution is required: say what was found and done")
	}
	svc, done, err := incidentService(ctx, stdio)
	if err != nil {
		return err
	}
	defer done()
	inc, err := svc.Resolve(ctx, id, actor(), *resolution)
	if err != nil {
		return incidentError(id, err)
	}
	if *asJSON {
		return printJSON(stdio, inc)
	}
	fmt.Fprintf(stdio.Stdout, "resolved %s\n", inc.ID)
	return nil
}
