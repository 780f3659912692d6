package cli

import (
	"context"
	"fmt"

	"github.com/samo-brain/samo/internal/buildinfo"
)

func runVersion(_ context.Context, io IO, _ []string) error {
	fmt.Fprintf(io.Stdout, "samo %s (%s)\n", buildinfo.Version(), buildinfo.GoVersion())
	return nil
}
