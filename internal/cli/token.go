package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/samo-brain/samo/internal/app"
)

func runToken(ctx context.Context, stdio IO, args []string) error {
	return subcommand(ctx, stdio, "token", args, map[string]func(context.Context, IO, []string) error{
		"issue":  tokenIssue,
		"verify": tokenVerify,
	})
}

// tokenIssue prints an access token for a user, with the permissions of
// the user's role. It is an operator tool: the token is not tied to an API
// key, so only its expiry (JWT_EXPIRY_HOURS), a logout or signing everyone
// out (DELETE /v1/admin/sessions) ends it.
func tokenIssue(ctx context.Context, stdio IO, args []string) error {
	fs := newFlagSet(stdio, "token issue")
	user := fs.String("user", "", "user name")
	asJSON := fs.Bool("json", false, `print {"token","token_type","user"}`)
	if _, err := parseCmd(fs, args); err != nil {
		return err
	}
	if *user == "" {
		return usageError("--user is required")
	}
	cfg, err := loadConfig(stdio, true)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.UserByName(ctx, *user)
	if err != nil {
		return userError(*user, err)
	}
	iss, err := app.Issuer(cfg, time.Now)
	if err != nil {
		return err
	}
	var perms []string
	for _, p := range u.Role.Permissions() {
		perms = append(perms, string(p))
	}
	tok, _, err := iss.Issue(u.ID, perms)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdio.Stdout).Encode(map[string]string{"token": tok, "token_type": "Bearer", "user": u.Name})
	}
	fmt.Fprintln(stdio.Stdout, tok)
	return nil
}

// tokenVerify reads a token on stdin and verifies it with the configured
// keys: exit 0 and the claims as JSON when valid, exit 1 with the reason.
func tokenVerify(_ context.Context, stdio IO, args []string) error {
	fs := newFlagSet(stdio, "token verify")
	at := fs.Int64("at", 0, "verify as of this UNIX time (default now)")
	issuer := fs.String("issuer", "", "expected issuer (default JWT_ISSUER)")
	audience := fs.String("audience", "", "expected audience (default JWT_AUDIENCE)")
	alwaysJSON(fs)
	if _, err := parseCmd(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(stdio, true)
	if err != nil {
		return err
	}
	if *issuer != "" {
		cfg.JWTIssuer = *issuer
	}
	if *audience != "" {
		cfg.JWTAudience = *audience
	}
	iss, err := app.Issuer(cfg, time.Now)
	if err != nil {
		return err
	}
	raw, err := readLimited(stdio.Stdin, 64<<10, "token")
	if err != nil {
		return err
	}
	when := time.Now()
	if *at != 0 {
		when = time.Unix(*at, 0)
	}
	claims, err := iss.Verify(strings.TrimSpace(string(raw)), when)
	if err != nil {
		return fmt.Errorf("invalid token: %w", err)
	}
	return json.NewEncoder(stdio.Stdout).Encode(claims)
}
