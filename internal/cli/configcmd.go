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
			fs := newFlagSet(stdio, "config reference")
			asJSON := jsonFlag(fs, `print [{"name","flag","default","type","description","secret","dev_generated"}]`)
			rest, err := parseCmd(fs, args)
			if err != nil {
				return err
			}
			if len(rest) > 0 {
				return usageError("usage: samo config reference [--json]")
			}
			if *asJSON {
				return printJSON(stdio, referenceJSON())
			}
			return config.WriteReference(stdio.Stdout)
		},
	})
}

// settingJSON is one variable of "samo config reference --json".
type settingJSON struct {
	Name         string `json:"name"`
	Flag         string `json:"flag,omitempty"`
	Default      string `json:"default"`
	Type         string `json:"type"`
	Description  string `json:"description"`
	Secret       bool   `json:"secret"`
	DevGenerated bool   `json:"dev_generated"`
}

func referenceJSON() []settingJSON {
	all := config.Describe()
	out := make([]settingJSON, 0, len(all))
	for _, s := range all {
		out = append(out, settingJSON{Name: s.Name, Flag: s.Flag, Default: s.Default, Type: s.Type,
			Description: s.Doc, Secret: s.Secret, DevGenerated: s.DevGenerated})
	}
	return out
}
