package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/samo-brain/samo/internal/app"
	"github.com/samo-brain/samo/internal/mfa"
	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/users"
)

func runUsers(ctx context.Context, stdio IO, args []string) error {
	return subcommand(ctx, stdio, "users", args, map[string]func(context.Context, IO, []string) error{
		"list": usersList,
		"disable": func(ctx context.Context, stdio IO, args []string) error {
			return usersSetDisabled(ctx, stdio, args, true)
		},
		"enable": func(ctx context.Context, stdio IO, args []string) error {
			return usersSetDisabled(ctx, stdio, args, false)
		},
		"totp-reset": usersTOTPReset,
	})
}

func usersList(ctx context.Context, stdio IO, args []string) error {
	fs := newFlagSet(stdio, "users list")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseCmd(fs, args); err != nil {
		return err
	}
	_, st, err := openConfigured(ctx, stdio)
	if err != nil {
		return err
	}
	defer st.Close()
	us, err := st.ListUsers(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		if us == nil {
			us = []users.User{}
		}
		return json.NewEncoder(stdio.Stdout).Encode(us)
	}
	tw := tabwriter.NewWriter(stdio.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tID\tROLE\tSTATE")
	for _, u := range us {
		state := "enabled"
		if u.Disabled() {
			state = "disabled since " + u.DisabledAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Name, u.ID, u.Role, state)
	}
	return tw.Flush()
}

// usersSetDisabled disables or enables the user called NAME. With
// REDIS_URL every running replica is told at once; without, each applies
// it within one second (its user cache TTL).
func usersSetDisabled(ctx context.Context, stdio IO, args []string, disabled bool) error {
	verb := "enable"
	if disabled {
		verb = "disable"
	}
	fs := newFlagSet(stdio, "users "+verb)
	asJSON := jsonFlag(fs, `print the user: {"id","name","role","created_at","disabled_at"}`)
	rest, err := parseCmd(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageError("usage: samo users %s NAME [--json]", verb)
	}
	cfg, st, err := openConfigured(ctx, stdio)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.UserByName(ctx, rest[0])
	if err != nil {
		return fmt.Errorf("user %q: %w", rest[0], err)
	}
	log := slog.New(slog.NewTextHandler(stdio.Stderr, nil))
	if u, err = app.NewUserSwitch(cfg, st, log).SetDisabled(ctx, u.ID, disabled); err != nil {
		return err
	}
	typ, sev := secevent.UserEnabled, secevent.Low
	if disabled {
		typ, sev = secevent.UserDisabled, secevent.Medium
	}
	ev := secevent.New(ctx, typ, sev, time.Now(), map[string]string{"target_user_id": u.ID, "by": "cli"})
	ev.ID = secevent.NewID()
	if err := st.WriteEvents(ctx, []secevent.Event{ev}); err != nil {
		fmt.Fprintf(stdio.Stderr, "warning: the %s event was not recorded: %v\n", typ, err)
	}
	if *asJSON {
		return printJSON(stdio, u)
	}
	fmt.Fprintf(stdio.Stdout, "%sd %s (%s)\n", verb, u.Name, u.ID)
	return nil
}

// usersTOTPReset removes the dashboard second factor of the user called
// NAME (lost device): they sign in with their key and enrol again. Every
// dashboard session of the user ends (ASVS V7.4.3): the user's session
// cut-off moves, so each running server refuses them at their next
// request, and with REDIS_URL they are deleted from Redis at once and
// counted. It is a totp_reset security event. The secret is never printed.
func usersTOTPReset(ctx context.Context, stdio IO, args []string) error {
	fs := newFlagSet(stdio, "users totp-reset")
	asJSON := jsonFlag(fs, `print {"user_id","name","reset","sessions_ended","sessions_cutoff"}`)
	rest, err := parseCmd(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageError("usage: samo users totp-reset NAME [--json]")
	}
	cfg, st, err := openConfigured(ctx, stdio)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.UserByName(ctx, rest[0])
	if err != nil {
		return fmt.Errorf("user %q: %w", rest[0], err)
	}
	had, err := mfa.New(st, nil, nil).Reset(ctx, u.ID)
	if err != nil {
		return err
	}
	var ended app.SessionsEnded
	var serr error
	if had {
		ended, serr = app.EndUserSessions(ctx, cfg, st, u.ID, time.Now())
		details := map[string]string{"target_user_id": u.ID, "by": "cli", "sessions_cutoff": ended.Cutoff.UTC().Format(time.RFC3339Nano)}
		if ended.Counted {
			details["sessions_ended"] = strconv.Itoa(ended.Count)
		} else {
			details["sessions_end"] = "next_request" // in the servers' memory: ended by the cut-off
		}
		if serr != nil {
			details["sessions_end"] = "incomplete"
		}
		ev := secevent.New(ctx, secevent.TOTPReset, secevent.Medium, time.Now(), details)
		ev.ID = secevent.NewID()
		if err := st.WriteEvents(ctx, []secevent.Event{ev}); err != nil {
			fmt.Fprintf(stdio.Stderr, "warning: the %s event was not recorded: %v\n", secevent.TOTPReset, err)
		}
		if serr != nil {
			return fmt.Errorf("second factor of %s reset, but their dashboard sessions were not all ended (run it again): %w", u.Name, serr)
		}
	}
	if *asJSON {
		out := map[string]any{"user_id": u.ID, "name": u.Name, "reset": had}
		if had {
			out["sessions_cutoff"] = ended.Cutoff.UTC()
			out["sessions_ended"] = nil // unknown: in the servers' memory
			if ended.Counted {
				out["sessions_ended"] = ended.Count
			}
		}
		return printJSON(stdio, out)
	}
	if !had {
		fmt.Fprintf(stdio.Stdout, "%s (%s) has no second factor; nothing changed\n", u.Name, u.ID)
		return nil
	}
	fmt.Fprintf(stdio.Stdout, "second factor of %s (%s) reset: they sign in with their key and enrol again\n", u.Name, u.ID)
	if ended.Counted {
		fmt.Fprintf(stdio.Stdout, "their dashboard sessions are ended: %d deleted from Redis\n", ended.Count)
	} else {
		fmt.Fprintln(stdio.Stdout, "their dashboard sessions end at their next request on every running server (sessions signed in before the cut-off are refused)")
	}
	return nil
}
