package kv

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParseNotice(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		want    Notice
		wantErr bool
	}{
		{"key only", "v1 key_abc123", Notice{KeyID: "key_abc123"}, false},
		{"key and lineage", "v1 key_b key_a", Notice{KeyID: "key_b", Lineage: "key_a"}, false},
		{"user", "u1 usr_abc123", Notice{UserID: "usr_abc123"}, false},
		{"user with two ids", "u1 usr_a usr_b", Notice{}, true},
		{"user without id", "u1", Notice{}, true},
		{"empty", "", Notice{}, true},
		{"no id", "v1", Notice{}, true},
		{"wrong version", "v2 key_a", Notice{}, true},
		{"double space", "v1  key_a", Notice{}, true},
		{"trailing space", "v1 key_a ", Notice{}, true},
		{"too many fields", "v1 a b c", Notice{}, true},
		{"bad character", "v1 key_a\n", Notice{}, true},
		{"glob", "v1 key_*", Notice{}, true},
		{"too long", "v1 " + strings.Repeat("a", 65), Notice{}, true},
	}
	for _, c := range cases {
		got, err := ParseNotice(c.in)
		if (err != nil) != c.wantErr || got != c.want {
			t.Errorf("%s: ParseNotice(%q) = %+v, %v; want %+v, error %v", c.name, c.in, got, err, c.want, c.wantErr)
		}
		if err == nil {
			if back, err := ParseNotice(got.String()); err != nil || back != got {
				t.Errorf("%s: round trip = %+v, %v", c.name, back, err)
			}
		}
	}
}

func FuzzParseNotice(f *testing.F) {
	for _, s := range []string{"v1 key_a", "v1 key_b key_a", "v1", "", "v1 a b c", "v1 \xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseNotice(s)
		if err != nil {
			return
		}
		if n.String() != s {
			t.Errorf("ParseNotice(%q) = %+v, which encodes as %q", s, n, n.String())
		}
	})
}

// TestRevocationBus: notices reach subscribers; every (re)subscription
// triggers a resync, including after the connection is killed.
func TestRevocationBus(t *testing.T) {
	c := testClient(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	notices := make(chan Notice, 10)
	resyncs := make(chan struct{}, 10)
	errs := make(chan error, 10)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = c.SubscribeRevoked(ctx, Subscriber{
			Notice: func(n Notice) { notices <- n },
			Resync: func() { resyncs <- struct{}{} },
			Error: func(err error) {
				select {
				case errs <- err:
				default:
				}
			},
		})
	}()
	wait := func(what string, ch <-chan struct{}) {
		t.Helper()
		select {
		case <-ch:
		case <-time.After(5 * time.Second):
			t.Fatalf("no %s within 5s", what)
		}
	}
	wait("first resync", resyncs)
	want := Notice{KeyID: "key_new", Lineage: "key_first"}
	if err := c.PublishRevoked(ctx, want); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-notices:
		if got != want {
			t.Errorf("notice = %+v, want %+v", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("notice not delivered within 5s")
	}
	// A malformed payload is reported, not delivered.
	if err := c.rdb.Publish(ctx, c.revocationChannel(), "v1 key_*").Err(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errs:
		if !errors.Is(err, ErrBadNotice) {
			t.Errorf("error = %v, want ErrBadNotice", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("malformed notice not reported")
	}
	// Kill the subscriber's connection: it reconnects and resyncs.
	if err := c.rdb.Do(ctx, "CLIENT", "KILL", "TYPE", "pubsub").Err(); err != nil {
		t.Fatal(err)
	}
	wait("resync after reconnect", resyncs)
	if err := c.PublishRevoked(ctx, Notice{KeyID: "key_after"}); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-notices:
		if got.KeyID != "key_after" {
			t.Errorf("after reconnect: notice %+v", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no notice after reconnect")
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("SubscribeRevoked did not return after cancel")
	}
}

func TestPublishRevokedOneShot(t *testing.T) {
	c := testClient(t)
	ctx := context.Background()
	ps := c.rdb.Subscribe(ctx, c.revocationChannel())
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil { // subscription confirmation
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := PublishRevoked(ctx, c.rdb.Options().Addr, Options{}, Notice{KeyID: "x"}); err == nil {
			t.Error("PublishRevoked with a bare address (no scheme) succeeded")
		}
	})
	wg.Wait()
	url := testRedisURL(t)
	if err := PublishRevoked(ctx, url, Options{Prefix: c.prefix}, Notice{KeyID: "key_cli"}); err != nil {
		t.Fatal(err)
	}
	m, err := ps.ReceiveMessage(ctx)
	if err != nil || m.Payload != "v1 key_cli" {
		t.Errorf("received %v, %v; want v1 key_cli", m, err)
	}
	if err := c.PublishRevoked(ctx, Notice{KeyID: "bad id"}); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("PublishRevoked(bad id) err = %v, want ErrInvalidInput", err)
	}
}
