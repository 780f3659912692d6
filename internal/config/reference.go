package config

import (
	"fmt"
	"io"
	"strings"
)

// WriteReference writes the configuration reference as a Markdown table
// (variable, flag, default, type, description), one row per Describe entry.
// The README's "Configuration reference" section is produced with it.
func WriteReference(w io.Writer) error {
	var b strings.Builder
	b.WriteString("| Variable | Flag | Default | Type | Description |\n|---|---|---|---|---|\n")
	for _, s := range Describe() {
		flag := "—"
		if s.Flag != "" {
			flag = "`--" + s.Flag + "`"
		}
		def := "—"
		if s.Default != "" {
			def = "`" + s.Default + "`"
		}
		doc := s.Doc
		if s.Secret {
			doc += "; also `" + s.Name + "_FILE`"
		}
		if s.DevGenerated {
			doc += "; generated in development"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", s.Name, flag, def, s.Type, strings.ReplaceAll(doc, "|", `\|`))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
