package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"text/tabwriter"
	"time"

	"github.com/samo-brain/samo/internal/app"
	"github.com/samo-brain/samo/internal/config"
	"github.com/samo-brain/samo/internal/ids"
	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/store"
)

func runIP(ctx context.Context, stdio IO, args []string) error {
	return subcommand(ctx, stdio, "ip", args, map[string]func(context.Context, IO, []string) error{
		"block":   ipBlock,
		"unblock": ipUnblock,
		"list":    ipList,
	})
}

// detector opens the store and an intrusion detector over the block list
// the servers enforce (hostDetector), recording events straight into the
// store. It reads only config.ProfileIP, in every level: the store's
// settings, REDIS_URL and the detector's (IP_ALLOWLIST,
// IDS_REQUESTS_PER_MINUTE, IDS_BLOCK_THRESHOLD); blocking takes no key of
// the server.
func detector(ctx context.Context, stdio IO) (*ids.Detector, func(), error) {
	cfg, st, err := openConfigured(ctx, stdio, config.ProfileIP)
	if err != nil {
		return nil, nil, err
	}
	d, done, err := hostDetector(cfg, st, storeRecorder(stdio, st))
	if err != nil {
		_ = st.Close()
		return nil, nil, err
	}
	return d, func() { done(); _ = st.Close() }, nil
}

// hostDetector returns an intrusion detector over the block list the
// servers of cfg enforce (app.HostBlockStore): with REDIS_URL Redis's,
// which every replica sees at once, else the database's, which servers
// re-read within a second. done releases what it opened (not st).
func hostDetector(cfg *config.Config, st *store.Store, rec secevent.Recorder) (*ids.Detector, func(), error) {
	blocks, done, err := app.HostBlockStore(cfg, st)
	if err != nil {
		return nil, nil, err
	}
	d, err := ids.New(app.IDSConfig(cfg), blocks, rec, time.Now)
	if err != nil {
		done()
		return nil, nil, err
	}
	return d, done, nil
}

func ipBlock(ctx context.Context, stdio IO, args []string) error {
	fs := newFlagSet(stdio, "ip block")
	dur := fs.Duration("duration", time.Hour, "how long the block lasts")
	reason := fs.String("reason", "", "why (shown to operators)")
	asJSON := fs.Bool("json", false, `print {"ip","until","reason"}`)
	rest, err := parseCmd(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 || *reason == "" {
		return usageError("usage: samo ip block IP --reason TEXT [--duration 1h]")
	}
	ip, err := netip.ParseAddr(rest[0])
	if err != nil {
		return usageError("%q is not an IP address", rest[0])
	}
	d, done, err := detector(ctx, stdio)
	if err != nil {
		return err
	}
	defer done()
	if err := d.Block(ctx, ip, *dur, *reason, actor()); err != nil {
		if errors.Is(err, ids.ErrAllowlisted) {
			return fmt.Errorf("%s is allowlisted (IP_ALLOWLIST) and cannot be blocked", ip)
		}
		if errors.Is(err, ids.ErrInvalidBlock) {
			return usageError("--duration and --reason must be valid (%v)", errors.Unwrap(err))
		}
		return err
	}
	until := time.Now().Add(*dur).UTC().Format(time.RFC3339)
	if *asJSON {
		return json.NewEncoder(stdio.Stdout).Encode(map[string]string{"ip": ids.Subject(ip, 64).String(), "until": until, "reason": *reason})
	}
	fmt.Fprintf(stdio.Stdout, "blocked %s until %s\n", ids.Subject(ip, 64), until)
	return nil
}

func ipUnblock(ctx context.Context, stdio IO, args []string) error {
	fs := newFlagSet(stdio, "ip unblock")
	asJSON := fs.Bool("json", false, `print {"ip","status"}`)
	rest, err := parseCmd(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageError("usage: samo ip unblock IP")
	}
	ip, err := netip.ParseAddr(rest[0])
	if err != nil {
		return usageError("%q is not an IP address", rest[0])
	}
	d, done, err := detector(ctx, stdio)
	if err != nil {
		return err
	}
	defer done()
	if err := d.Unblock(ctx, ip, actor()); err != nil {
		if errors.Is(err, ids.ErrNotBlocked) {
			return fmt.Errorf("%s is not blocked", ip)
		}
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdio.Stdout).Encode(map[string]string{"ip": ip.String(), "status": "unblocked"})
	}
	fmt.Fprintf(stdio.Stdout, "unblocked %s\n", ip)
	return nil
}

func ipList(ctx context.Context, stdio IO, args []string) error {
	fs := newFlagSet(stdio, "ip list")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseCmd(fs, args); err != nil {
		return err
	}
	d, done, err := detector(ctx, stdio)
	if err != nil {
		return err
	}
	defer done()
	st, err := d.Status(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdio.Stdout).Encode(st.Blocked)
	}
	tw := tabwriter.NewWriter(stdio.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "IP\tUNTIL\tREMAINING\tBY\tREASON")
	for _, b := range st.Blocked {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", b.IP, b.Until.UTC().Format(time.RFC3339),
			time.Until(b.Until).Round(time.Second), b.By, b.Reason)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(stdio.Stderr, "suspicious (not yet blocked) clients are tracked per server: see GET /v1/admin/security/status")
	return nil
}
