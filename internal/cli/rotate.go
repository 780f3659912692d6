package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/samo-brain/samo/internal/app"
	"github.com/samo-brain/samo/internal/rekey"
	"github.com/samo-brain/samo/internal/seal"
)

// cryptoRotate implements "samo crypto rotate": add a data key, make it
// active once every server can use it, re-encrypt every stored text online
// and retire the old key. Interrupted, it resumes where it stopped.
func cryptoRotate(ctx context.Context, stdio IO, args []string) error {
	fs := newFlagSet(stdio, "crypto rotate")
	settle := fs.Duration("settle", 2*app.KeyringReloadInterval+time.Second, "wait after each keyring change so every server reloads it")
	batch := fs.Int("batch", 200, "rows re-encrypted per batch")
	asJSON := fs.Bool("json", false, "print progress as JSON lines")
	if _, err := parseCmd(fs, args); err != nil {
		return err
	}
	cfg, st, _, err := openKeyring(ctx, stdio) // creates it on a fresh store
	if err != nil {
		return err
	}
	defer st.Close()
	mk, err := app.MasterKey(cfg)
	if err != nil {
		return err
	}
	alg, err := seal.ParseAlgorithm(cfg.EncryptionAlgorithm)
	if err != nil {
		return err
	}
	r := &rekey.Rotator{Store: st, Master: mk, Columns: app.SealedColumns(), Alg: alg, Settle: *settle, Batch: *batch}
	enc := json.NewEncoder(stdio.Stdout)
	tty := isTerminal(stdio.Stderr)
	lastTenth := -1
	return r.Run(ctx, func(p rekey.Progress) {
		if *asJSON {
			_ = enc.Encode(p)
			return
		}
		switch p.Phase {
		case "reencrypting":
			if tty {
				fmt.Fprintf(stdio.Stderr, "\rre-encrypting under %s %s", p.KeyID, bar(p.Done, p.Total))
				return
			}
			// Not a terminal (a log file, a pipe): one plain line per tenth.
			tenth := 10
			if p.Total > 0 {
				tenth = p.Done * 10 / p.Total
			}
			if tenth != lastTenth {
				lastTenth = tenth
				fmt.Fprintf(stdio.Stderr, "re-encrypting under %s: %d/%d (%d%%)\n", p.KeyID, p.Done, p.Total, tenth*10)
			}
		case "retiring":
			if tty {
				fmt.Fprintln(stdio.Stderr)
			}
			fmt.Fprintln(stdio.Stderr, "retiring keys no stored value uses")
		case "done":
			fmt.Fprintf(stdio.Stdout, "rotation done: active key %s, %d values re-encrypted, %d unreadable\n", p.KeyID, p.Done, p.Errors)
		default:
			fmt.Fprintf(stdio.Stderr, "%s %s\n", p.Phase, p.KeyID)
		}
	})
}

// bar renders a 30-character progress bar with counts.
func bar(done, total int) string {
	const width = 30
	filled := width
	pct := 100
	if total > 0 {
		filled = done * width / total
		pct = done * 100 / total
	}
	b := make([]byte, width)
	for i := range b {
		if i < filled {
			b[i] = '#'
		} else {
			b[i] = '.'
		}
	}
	return fmt.Sprintf("[%s] %d/%d (%d%%)", b, done, total, pct)
}
