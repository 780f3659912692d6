package apikey

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

// update rewrites testdata/golden (a deliberate format change only: keys
// already handed out must keep working, so old files stay and new ones are
// added).
var update = flag.Bool("update", false, "rewrite testdata/golden (a deliberate format change only)")

// goldenKey is an API key as handed to a client and as stored.
type goldenKey struct {
	Key     string `json:"key"`      // the plaintext a client holds (test only)
	HashHex string `json:"hash_hex"` // the stored SHA-256
	Prefix  string `json:"prefix"`   // the display prefix shown in listings
}

const goldenKeysFile = "testdata/golden/keys_v1.json"

// TestGoldenKeys: keys issued by an earlier build are still well-formed,
// hash to what the store holds, show the same prefix and authenticate. A
// change of the alphabet, checksum, prefix or hash input fails here.
func TestGoldenKeys(t *testing.T) {
	t.Parallel()
	if *update {
		var keys []goldenKey
		for _, length := range []int{MinLength, DefaultLength, MaxLength} {
			k, err := generate(rand.Reader, length)
			if err != nil {
				t.Fatal(err)
			}
			keys = append(keys, goldenKey{Key: k, HashHex: hex.EncodeToString(Hash(k)), Prefix: displayPrefix(k)})
		}
		b, _ := json.MarshalIndent(keys, "", "  ")
		if err := os.WriteFile(filepath.Join(goldenKeysFile), append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(goldenKeysFile)
	if err != nil {
		t.Fatalf("golden file missing (go test -run Golden -args -update, for a format change only): %v", err)
	}
	var keys []goldenKey
	if err := json.Unmarshal(b, &keys); err != nil || len(keys) != 3 {
		t.Fatalf("golden keys: %v (%d keys), want 3", err, len(keys))
	}
	f := newFixture(t, Config{})
	for i, g := range keys {
		if err := Parse(g.Key); err != nil {
			t.Errorf("golden key %d no longer parses: %v", i, err)
			continue
		}
		if got := hex.EncodeToString(Hash(g.Key)); got != g.HashHex {
			t.Errorf("golden key %d hashes to %s, stored hash is %s: every issued key would stop working", i, got, g.HashHex)
		}
		if got := displayPrefix(g.Key); got != g.Prefix {
			t.Errorf("golden key %d prefix %q, want %q", i, got, g.Prefix)
		}
		hash, _ := hex.DecodeString(g.HashHex)
		k := Key{ID: "key_golden" + string(rune('A'+i)), UserID: "u1", Hash: hash, Prefix: g.Prefix, Status: StatusActive,
			CreatedAt: f.clock.Now()}
		if err := f.store.CreateKey(context.Background(), k); err != nil {
			t.Fatal(err)
		}
		if got, err := f.svc.Authenticate(context.Background(), g.Key); err != nil || got.ID != k.ID {
			t.Errorf("golden key %d: Authenticate = (%s, %v), want %s", i, got.ID, err, k.ID)
		}
		// One flipped character breaks the checksum.
		bad := []byte(g.Key)
		bad[len(bad)-1] ^= 1
		if Valid(string(bad)) {
			t.Errorf("golden key %d with its last character changed still parses", i)
		}
	}
}
