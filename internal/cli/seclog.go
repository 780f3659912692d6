package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/samo-brain/samo/internal/app"
	"github.com/samo-brain/samo/internal/secevent"
)

func runSeclog(ctx context.Context, stdio IO, args []string) error {
	return subcommand(ctx, stdio, "seclog", args, map[string]func(context.Context, IO, []string) error{
		"verify": seclogVerify,
	})
}

// seclogVerify checks the hash chain of the security log file: the files
// given, or SECURITY_LOG_FILE and its rotated files, oldest first. It
// fails (exit 1) when a line was changed, inserted, removed or reordered,
// and, when the comparison with the database is on (eventsChecked), when
// the database holds events, recorded while the log was being written,
// that no verified line holds.
func seclogVerify(ctx context.Context, stdio IO, args []string) error {
	fs := newFlagSet(stdio, "seclog verify")
	asJSON := jsonFlag(fs, "print the report as JSON")
	dbMode := fs.String("db-events", "auto", "compare the log with the database's events: on, off, or auto (on for the configured log on SQLite)")
	files, err := parseCmd(fs, args)
	if err != nil {
		return err
	}
	if *dbMode != "auto" && *dbMode != "on" && *dbMode != "off" {
		return usageError("--db-events must be auto, on or off")
	}
	cfg, st, ring, err := openKeyring(ctx, stdio)
	if err != nil {
		return err
	}
	defer st.Close()
	events := eventsChecked(*dbMode, len(files) > 0, cfg.DatabaseDriver())
	if len(files) == 0 {
		if files, err = secevent.LogFiles(cfg.SecurityLogPath(), cfg.SecurityLogMaxFiles); err != nil {
			return err
		}
	}
	readers := make([]io.Reader, 0, len(files))
	for _, name := range files {
		f, err := os.Open(name) // #nosec G304 -- files named by the operator
		if err != nil {
			return err
		}
		defer f.Close()
		readers = append(readers, f)
	}
	rep, verr := secevent.VerifyLog(io.MultiReader(readers...), ring.DeriveKey(app.SecurityLogKeyPurpose))
	if verr != nil && !errors.Is(verr, secevent.ErrLogTampered) {
		return verr
	}
	if events.Checked {
		if err := events.compare(ctx, st, rep, time.Now()); err != nil {
			return err
		}
	}
	if *asJSON {
		if err := json.NewEncoder(stdio.Stdout).Encode(map[string]any{
			"files": files, "lines": rep.Lines, "first_seq": rep.FirstSeq, "last_seq": rep.LastSeq,
			"unchained_lines": rep.Unchained, "restarts": nonNil(rep.Restarts), "problems": nonNil(rep.Problems),
			"oldest_event": timeOrNil(rep.Oldest), "newest_event": timeOrNil(rep.Newest), "db_events": events.json(),
			"intact": verr == nil && events.Missing == 0,
		}); err != nil {
			return err
		}
	} else {
		printLogReport(stdio.Stdout, files, rep)
		events.print(stdio.Stdout)
	}
	if verr != nil {
		return fmt.Errorf("the security log fails verification: %d line(s) changed, added, removed or reordered", len(rep.Problems))
	}
	if events.Missing > 0 {
		return fmt.Errorf("the security log fails verification: %d event(s) in the database are not in it (lines removed, or never written)", events.Missing)
	}
	return nil
}

func printLogReport(w io.Writer, files []string, rep secevent.LogReport) {
	fmt.Fprintf(w, "security log: %s\n%d lines", strings.Join(files, ", "), rep.Lines)
	if rep.LastSeq > 0 {
		fmt.Fprintf(w, ", chain seq %d to %d", rep.FirstSeq, rep.LastSeq)
	}
	fmt.Fprintln(w)
	if rep.Unchained > 0 {
		fmt.Fprintf(w, "%d line(s) before the chain starts (written before chaining) are not covered\n", rep.Unchained)
	}
	if len(rep.Restarts) > 0 {
		fmt.Fprintf(w, "a new chain starts at line(s) %v (a process found no intact last line to continue)\n", rep.Restarts)
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(w, "line %d: %s\n", p.Line, p.What)
	}
	if len(rep.Problems) == 0 {
		fmt.Fprintln(w, "intact: every line verifies and follows the one before it")
	}
}

// nonNil keeps empty lists as [] in JSON.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
