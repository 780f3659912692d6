package apikey

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"hash/crc32"
	"io"
	"math"
	"strings"
	"testing"
	"testing/iotest"
)

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// refChecksum is an independent, obviously-correct encoding of the checksum
// (table lookup and repeated division), to test the branch-free one.
func refChecksum(random string) string {
	v := uint64(crc32.ChecksumIEEE([]byte(random)))
	out := make([]byte, ChecksumLength)
	for i := ChecksumLength - 1; i >= 0; i-- {
		out[i] = alphabet[v%62]
		v /= 62
	}
	return string(out)
}

// refValid is an independent implementation of the format rules.
func refValid(s string) bool {
	if !strings.HasPrefix(s, KeyPrefix) {
		return false
	}
	body := s[len(KeyPrefix):]
	if len(body) < MinLength+ChecksumLength || len(body) > MaxLength+ChecksumLength {
		return false
	}
	for i := 0; i < len(body); i++ {
		if strings.IndexByte(alphabet, body[i]) < 0 {
			return false
		}
	}
	random, sum := body[:len(body)-ChecksumLength], body[len(body)-ChecksumLength:]
	return refChecksum(random) == sum
}

func mustGenerate(t testing.TB, n int) string {
	t.Helper()
	k, err := Generate(n)
	if err != nil {
		t.Fatalf("Generate(%d): %v", n, err)
	}
	return k
}

func TestBase62Digit(t *testing.T) {
	t.Parallel()
	for d := range uint32(62) {
		if got, want := base62Digit(d), alphabet[d]; got != want {
			t.Errorf("base62Digit(%d) = %q, want %q", d, got, want)
		}
	}
}

func TestIsBase62(t *testing.T) {
	t.Parallel()
	for c := range 256 {
		want := 0
		if strings.IndexByte(alphabet, byte(c)) >= 0 {
			want = 1
		}
		if got := isBase62(byte(c)); got != want {
			t.Errorf("isBase62(%#x) = %d, want %d", c, got, want)
		}
	}
}

func TestChecksumMatchesReference(t *testing.T) {
	t.Parallel()
	for _, random := range []string{"", "0", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", "abcdefghijklmnopqrstuvwxyz0123"} {
		got := checksum([]byte(random))
		if string(got[:]) != refChecksum(random) {
			t.Errorf("checksum(%q) = %q, want %q", random, got, refChecksum(random))
		}
	}
}

func TestGenerateRoundTrip(t *testing.T) {
	t.Parallel()
	for _, n := range []int{MinLength, DefaultLength, 40, MaxLength} {
		for range 50 {
			k := mustGenerate(t, n)
			if got, want := len(k), len(KeyPrefix)+n+ChecksumLength; got != want {
				t.Fatalf("len(Generate(%d)) = %d, want %d", n, got, want)
			}
			if err := Parse(k); err != nil {
				t.Fatalf("Parse(Generate(%d)) = %v, want nil", n, err)
			}
			if !refValid(k) {
				t.Fatalf("reference rejects generated key of length %d", n)
			}
		}
	}
}

func TestGenerateRejectsBadLength(t *testing.T) {
	t.Parallel()
	for _, n := range []int{-1, 0, MinLength - 1, MaxLength + 1} {
		if _, err := Generate(n); !errors.Is(err, ErrInvalid) {
			t.Errorf("Generate(%d) error = %v, want ErrInvalid", n, err)
		}
	}
}

func TestGenerateReadError(t *testing.T) {
	t.Parallel()
	r := iotest.ErrReader(errors.New("entropy exhausted"))
	if k, err := generate(r, DefaultLength); err == nil || k != "" {
		t.Errorf("generate(failing reader) = %q, %v; want empty and an error", k, err)
	}
}

// TestRandomBase62Rejection feeds chosen bytes: values 248..255 must be
// skipped, and b mod 62 used otherwise.
func TestRandomBase62Rejection(t *testing.T) {
	t.Parallel()
	in := []byte{255, 0, 248, 61, 62, 250, 247, 123, 249, 124}
	in = append(in, bytes.Repeat([]byte{1}, 16)...)
	got, err := randomBase62(bytes.NewReader(in), 6)
	if err != nil {
		t.Fatal(err)
	}
	want := string([]byte{alphabet[0], alphabet[61], alphabet[0], alphabet[247%62], alphabet[123%62], alphabet[124%62]})
	if got != want {
		t.Errorf("randomBase62 = %q, want %q", got, want)
	}
}

