package emotion

import (
	_ "embed" // the default model artifact
	"strings"
)

// defaultModelFile is the trained artifact produced by
// "samo model train --out internal/emotion/default.model".
//
//go:embed default.model
var defaultModelFile string

// Default parses and returns the model embedded in the binary. Each call
// parses the file again (about 4 MB of memory and some milliseconds): call
// it once and keep the model, which is safe for concurrent use.
func Default() (*Model, error) {
	return Load(strings.NewReader(defaultModelFile))
}
