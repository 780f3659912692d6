package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/samo-brain/samo/internal/app"
	"github.com/samo-brain/samo/internal/config"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/users"
)

// runKeys runs the keys subcommands. Each reads only config.ProfileKeys,
// in every level: a key is stored as its own hash, so creating, listing,
// rotating and revoking one takes no key of the server (REDIS_URL, when
// set, carries the change to the servers at once). Creating, rotating and
// revoking record the security event the API records for the same action
// (key_created, key_rotated, key_revoked), "by" the CLI's actor().
func runKeys(ctx context.Context, stdio IO, args []string) error {
	return subcommand(ctx, stdio, "keys", args, map[string]func(context.Context, IO, []string) error{
		"create": keysCreate,
		"list":   keysList,
		"revoke": keysRevoke,
		"rotate": keysRotate,
	})
}

func keysCreate(ctx context.Context, stdio IO, args []string) error {
	fs := newFlagSet(stdio, "keys create")
	user := fs.String("user", "", "user name (created when it does not exist)")
	role := fs.String("role", "user", "role of a new user: user, analyst or admin")
	name := fs.String("name", "", "label for the key")
	asJSON := fs.Bool("json", false, `print {"id","key","user","role"}`)
	if _, err := parseCmd(fs, args); err != nil {
		return err
	}
	if *user == "" {
		return usageError("--user is required")
	}
	r, err := rbac.ParseRole(*role)
	if err != nil {
		return usageError("--role must be user, analyst or admin")
	}
	cfg, st, err := openConfigured(ctx, stdio, config.ProfileKeys)
	if err != nil {
		return err
	}
	defer st.Close()
	u, _, err := users.Ensure(ctx, st, *user, r, time.Now())
	if err != nil {
		return err
	}
	plain, k, err := app.KeyService(cfg, st).Create(ctx, u.ID, *name)
	if err != nil {
		return err
	}
	recordEvent(ctx, stdio, st, secevent.KeyCreated, secevent.Low,
		map[string]string{"new_key_id": k.ID, "for_user": u.ID, "role": string(u.Role)})
	if *asJSON {
		return json.NewEncoder(stdio.Stdout).Encode(map[string]string{"id": k.ID, "key": plain, "user": u.Name, "role": string(u.Role)})
	}
	fmt.Fprintln(stdio.Stdout, plain)
	fmt.Fprintf(stdio.Stderr, "created key %s for %s (%s); it is shown once, store it now\n", k.ID, u.Name, u.Role)
	return nil
}

func keysList(ctx context.Context, stdio IO, args []string) error {
	fs := newFlagSet(stdio, "keys list")
	asJSON := fs.Bool("json", false, "print JSON")
	userName := fs.String("user", "", "only this user's keys")
	if _, err := parseCmd(fs, args); err != nil {
		return err
	}
	cfg, st, err := openConfigured(ctx, stdio, config.ProfileKeys)
	if err != nil {
		return err
	}
	defer st.Close()
	userID := ""
	if *userName != "" {
		u, err := st.UserByName(ctx, *userName)
		if err != nil {
			return userError(*userName, err)
		}
		userID = u.ID
	}
	keys, err := app.KeyService(cfg, st).List(ctx, userID)
	if err != nil {
		return err
	}
	all, err := st.ListUsers(ctx)
	if err != nil {
		return err
	}
	byID := map[string]users.User{}
	for _, u := range all {
		byID[u.ID] = u
	}
	type row struct {
		ID        string     `json:"id"`
		User      string     `json:"user"`
		Role      rbac.Role  `json:"role"`
		Name      string     `json:"name"`
		Display   string     `json:"display"`
		Status    string     `json:"status"`
		CreatedAt time.Time  `json:"created_at"`
		LastUsed  *time.Time `json:"last_used,omitempty"`
		Grace     *time.Time `json:"grace_until,omitempty"`
	}
	rows := make([]row, 0, len(keys))
	for _, k := range keys {
		u := byID[k.UserID]
		rows = append(rows, row{k.ID, u.Name, u.Role, k.Name, k.Display(), string(k.Status), k.CreatedAt, k.LastUsed, k.GraceUntil})
	}
	if *asJSON {
		return json.NewEncoder(stdio.Stdout).Encode(rows)
	}
	tw := tabwriter.NewWriter(stdio.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSER\tROLE\tNAME\tKEY\tSTATUS\tCREATED\tLAST USED")
	for _, r := range rows {
		last := "never"
		if r.LastUsed != nil {
			last = r.LastUsed.Format(time.RFC3339)
		}
		status := r.Status
		if r.Grace != nil {
			status += " (grace until " + r.Grace.Format(time.RFC3339) + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.User, r.Role, r.Name, r.Display, status, r.CreatedAt.Format(time.RFC3339), last)
	}
	return tw.Flush()
}

func keysRevoke(ctx context.Context, stdio IO, args []string) error {
	fs := newFlagSet(stdio, "keys revoke")
	asJSON := fs.Bool("json", false, `print {"id","status"}`)
	rest, err := parseCmd(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageError("usage: samo keys revoke ID")
	}
	cfg, st, err := openConfigured(ctx, stdio, config.ProfileKeys)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := app.KeyService(cfg, st).Revoke(ctx, rest[0]); err != nil {
		return keyError(rest[0], err)
	}
	recordEvent(ctx, stdio, st, secevent.KeyRevoked, secevent.Medium, map[string]string{"revoked_key_id": rest[0]})
	if *asJSON {
		return json.NewEncoder(stdio.Stdout).Encode(map[string]string{"id": rest[0], "status": "revoked"})
	}
	fmt.Fprintf(stdio.Stdout, "revoked %s\n", rest[0])
	return nil
}

func keysRotate(ctx context.Context, stdio IO, args []string) error {
	fs := newFlagSet(stdio, "keys rotate")
	grace := fs.Duration("grace", 0, "how long the old key stays valid (default: the configured grace)")
	asJSON := fs.Bool("json", false, "print JSON")
	rest, err := parseCmd(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageError("usage: samo keys rotate ID [--grace DURATION]")
	}
	cfg, st, err := openConfigured(ctx, stdio, config.ProfileKeys)
	if err != nil {
		return err
	}
	defer st.Close()
	plain, k, err := app.KeyService(cfg, st).Rotate(ctx, rest[0], *grace)
	if err != nil {
		return keyError(rest[0], err)
	}
	recordEvent(ctx, stdio, st, secevent.KeyRotated, secevent.Low, map[string]string{"old_key_id": rest[0], "new_key_id": k.ID})
	if *asJSON {
		return json.NewEncoder(stdio.Stdout).Encode(map[string]string{"id": k.ID, "key": plain, "replaces": rest[0]})
	}
	fmt.Fprintln(stdio.Stdout, plain)
	fmt.Fprintf(stdio.Stderr, "new key %s replaces %s; shown once, store it now\n", k.ID, rest[0])
	return nil
}
