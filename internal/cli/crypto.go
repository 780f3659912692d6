package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/samo-brain/samo/internal/seal"
)

// Input size limits of the crypto commands that read whole values into
// memory (files are streamed and have no limit).
const (
	maxCryptoInput  = 64 << 20 // a Fernet plaintext or token, a legacy value
	maxPasswordFile = 64 << 10
)

// runCrypto implements "samo crypto": Fernet interop, legacy import and file
// encryption. Key rotation of stored data lives with the store.
func runCrypto(ctx context.Context, stdio IO, args []string) error {
	return subcommand(ctx, stdio, "crypto", args, map[string]func(context.Context, IO, []string) error{
		"fernet":       cryptoFernet,
		"legacy":       cryptoLegacy,
		"encrypt-file": cryptoEncryptFile,
		"decrypt-file": cryptoDecryptFile,
		"rotate":       cryptoRotate,
	})
}

// cryptoFernet implements "samo crypto fernet encrypt|decrypt --key KEY
// [--key OLDKEY ...] [--ttl SECONDS] [--at UNIX_SECONDS]", reading stdin and
// writing stdout. encrypt uses the first key and prints the token and a
// newline; decrypt accepts any key and prints the plaintext as is.
func cryptoFernet(ctx context.Context, stdio IO, args []string) error {
	return subcommand(ctx, stdio, "crypto fernet", args, map[string]func(context.Context, IO, []string) error{
		"encrypt": func(_ context.Context, stdio IO, args []string) error { return fernetCommand(stdio, "encrypt", args) },
		"decrypt": func(_ context.Context, stdio IO, args []string) error { return fernetCommand(stdio, "decrypt", args) },
	})
}

func fernetCommand(stdio IO, mode string, args []string) error {
	fs := newFlagSet(stdio, "crypto fernet "+mode)
	var keys []*seal.FernetKey
	fs.Func("key", "Fernet key (32 bytes, base64url); repeat for old keys, the first encrypts", func(s string) error {
		k, err := seal.ParseFernetKey(s)
		if err != nil {
			return errors.New("not a Fernet key (32 url-safe base64-encoded bytes)")
		}
		keys = append(keys, k)
		return nil
	})
	ttl := fs.Int64("ttl", 0, "decrypt: refuse tokens older than SECONDS (and more than 60 s in the future)")
	at := fs.Int64("at", 0, "the current time in UNIX_SECONDS (default: now); encrypt: the token's timestamp")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case fs.NArg() > 0:
		return usageError("unexpected argument %q", fs.Arg(0))
	case len(keys) == 0:
		return usageError("--key is required")
	case set["ttl"] && mode == "encrypt":
		return usageError("--ttl applies to decrypt only")
	case set["ttl"] && *ttl < 0:
		return usageError("--ttl must not be negative")
	case set["at"] && mode == "decrypt" && !set["ttl"]:
		return usageError("--at applies to decrypt only with --ttl")
	case *ttl > int64(time.Duration(1<<63-1)/time.Second):
		return usageError("--ttl too large")
	}
	now := time.Now()
	if set["at"] {
		now = time.Unix(*at, 0)
	}
	m, err := seal.NewMultiFernet(keys...)
	if err != nil {
		return err
	}
	in, err := readLimited(stdio.Stdin, maxCryptoInput, "input")
	if err != nil {
		return err
	}
	if mode == "encrypt" {
		token, err := m.EncryptAt(in, now)
		if err != nil {
			return fmt.Errorf("fernet encrypt: %w", err)
		}
		_, err = fmt.Fprintln(stdio.Stdout, token)
		return err
	}
	token := strings.TrimSpace(string(in))
	var pt []byte
	if set["ttl"] {
		pt, err = m.DecryptAt(token, time.Duration(*ttl)*time.Second, now)
	} else {
		pt, err = m.Decrypt(token)
	}
	if err != nil {
		return fmt.Errorf("fernet decrypt: %w", err)
	}
	_, err = stdio.Stdout.Write(pt)
	return err
}

// cryptoLegacy implements "samo crypto legacy decrypt --password-file FILE":
// one value stored by the Security Guide's Python DataEncryption on stdin,
// its plaintext on stdout.
func cryptoLegacy(ctx context.Context, stdio IO, args []string) error {
	return subcommand(ctx, stdio, "crypto legacy", args, map[string]func(context.Context, IO, []string) error{
		"decrypt": legacyDecrypt,
		"import":  legacyImport,
	})
}

