package seal

import (
	"errors"
	"testing"
	"time"
)

func TestUpdateAdoptsNewerRevision(t *testing.T) {
	t.Parallel()
	mk, _ := NewMasterKey(make([]byte, MasterKeySize))
	live, err := New(AES256GCM, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	blob, _ := live.Wrap(mk)
	other, _ := Unwrap(blob, mk, time.Now) // another process
	id, _ := other.AddKey(AES256GCM)
	_ = other.SetActive(id)
	sealed, _ := other.Seal([]byte("x"), AAD("t", "c", "1"))
	if _, err := live.Open(sealed, AAD("t", "c", "1")); err == nil {
		t.Fatal("live keyring opened a value under a key it does not have yet")
	}
	changed, err := live.Update(other)
	if err != nil || !changed || live.Active().ID != id {
		t.Fatalf("Update = %v, %v; active %s, want %s", changed, err, live.Active().ID, id)
	}
	if pt, err := live.Open(sealed, AAD("t", "c", "1")); err != nil || string(pt) != "x" {
		t.Errorf("after Update: Open = %q, %v", pt, err)
	}
	if changed, _ := live.Update(other); changed {
		t.Error("Update with the same revision changed the keyring")
	}
	stranger, _ := New(AES256GCM, time.Now)
	_, _ = stranger.AddKey(AES256GCM)
	_, _ = stranger.AddKey(AES256GCM)
	if _, err := live.Update(stranger); !errors.Is(err, ErrForeignKeyring) {
		t.Errorf("Update from another deployment's keyring: %v, want ErrForeignKeyring", err)
	}
}