// TestGenerateDistribution checks that every base62 character appears about
// equally often (chi-square, 61 degrees of freedom). A modulo-biased
// generator (byte mod 62) over-represents the first 8 characters by 25 % and
// fails this test by a wide margin.
func TestGenerateDistribution(t *testing.T) {
	t.Parallel()
	const keys = 4000
	var counts [62]int
	total := 0
	for range keys {
		k := mustGenerate(t, DefaultLength)
		for _, c := range []byte(k[len(KeyPrefix) : len(k)-ChecksumLength]) {
			counts[strings.IndexByte(alphabet, c)]++
			total++
		}
	}
	chi := chiSquare(counts[:], total)
	// 61 degrees of freedom: the 99.99th percentile is about 112.
	if chi > 112 {
		t.Errorf("chi-square = %.1f over %d characters, want <= 112 (counts %v)", chi, total, counts)
	}
	// The statistic itself must be able to fail: biased draws are caught.
	var biased [62]int
	buf := make([]byte, total)
	if _, err := rand.Read(buf); err != nil {
		t.Fatal(err)
	}
	for _, b := range buf {
		biased[int(b)%62]++
	}
	if c := chiSquare(biased[:], total); c <= 112 {
		t.Errorf("chi-square of modulo-biased draws = %.1f, want > 112 (test cannot detect bias)", c)
	}
}

func chiSquare(counts []int, total int) float64 {
	exp := float64(total) / float64(len(counts))
	chi := 0.0
	for _, c := range counts {
		d := float64(c) - exp
		chi += d * d / exp
	}
	if math.IsNaN(chi) {
		return math.Inf(1)
	}
	return chi
}

// malformedCases returns one named example of every class of malformed key,
// built around the well-formed key good.
func malformedCases(good string) []struct{ name, key string } {
	random := good[len(KeyPrefix) : len(good)-ChecksumLength]
	sum := good[len(good)-ChecksumLength:]
	flip := func(s string, i int) string { // replace s[i] with another base62 char
		b := []byte(s)
		b[i] = alphabet[(strings.IndexByte(alphabet, b[i])+1)%62]
		return string(b)
	}
	return []struct{ name, key string }{
		{"empty", ""},
		{"prefix only", KeyPrefix},
		{"wrong prefix", "samx_" + random + sum},
		{"upper-case prefix", "SAMO_" + random + sum},
		{"other vendor prefix", "ghp_" + random + sum + "x"},
		{"no prefix", random + sum + "abcde"},
		{"too short", KeyPrefix + random[:MinLength-1] + refChecksum(random[:MinLength-1])},
		{"too long", KeyPrefix + strings.Repeat("a", MaxLength+1) + refChecksum(strings.Repeat("a", MaxLength+1))},
		{"huge", KeyPrefix + strings.Repeat("a", 1<<16)},
		{"non-base62 in random", KeyPrefix + random[:5] + "-" + random[6:] + sum},
		{"non-base62 in checksum", KeyPrefix + random + sum[:5] + "_"},
		{"space", KeyPrefix + random[:10] + " " + random[11:] + sum},
		{"NUL byte", KeyPrefix + random[:10] + "\x00" + random[11:] + sum},
		{"non-ASCII", KeyPrefix + random[:29] + "é" + sum[1:]},
		{"trailing newline", good[:len(good)-1] + "\n"},
		{"leading space", " " + good[:len(good)-1]},
		{"checksum typo", KeyPrefix + random + flip(sum, 5)},
		{"random typo first", KeyPrefix + flip(random, 0) + sum},
		{"random typo last", KeyPrefix + flip(random, len(random)-1) + sum},
		{"checksum missing", KeyPrefix + random},
		{"character deleted", good[:10] + good[11:]},
		{"character inserted", good[:10] + "A" + good[10:]},
	}
}

func TestParseMalformed(t *testing.T) {
	t.Parallel()
	tests := malformedCases(mustGenerate(t, DefaultLength))
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := Parse(tc.key); !errors.Is(err, ErrMalformed) {
				t.Errorf("Parse(%q) = %v, want ErrMalformed", tc.key, err)
			}
			if Valid(tc.key) {
				t.Errorf("Valid(%q) = true, want false", tc.key)
			}
		})
	}
}

