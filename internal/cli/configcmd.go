package cli

import (
	"context"

	"github.com/samo-brain/samo/internal/config"
)

func runConfig(ctx context.Context, stdio IO, args []string) error {
	return subcommand(ctx, stdio, "config", args, map[string]func(context.Context, IO, []string) error{
		// reference prints the Markdown table of every variable (the README's
		// "Configuration reference" is generated with it).
		"reference": func(_ context.Context, stdio IO, args []string) error {
			if _, err := parseCmd(newFlagSet(stdio, "config reference"), args); err != nil {
				return err
			}
			return config.WriteReference(stdio.Stdout)
		},
	})
}