func legacyDecrypt(_ context.Context, stdio IO, args []string) error {
	fs := newFlagSet(stdio, "crypto legacy decrypt")
	pwFile := fs.String("password-file", "", "file holding the Guide's secret_key (one trailing newline is ignored)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usageError("unexpected argument %q", fs.Arg(0))
	case *pwFile == "":
		return usageError("--password-file is required")
	}
	password, err := readSecretFile(*pwFile)
	if err != nil {
		return err
	}
	defer clear(password)
	in, err := readLimited(stdio.Stdin, maxCryptoInput, "input")
	if err != nil {
		return err
	}
	pt, err := seal.LegacyDecrypt(password, strings.TrimSpace(string(in)))
	if err != nil {
		return fmt.Errorf("legacy decrypt: %w", err)
	}
	_, err = stdio.Stdout.Write(pt)
	return err
}

// cryptoEncryptFile implements "samo crypto encrypt-file IN OUT".
func cryptoEncryptFile(ctx context.Context, stdio IO, args []string) error {
	return fileCommand(ctx, stdio, "encrypt-file", args, func(mk *seal.MasterKey, dst io.Writer, src io.Reader) error {
		w, err := seal.NewWriter(dst, mk)
		if err != nil {
			return err
		}
		if _, err := io.Copy(w, src); err != nil {
			return err
		}
		return w.Close()
	})
}

// cryptoDecryptFile implements "samo crypto decrypt-file IN OUT".
func cryptoDecryptFile(ctx context.Context, stdio IO, args []string) error {
	return fileCommand(ctx, stdio, "decrypt-file", args, func(mk *seal.MasterKey, dst io.Writer, src io.Reader) error {
		r, err := seal.NewReader(src, mk)
		if err != nil {
			return err
		}
		_, err = io.Copy(dst, r)
		return err
	})
}

// fileCommand runs an encrypt-file or decrypt-file transform from IN to a
// temporary file beside OUT, renamed over OUT only on success: a failed
// decryption never leaves partial plaintext behind. The key comes from
// ENCRYPTION_KEY or ENCRYPTION_KEY_FILE.
func fileCommand(ctx context.Context, stdio IO, name string, args []string, transform func(*seal.MasterKey, io.Writer, io.Reader) error) error {
	fs := newFlagSet(stdio, "crypto "+name)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usageError("want two arguments: samo crypto %s IN OUT", name)
	}
	mk, err := masterKeyFromEnv(stdio)
	if err != nil {
		return err
	}
	in, err := os.Open(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	defer in.Close()
	err = writeFileAtomic(fs.Arg(1), func(out io.Writer) error {
		return transform(mk, out, ctxReader{ctx, in})
	})
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// masterKeyFromEnv reads ENCRYPTION_KEY, or the file named by
// ENCRYPTION_KEY_FILE (one trailing newline ignored); setting both is an error.
func masterKeyFromEnv(stdio IO) (*seal.MasterKey, error) {
	value, file := stdio.Getenv("ENCRYPTION_KEY"), stdio.Getenv("ENCRYPTION_KEY_FILE")
	switch {
	case value != "" && file != "":
		return nil, errors.New("set ENCRYPTION_KEY or ENCRYPTION_KEY_FILE, not both")
	case file != "":
		b, err := readSecretFile(file)
		if err != nil {
			return nil, fmt.Errorf("ENCRYPTION_KEY_FILE: %w", err)
		}
		defer clear(b)
		value = string(b)
	case value == "":
		return nil, errors.New("ENCRYPTION_KEY (or ENCRYPTION_KEY_FILE) is not set")
	}
	mk, err := seal.ParseMasterKey(value)
	if err != nil {
		return nil, fmt.Errorf("ENCRYPTION_KEY: %w", err)
	}
	return mk, nil
}

// readSecretFile reads a small secret file and removes one trailing newline
// ("\n" or "\r\n"). An empty secret is an error.
func readSecretFile(name string) ([]byte, error) {
	f, err := os.Open(name) // #nosec G304 -- a path the operator passed on the command line
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := readLimited(f, maxPasswordFile, name)
	if err != nil {
		return nil, err
	}
	b = bytes.TrimSuffix(b, []byte("\n"))
	b = bytes.TrimSuffix(b, []byte("\r"))
	if len(b) == 0 {
		return nil, fmt.Errorf("%s is empty", name)
	}
	return b, nil
}

// readLimited reads all of r, failing if it holds more than limit bytes.
func readLimited(r io.Reader, limit int64, what string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than %s bytes", what, strconv.FormatInt(limit, 10))
	}
	return b, nil
}

// writeFileAtomic writes through fn to a new 0600 temporary file in the
// directory of name, syncs it and renames it to name. On any error the
// temporary file is removed and name is left as it was.
func writeFileAtomic(name string, fn func(io.Writer) error) (err error) {
	dir := filepath.Dir(name)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(name)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err = fn(tmp); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), name); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil { // #nosec G304 -- the directory of the operator's output path
		_ = d.Sync() // best effort: make the rename durable
		_ = d.Close()
	}
	return nil
}

// ctxReader stops reading once ctx is done, so Ctrl-C interrupts a long
// file operation (and its temporary file is removed).
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
