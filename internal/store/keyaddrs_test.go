package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/apikey"
)

// testKeyAddresses: a use seen and flushed by one replica is known to
// another through the store; an address that never used the key is a
// stranger, reported once; each key keeps its most recent addresses only.
func testKeyAddresses(t *testing.T, st *Store) {
	ctx := context.Background()
	now := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	one, two := apikey.NewAddresses(st, clock, nil), apikey.NewAddresses(st, clock, nil)
	one.Seen("key_conf1", "198.51.100.1")
	if err := one.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	if s, err := two.Stranger(ctx, "key_conf1", "198.51.100.1"); err != nil || s {
		t.Errorf("the address replica one saw, on replica two: stranger = %v, %v; want false", s, err)
	}
	if s, err := two.Stranger(ctx, "key_conf1", "203.0.113.9"); err != nil || !s {
		t.Errorf("a new address: stranger = %v, %v; want true", s, err)
	}
	if s, _ := two.Stranger(ctx, "key_conf1", "203.0.113.9"); s {
		t.Error("the same new address was reported twice within the hour")
	}
	if s, _ := two.Stranger(ctx, "key_conf2", "198.51.100.1"); !s {
		t.Error("an address used by another key only is not a stranger")
	}

	// Bounded: 40 addresses, oldest first; the 32 most recent stay.
	var uses []apikey.AddressUse
	for i := range 40 {
		uses = append(uses, apikey.AddressUse{KeyID: "key_conf3", Address: fmt.Sprintf("192.0.2.%d", i), At: now.Add(time.Duration(i) * time.Minute)})
	}
	if err := st.RecordKeyAddresses(ctx, uses, apikey.MaxKeyAddresses); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := st.queryRow(ctx, `SELECT COUNT(*) FROM api_key_addresses WHERE key_id = ?`, "key_conf3").Scan(&n); err != nil || n != apikey.MaxKeyAddresses {
		t.Errorf("rows kept for a key used from 40 addresses: %d, %v; want %d", n, err, apikey.MaxKeyAddresses)
	}
	for i, want := range map[int]bool{0: false, 7: false, 8: true, 39: true} {
		if got, err := st.KeyUsedFrom(ctx, "key_conf3", fmt.Sprintf("192.0.2.%d", i)); err != nil || got != want {
			t.Errorf("address %d kept = %v, %v; want %v", i, got, err, want)
		}
	}
	// An older use does not move last_seen back: address 8 stays newer
	// than address 9 after a stale write of 8.
	stale := []apikey.AddressUse{{KeyID: "key_conf3", Address: "192.0.2.8", At: now}}
	if err := st.RecordKeyAddresses(ctx, stale, apikey.MaxKeyAddresses); err != nil {
		t.Fatal(err)
	}
	var last int64
	if err := st.queryRow(ctx, `SELECT last_seen FROM api_key_addresses WHERE key_id = ? AND address = ?`, "key_conf3", "192.0.2.8").Scan(&last); err != nil || last != ns(now.Add(8*time.Minute)) {
		t.Errorf("last_seen after a stale write: %d, %v; want %d", last, err, ns(now.Add(8*time.Minute)))
	}
}
