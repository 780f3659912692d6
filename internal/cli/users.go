package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/samo-brain/samo/internal/app"
	"github.com/samo-brain/samo/internal/config"
	"github.com/samo-brain/samo/internal/mfa"
	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/store"
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
	_, st, err := openConfigured(ctx, stdio, config.ProfileUsers)
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
	cfg, st, u, err := openUserArg(ctx, stdio, fs, args)
	if err != nil {
		return err
	}
	defer st.Close()
	log := slog.New(slog.NewTextHandler(stdio.Stderr, nil))
	if u, err = app.NewUserSwitch(cfg, st, log).SetDisabled(ctx, u.ID, disabled); err != nil {
		return err
	}
	typ, sev := secevent.UserEnabled, secevent.Low
	if disabled {
		typ, sev = secevent.UserDisabled, secevent.Medium
	}
	recordEvent(ctx, stdio, st, typ, sev, map[string]string{"target_user_id": u.ID})
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
	cfg, st, u, err := openUserArg(ctx, stdio, fs, args)
	if err != nil {
		return err
	}
	defer st.Close()
	had, err := mfa.New(st, nil, nil).Reset(ctx, u.ID)
	if err != nil {
		return err
	}
	var ended app.SessionsEnded
	var serr error
	if had {
		ended, serr = app.EndUserSessions(ctx, cfg, st, u.ID, time.Now())
		details := map[string]string{"target_user_id": u.ID, "sessions_cutoff": ended.Cutoff.UTC().Format(time.RFC3339Nano)}
		if ended.Counted {
			details["sessions_ended"] = strconv.Itoa(ended.Count)
		} else {
			details["sessions_end"] = "next_request" // in the servers' memory: ended by the cut-off
		}
		if serr != nil {
			details["sessions_end"] = "incomplete"
		}
		recordEvent(ctx, stdio, st, secevent.TOTPReset, secevent.Medium, details)
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

// openUserArg parses the flags and the one NAME of a "samo users VERB NAME
// [--json]" command (fs is named "users VERB"), opens the configured store
// and returns the user called NAME. The caller closes the store.
func openUserArg(ctx context.Context, stdio IO, fs *flag.FlagSet, args []string) (*config.Config, *store.Store, users.User, error) {
	rest, err := parseCmd(fs, args)
	if err != nil {
		return nil, nil, users.User{}, err
	}
	if len(rest) != 1 {
		return nil, nil, users.User{}, usageError("usage: %s NAME [--json]", fs.Name())
	}
	cfg, st, err := openConfigured(ctx, stdio, config.ProfileUsers)
	if err != nil {
		return nil, nil, users.User{}, err
	}
	u, err := st.UserByName(ctx, rest[0])
	if err != nil {
		_ = st.Close()
		return nil, nil, users.User{}, fmt.Errorf("user %q: %w", rest[0], err)
	}
	return cfg, st, u, nil
}
