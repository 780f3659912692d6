package cli

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/samo-brain/samo/internal/buildinfo"
)

// runVersion prints the build description: one line, or JSON with --json.
func runVersion(_ context.Context, stdio IO, args []string) error {
	fs := newFlagSet(stdio, "version")
	asJSON := fs.Bool("json", false, `print {"version","commit","date","go"}`)
	rest, err := parseCmd(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageError("unexpected argument %q", rest[0])
	}
	bi := buildinfo.Get()
	if *asJSON {
		return json.NewEncoder(stdio.Stdout).Encode(bi)
	}
	fmt.Fprintf(stdio.Stdout, "samo %s (commit %s, built %s, %s)\n", bi.Version, bi.Commit, bi.Date, bi.Go)
	return nil
}
