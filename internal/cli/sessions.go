package cli

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/samo-brain/samo/internal/app"
	"github.com/samo-brain/samo/internal/config"
	"github.com/samo-brain/samo/internal/secevent"
)

func runSessions(ctx context.Context, stdio IO, args []string) error {
	return subcommand(ctx, stdio, "sessions", args, map[string]func(context.Context, IO, []string) error{
		"end-all": sessionsEndAll,
	})
}

// sessionsEndAll signs everyone out from the host, like DELETE
// /v1/admin/sessions (app.EndAllSessions), for an incident responder who
// has the server's store and Redis settings but maybe no admin key. It is
// the same sessions_revoked security event, "by" the CLI's actor(). API keys
// keep working: revoke or rotate them for that. It reads only
// config.ProfileSessions (the store's settings, REDIS_URL and
// JWT_MAX_EXPIRY_HOURS), in every level: revoking signs and verifies no
// token, so no JWT key or other server secret is demanded, read or, in
// development, generated. The database must exist already.
func sessionsEndAll(ctx context.Context, stdio IO, args []string) error {
	fs := newFlagSet(stdio, "sessions end-all")
	asJSON := jsonFlag(fs, `print {"refresh_families_revoked","tokens_issued_before","deny_list","dashboard_sessions_ended","sessions_cutoff"}`)
	rest, err := parseCmd(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return usageError("usage: samo sessions end-all [--json]")
	}
	cfg, st, err := openConfigured(ctx, stdio, config.ProfileSessions)
	if err != nil {
		return err
	}
	defer st.Close()
	res, eerr := app.EndAllSessions(ctx, cfg, st, time.Now)
	details := map[string]string{"refresh_families": strconv.Itoa(res.Families)}
	if eerr != nil {
		details["complete"] = "false"
	}
	recordEvent(ctx, stdio, st, secevent.SessionsRevoked, secevent.Medium, details)
	if eerr != nil {
		return fmt.Errorf("signing everyone out did not complete (run it again to finish): %w", eerr)
	}
	denyList := "database"
	if res.SharedDenyList {
		denyList = "redis"
	}
	if *asJSON {
		return printJSON(stdio, map[string]any{"refresh_families_revoked": res.Families, "tokens_issued_before": res.TokensIssuedBefore.UTC(),
			"deny_list": denyList, "dashboard_sessions_ended": true, "sessions_cutoff": res.SessionsCutoff.UTC()})
	}
	fmt.Fprintf(stdio.Stdout, "signed everyone out: %d refresh-token families revoked; access tokens issued before %s refused; dashboard sessions ended\n",
		res.Families, res.TokensIssuedBefore.UTC().Format(time.RFC3339))
	if res.SharedDenyList {
		fmt.Fprintln(stdio.Stdout, "the deny-list and the sessions are shared in Redis: every replica applies it at once")
	} else {
		fmt.Fprintln(stdio.Stdout, "the cut-offs are in the database: running servers of this database apply them within a second, and after a restart")
	}
	fmt.Fprintln(stdio.Stdout, "API keys still work: revoke or rotate them if they may be compromised (samo keys revoke ID)")
	return nil
}