// TestChecksumCatchesTypos replaces each character of the random part and
// of the checksum by every other base62 character, and swaps each pair of
// adjacent different characters: every such typo must be rejected.
func TestChecksumCatchesTypos(t *testing.T) {
	t.Parallel()
	checked := 0
	for range 5 {
		good := mustGenerate(t, MinLength)
		for i := len(KeyPrefix); i < len(good); i++ {
			for j := range len(alphabet) {
				if alphabet[j] == good[i] {
					continue
				}
				typo := good[:i] + alphabet[j:j+1] + good[i+1:]
				if Valid(typo) {
					t.Fatalf("substitution at %d accepted: %q", i, typo)
				}
				checked++
			}
			if i+1 < len(good) && good[i] != good[i+1] {
				typo := good[:i] + good[i+1:i+2] + good[i:i+1] + good[i+2:]
				if Valid(typo) {
					t.Fatalf("transposition at %d accepted: %q", i, typo)
				}
				checked++
			}
		}
	}
	if checked < 5*36*60 {
		t.Errorf("checked %d typos, want at least %d", checked, 5*36*60)
	}
}

func TestHash(t *testing.T) {
	t.Parallel()
	a, b := mustGenerate(t, DefaultLength), mustGenerate(t, DefaultLength)
	if got := Hash(a); len(got) != HashSize {
		t.Fatalf("len(Hash) = %d, want %d", len(got), HashSize)
	}
	if !bytes.Equal(Hash(a), Hash(a)) {
		t.Error("Hash is not deterministic")
	}
	if bytes.Equal(Hash(a), Hash(b)) {
		t.Error("different keys hash equal")
	}
	// Every length, on both sides of the stack buffer (maxKeyLen), is the
	// SHA-256 of the whole string: nothing past the buffer is dropped.
	for _, n := range []int{0, 1, maxKeyLen - 1, maxKeyLen, maxKeyLen + 1, 500} {
		s := strings.Repeat("x", n)
		if want := sha256.Sum256([]byte(s)); !bytes.Equal(Hash(s), want[:]) {
			t.Errorf("Hash of %d bytes is not their SHA-256", n)
		}
	}
}

func TestNewID(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 1000 {
		id, err := newID(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(id, IDPrefix) || len(id) != len(IDPrefix)+IDLength {
			t.Fatalf("newID = %q, want %q + %d base62", id, IDPrefix, IDLength)
		}
		if seen[id] {
			t.Fatalf("duplicate id %q", id)
		}
		seen[id] = true
	}
}

func TestCRCTableMatchesStdlib(t *testing.T) {
	t.Parallel()
	if crcTable != *crc32.IEEETable {
		t.Fatal("crcTable differs from hash/crc32.IEEETable")
	}
	for _, s := range []string{"", "a", "123456789", strings.Repeat("xyz", 30)} {
		if got, want := crc32IEEE([]byte(s)), crc32.ChecksumIEEE([]byte(s)); got != want {
			t.Errorf("crc32IEEE(%q) = %#x, want %#x", s, got, want)
		}
	}
}

// countingReader counts the Read calls made on r.
type countingReader struct {
	r     io.Reader
	reads int
}

func (c *countingReader) Read(p []byte) (int, error) {
	c.reads++
	return c.r.Read(p)
}

// randomBase62 reads n+8 bytes up front, in one read even for the longest
// key, and then only the shortfall plus 8: it never asks for more bytes than
// it may need, so a reader holding exactly those bytes suffices.
func TestRandomBase62Reads(t *testing.T) {
	t.Parallel()
	n := MaxLength
	r := &countingReader{r: bytes.NewReader(bytes.Repeat([]byte{7}, n+8))}
	if got, err := randomBase62(r, n); err != nil || got != strings.Repeat(alphabet[7:8], n) {
		t.Fatalf("randomBase62 = %q, %v", got, err)
	}
	if r.reads != 1 {
		t.Errorf("%d reads for a key of %d with nothing rejected, want 1", r.reads, n)
	}
	// 10 rejected bytes in the first n+8: 2 short, so 2+8 more are read.
	in := append(bytes.Repeat([]byte{255}, 10), bytes.Repeat([]byte{7}, n-2)...)
	in = append(in, bytes.Repeat([]byte{8}, 10)...)
	got, err := randomBase62(bytes.NewReader(in), n)
	if want := strings.Repeat(alphabet[7:8], n-2) + alphabet[8:9] + alphabet[8:9]; err != nil || got != want {
		t.Errorf("randomBase62 with 10 rejected bytes = %q, %v; want %q", got, err, want)
	}
}
