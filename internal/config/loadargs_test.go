package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// ErrUnexpectedArgument reports a positional argument given to Load.
var ErrUnexpectedArgument = errors.New("config: unexpected argument")

// Load is LoadFlags from a command line of configuration flags only, for
// tests: a positional argument is ErrUnexpectedArgument, --help an error
// wrapping flag.ErrHelp.
func Load(getenv func(string) string, args []string) (*Config, error) {
	fs := flag.NewFlagSet("samo", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("%w: %q", ErrUnexpectedArgument, fs.Arg(0))
	}
	return LoadFlags(getenv, f)
}
