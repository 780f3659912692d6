package store

import (
	"testing"

	"github.com/samo-brain/samo/internal/ids"
	"github.com/samo-brain/samo/internal/ids/idstest"
)

func TestBlockStoreConformance(t *testing.T) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			idstest.RunBlockStore(t, func(t *testing.T) ids.BlockStore {
				st, ok := backends(t)[name]
				if !ok {
					t.Skip("SAMO_TEST_POSTGRES_URL not set")
				}
				return st
			})
		})
	}
}
