package store

import (
	"testing"

	"github.com/samo-brain/samo/internal/ids"
	"github.com/samo-brain/samo/internal/ids/idstest"
)

func TestBlockStoreConformance(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			idstest.RunBlockStore(t, func(t *testing.T) ids.BlockStore {
				return backend(t, name)
			})
		})
	}
}
