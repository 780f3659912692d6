// Command samo is the SAMO secure emotion-detection API: one binary that
// serves predictions and carries the operator tooling (keys, tokens, checks,
// reports, incidents, crypto, masking and the model).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/samo-brain/samo/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.StdIO())
	stop()
	os.Exit(code)
}
