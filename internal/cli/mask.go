package cli

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/samo-brain/samo/internal/mask"
)

// maxMaskInput bounds what samo mask reads from stdin.
const maxMaskInput = 4 << 20

var (
	errMaskTooLarge = errors.New("mask: input larger than 4 MiB")
	errMaskNotUTF8  = errors.New("mask: input is not valid UTF-8")
)

// maskOutput is what samo mask --json prints: the masked text and the
// entities found, with offsets in code points of the input.
type maskOutput struct {
	Text     string        `json:"text"`
	Entities []mask.Entity `json:"entities"`
}

// runMask implements "samo mask [--json]": it reads stdin as one text and
// writes it with every detected entity replaced by "<TYPE>".
func runMask(_ context.Context, stdio IO, args []string) error {
	fs := newFlagSet(stdio, "mask")
	asJSON := fs.Bool("json", false, `print {"text","entities":[{"type","start","end"}]} instead of the masked text`)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("unexpected argument %q (the text is read from stdin)", fs.Arg(0))
	}
	in, err := io.ReadAll(io.LimitReader(stdio.Stdin, maxMaskInput+1))
	if err != nil {
		return fmt.Errorf("mask: reading stdin: %w", err)
	}
	if len(in) > maxMaskInput {
		return errMaskTooLarge
	}
	if !utf8.Valid(in) {
		return errMaskNotUTF8
	}
	// Pseudonyms are not printed, so a throwaway key is enough.
	key := make([]byte, mask.MinKeyLen)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("mask: %w", err)
	}
	m, err := mask.NewMasker(key)
	if err != nil {
		return err
	}
	text, entities := m.Mask(string(in))
	if !*asJSON {
		_, err := io.WriteString(stdio.Stdout, text)
		return err
	}
	if entities == nil {
		entities = []mask.Entity{}
	}
	enc := json.NewEncoder(stdio.Stdout)
	enc.SetEscapeHTML(false)
	return enc.Encode(maskOutput{Text: text, Entities: entities})
}
