package mask

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// found renders entities as "TYPE:value" for readable comparisons.
func found(text string, es []Entity) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = string(e.Type) + ":" + runeSlice(text, e.Start, e.End)
	}
	return out
}

// longDomain is a 253-byte domain (the longest allowed) whose first three
// labels have 63 bytes (the longest label).
var longDomain = strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 61)

func TestDetect(t *testing.T) {
	t.Parallel()
	m := newTestMasker(t)
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"email", "I'm furious at jane@example.com!", []string{"EMAIL_ADDRESS:jane@example.com"}},
		{"email trailing dot", "write to a.b@c.co.uk.", []string{"EMAIL_ADDRESS:a.b@c.co.uk"}},
		{"email after dots", "so...jane@example.com", []string{"EMAIL_ADDRESS:jane@example.com"}},
		{"email after a dot", "see .jane@example.com", []string{"EMAIL_ADDRESS:jane@example.com"}},
		{"email idn", "mail jürgen@müller.de now", []string{"EMAIL_ADDRESS:jürgen@müller.de"}},
		{"handle", "thanks @jane and @bob.smith", nil},
		{"package version", "react@18.2.0 and go@v1.22.5", nil},
		{"no tld", "user@localhost", nil},
		{"double at", "a@b.com@c", nil},
		{"us phone", "call (212) 555-0123 now", []string{"PHONE_NUMBER:(212) 555-0123"}},
		{"us phone with 1", "1-800-273-8255", []string{"PHONE_NUMBER:1-800-273-8255"}},
		{"plus cc", "ring +44 20 7946 0958.", []string{"PHONE_NUMBER:+44 20 7946 0958"}},
		{"idd prefix", "dial 0033 1 42 68 53 00", []string{"PHONE_NUMBER:0033 1 42 68 53 00"}},
		{"uk national", "on 020 7946 0958", []string{"PHONE_NUMBER:020 7946 0958"}},
		// Extensions are masked with the number, and one touching it does
		// not hide the number from detection.
		{"extension x touching", "call me at 202-555-0143x7", []string{"PHONE_NUMBER:202-555-0143x7"}},
		{"extension x spaced", "ring 020 7946 0958 x 12 today", []string{"PHONE_NUMBER:020 7946 0958 x 12"}},
		{"extension ext.", "my cell is (202) 555-0143 ext. 45.", []string{"PHONE_NUMBER:(202) 555-0143 ext. 45"}},
		{"extension after a comma", "call (202) 555-0143, Extension 7", []string{"PHONE_NUMBER:(202) 555-0143, Extension 7"}},
		{"extension #", "call (202) 555-0143 #123", []string{"PHONE_NUMBER:(202) 555-0143 #123"}},
		{"extension rfc 3966", "phone: +1-202-555-0143;ext=99", []string{"PHONE_NUMBER:+1-202-555-0143;ext=99"}},
		{"not an extension: a word", "call 202-555-0143 xylophone", []string{"PHONE_NUMBER:202-555-0143"}},
		{"not an extension: 8 digits", "call 202-555-0143 x12345678", []string{"PHONE_NUMBER:202-555-0143"}},
		{"not an extension: digits then letters", "call 202-555-0143 ext12a", []string{"PHONE_NUMBER:202-555-0143"}},
		{"extension ext touching", "call 202-555-0143ext 12", []string{"PHONE_NUMBER:202-555-0143ext 12"}},
		{"de mobile", "Handy 0176 12345678", []string{"PHONE_NUMBER:0176 12345678"}},
		{"fr dots", "04.72.12.34.56", []string{"PHONE_NUMBER:04.72.12.34.56"}},
		{"jp", "03-1234-5678", []string{"PHONE_NUMBER:03-1234-5678"}},
		{"br", "(11) 91234-5678", []string{"PHONE_NUMBER:(11) 91234-5678"}},
		{"unclosed paren", "(call 0412 345 678)", []string{"PHONE_NUMBER:0412 345 678"}},
		{"bare digits with context", "phone: 4155550171", []string{"PHONE_NUMBER:4155550171"}},
		{"bare digits without context", "it was 4155550171", nil},
		{"order id", "order #123456789", nil},
		{"order number context", "order number 212-555-0123", nil},
		{"date", "on 2024-03-15 and 15.03.2024 and 03/15/2024", nil},
		{"year range", "1990-2024", nil},
		{"time", "from 10:30 to 23:45", nil},
		{"price", "$1,845.00 and €2.499,99", nil},
		{"isbn", "ISBN 978-0-306-40615-7", nil},
		{"tracking", "9400 1000 0000 0000 0000 00", nil},
		{"short number", "called 911", nil},
		{"card visa", "card 4111 1111 1111 1111.", []string{"CREDIT_CARD:4111 1111 1111 1111"}},
		{"card amex", "3782-822463-10005", []string{"CREDIT_CARD:3782-822463-10005"}},
		{"card bad luhn", "4111 1111 1111 1112", nil},
		{"card unknown prefix", "1234 5678 9012 3452", nil},
		{"card mixed separators", "4111 1111-1111 1111", nil},
		{"card glued", "x4111111111111111", nil},
		{"ssn", "SSN 536-22-1234", []string{"US_SSN:536-22-1234"}},
		{"ssn dashed without context", "wrote 536-22-1234 down", []string{"US_SSN:536-22-1234"}},
		{"ssn spaced needs context", "number 536 22 1234", nil},
		{"ssn spaced with context", "my social is 536 22 1234", []string{"US_SSN:536 22 1234"}},
		{"ssn bare with context", "ssn 536221234", []string{"US_SSN:536221234"}},
		{"ssn area 000", "000-12-3456", nil},
		{"ssn area 666", "666-12-3456", nil},
		{"ssn area 9xx", "900-12-3456", nil},
		{"ssn group 00", "123-00-4567", nil},
		{"ssn serial 0000", "123-45-0000", nil},
		{"ssn too long", "123-45-67890", nil},
		{"iban spaced", "IBAN DE89 3704 0044 0532 0130 00.", []string{"IBAN_CODE:DE89 3704 0044 0532 0130 00"}},
		{"iban compact", "NL91ABNA0417164300", []string{"IBAN_CODE:NL91ABNA0417164300"}},
		{"iban bad checksum", "DE89 3704 0044 0532 0130 01", nil},
		{"iban wrong length", "DE89 3704 0044 0532 0130 0", nil},
		{"iban odd spacing", "DE89 370400 4405 3201 3000", nil},
		{"ipv4", "from 203.0.113.42.", []string{"IP_ADDRESS:203.0.113.42"}},
		{"ipv4 port", "192.0.2.10:8080", []string{"IP_ADDRESS:192.0.2.10"}},
		{"ipv6", "from 2001:db8::1 today", []string{"IP_ADDRESS:2001:db8::1"}},
		{"ipv6 loopback", "is ::1 in", []string{"IP_ADDRESS:::1"}},
		{"ipv6 trailing colon", "address fe80::1: odd", []string{"IP_ADDRESS:fe80::1"}},
		{"ipv6 trailing dot", "reach 2001:db8::7.", []string{"IP_ADDRESS:2001:db8::7"}},
		{"version prefix", "v1.2.3.4", nil},
		{"version word", "firmware 2.1.0.4 and updated to 1.2.3.4", nil},
		{"three parts", "Go 1.22.5", nil},
		{"five parts", "10.0.0.1.5", nil},
		{"octet too large", "256.1.1.1", nil},
		{"leading zero", "01.02.03.04", nil},
		{"mac", "00:1A:2B:3C:4D:5E", nil},
		{"clock", "12:30:45", nil},
		{"url", "see https://example.com/a?b=1.", []string{"URL:https://example.com/a?b=1"}},
		{"url www", "(www.calm.com/sleep)", []string{"URL:www.calm.com/sleep"}},
		{"url balanced parens", "https://en.wikipedia.org/wiki/Grief_(film)!", []string{"URL:https://en.wikipedia.org/wiki/Grief_(film)"}},
		{"url upper", "HTTP://X.ORG", []string{"URL:HTTP://X.ORG"}},
		{"url in brackets", "[see https://x.org/a]", []string{"URL:https://x.org/a"}},
		{"url balanced brackets", "https://x.org/a[1]]", []string{"URL:https://x.org/a[1]"}},
		{"url no host", "http:// nothing", nil},
		{"bare domain", "reddit.com", nil},
		{"www alone", "www.", nil},
		{"url wins over email", "https://x.com/?e=a@b.com", []string{"URL:https://x.com/?e=a@b.com"}},
		{"url wins over ip", "http://192.168.1.20:8096/web", []string{"URL:http://192.168.1.20:8096/web"}},
		{"iban wins over digits", "DE89 3704 0044 0532 0130 00", []string{"IBAN_CODE:DE89 3704 0044 0532 0130 00"}},
		{"several", "a@b.io, +1 415 555 0132, 10.0.0.5", []string{"EMAIL_ADDRESS:a@b.io", "PHONE_NUMBER:+1 415 555 0132", "IP_ADDRESS:10.0.0.5"}},
		// Edge cases that each kill a mutant of gremlins (docs/testing.md,
		// "Lived mutants").
		{"card right after a short number", "qty 2;4111 1111 1111 1111", []string{"CREDIT_CARD:4111 1111 1111 1111"}},
		{"card 13 digits", "card 4222222222222 ok", []string{"CREDIT_CARD:4222222222222"}},
		{"card 19 digits", "card 4111 1111 1111 1111 110 ok", []string{"CREDIT_CARD:4111 1111 1111 1111 110"}},
		{"email after a leading handle", "@jane: mail jane@example.com", []string{"EMAIL_ADDRESS:jane@example.com"}},
		{"email 64-byte local part", strings.Repeat("a", 64) + "@example.com", []string{"EMAIL_ADDRESS:" + strings.Repeat("a", 64) + "@example.com"}},
		{"email 253-byte domain of 63-byte labels", "x@" + longDomain, []string{"EMAIL_ADDRESS:x@" + longDomain}},
		{"iban of 16 then digits", "pay BE68 5390 0754 7034 50 EUR", []string{"IBAN_CODE:BE68 5390 0754 7034"}},
		{"iban cut at a trailing space", "my IBAN starts DE89 3704 ", nil},
		{"two ibans one separator", "DE89370400440532013000,NL91ABNA0417164300", []string{"IBAN_CODE:DE89370400440532013000", "IBAN_CODE:NL91ABNA0417164300"}},
		{"ipv6 then ipv4 one separator", "2001:db8::1,10.0.0.1", []string{"IP_ADDRESS:2001:db8::1", "IP_ADDRESS:10.0.0.1"}},
		{"two ipv4 one separator", "10.0.0.1,10.0.0.2", []string{"IP_ADDRESS:10.0.0.1", "IP_ADDRESS:10.0.0.2"}},
		{"ipv6 whose only digits are 0", "from fd00:: today", []string{"IP_ADDRESS:fd00::"}},
		{"ipv6 whose only digits are 9", "from fd99::beef today", []string{"IP_ADDRESS:fd99::beef"}},
		{"ipv6-like without a decimal digit", "it is :: or dead::beef", nil},
		{"ipv6 trailing colon, colon two bytes on", "at fe80::1: a: b", []string{"IP_ADDRESS:fe80::1"}},
		{"ipv6-like with two double colons", "1::2::", nil},
		{"phone de slash", "Tel 030/12345678", []string{"PHONE_NUMBER:030/12345678"}},
		{"two phones one separator", "call 212-555-0123;212-555-0123", []string{"PHONE_NUMBER:212-555-0123", "PHONE_NUMBER:212-555-0123"}},
		{"phone (0) trunk prefix", "ring +44 (0)20 7946 0958", []string{"PHONE_NUMBER:+44 (0)20 7946 0958"}},
		{"phone 5-digit area code in parens", "call (01632) 960123", []string{"PHONE_NUMBER:(01632) 960123"}},
		{"phone two parenthesised groups", "call 0(20)(7946)0958", nil},
		{"phone paren inside paren", "(212(555) 0123", nil},
		{"phone after an unclosed paren at the start", "(0412 345 678", []string{"PHONE_NUMBER:0412 345 678"}},
		{"phone in parens", "see (0412 345 678)", []string{"PHONE_NUMBER:0412 345 678"}},
		{"phone then a parenthesised digit", "call 0412 345 678 (2x)", []string{"PHONE_NUMBER:0412 345 678"}},
		{"phone 7 digits", "call 0228 123", []string{"PHONE_NUMBER:0228 123"}},
		{"phone 17 digits with idd", "call 0049 30 12345678901", []string{"PHONE_NUMBER:0049 30 12345678901"}},
		{"phone bad two-group split", "call 212555 0123", nil},
		{"phone area code then groups of three or more", "ring 020 794 60958", []string{"PHONE_NUMBER:020 794 60958"}},
		{"email whose domain starts with www", "mail jane@www.example.com", []string{"EMAIL_ADDRESS:jane@www.example.com"}},
		{"email with z", "mail zoe@example.biz", []string{"EMAIL_ADDRESS:zoe@example.biz"}},
		{"iban with Z", "GB65ZZZZ60161331926819", []string{"IBAN_CODE:GB65ZZZZ60161331926819"}},
		{"card glued after", "4111111111111111x", nil},
		{"card after a time", "10:4111 1111 1111 1111", nil},
		{"context word four words back", "order for the new 0412 345 678", []string{"PHONE_NUMBER:0412 345 678"}},
		{"context word cut by the window", "bar" + "code" + strings.Repeat(" ", 44) + "0412 345 678", []string{"PHONE_NUMBER:0412 345 678"}},
		{"card after a colon", "card:4111 1111 1111 1111", []string{"CREDIT_CARD:4111 1111 1111 1111"}},
		{"two ssns one separator", "536-22-1234;536-22-1234", []string{"US_SSN:536-22-1234", "US_SSN:536-22-1234"}},
		{"two urls one space", "https://a.org https://b.org", []string{"URL:https://a.org", "URL:https://b.org"}},
		{"url in angle brackets", "<https://x.org/a>", []string{"URL:https://x.org/a"}},
		{"url then a C1 control", "https://x.org/a\u0080b", []string{"URL:https://x.org/a"}},
		{"url balanced parens then a closing one", "(https://x.org/a_(b))", []string{"URL:https://x.org/a_(b)"}},
		{"url ipv6 literal", "http://[2001:db8::1]/a", []string{"URL:http://[2001:db8::1]/a"}},
		{"url host starting with a hyphen", "http://-x.org", nil},
		{"www then an empty label", "www..example.com", nil},
		{"www host ending in a dot", "www.example./a", nil},
		{"phone prefix of five digits and a block of six", "call 030123 456789", []string{"PHONE_NUMBER:030123 456789"}},
		{"phone grouped unlike the country", "call 212 55501 23", nil},
		{"phone prefix of two digits and a block of six", "call 022 11234567", []string{"PHONE_NUMBER:022 11234567"}},
		{"phone with its country code, no plus", "call 49 30 12345678", []string{"PHONE_NUMBER:49 30 12345678"}},
		{"phone country code, then grouped as the national format without its trunk prefix", "call 49 900 1 234567", []string{"PHONE_NUMBER:49 900 1 234567"}},
		{"phone trunk prefix the national format leaves out", "call 01800 12 3456", []string{"PHONE_NUMBER:01800 12 3456"}},
		{"phone country code glued to the trunk prefix", "call 4901512 3456789", nil},
		{"phone after a comma after a space", "call ,212-555-0123", []string{"PHONE_NUMBER:212-555-0123"}},
		{"phone after a letter and a colon", "tel:212-555-0123", []string{"PHONE_NUMBER:212-555-0123"}},
		{"url with a non-ASCII path", "see https://de.wikipedia.org/wiki/Müller now", []string{"URL:https://de.wikipedia.org/wiki/Müller"}},
		{"phone inside an email that loses to a longer url", "212-555-0123-+www.ex.co@ex.co/" + strings.Repeat("a", 40),
			[]string{"PHONE_NUMBER:212-555-0123", "URL:www.ex.co@ex.co/" + strings.Repeat("a", 40)}},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := found(tt.text, m.Detect(tt.text))
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("Detect(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestDetectRuneOffsets(t *testing.T) {
	t.Parallel()
	m := newTestMasker(t)
	text := "Ärger über 😡 jane@example.com"
	got := m.Detect(text)
	want := []Entity{{EmailAddress, 13, 29}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Detect(%q) = %v, want %v", text, got, want)
	}
	if v := string([]rune(text)[got[0].Start:got[0].End]); v != "jane@example.com" {
		t.Errorf("span covers %q, want the address", v)
	}
}

func TestMask(t *testing.T) {
	t.Parallel()
	m := newTestMasker(t)
	tests := []struct {
		name, text, want string
	}{
		{"email", "I'm furious at jane@example.com", "I'm furious at <EMAIL_ADDRESS>"},
		{"several", "Call (212) 555-0123 or see https://x.org, card 4111 1111 1111 1111.",
			"Call <PHONE_NUMBER> or see <URL>, card <CREDIT_CARD>."},
		{"nothing", "I feel calm today.", "I feel calm today."},
		{"non-ascii around", "😡 a@b.de 😡", "😡 <EMAIL_ADDRESS> 😡"},
		{"adjacent", "a@b.de,c@d.de", "<EMAIL_ADDRESS>,<EMAIL_ADDRESS>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ents := m.Mask(tt.text)
			if got != tt.want {
				t.Errorf("Mask(%q) = %q, want %q", tt.text, got, tt.want)
			}
			if want := strings.Count(tt.want, "<"); len(ents) != want {
				t.Errorf("Mask(%q) returned %d entities, want %d", tt.text, len(ents), want)
			}
		})
	}
}

func TestWithTypes(t *testing.T) {
	t.Parallel()
	m := newTestMasker(t, WithTypes(EmailAddress))
	text := "a@b.de and 4111 1111 1111 1111"
	got := found(text, m.Detect(text))
	if want := []string{"EMAIL_ADDRESS:a@b.de"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Detect = %q, want %q", got, want)
	}
}

func TestWithPhoneRegions(t *testing.T) {
	t.Parallel()
	text := "0176 12345678"
	if got := newTestMasker(t, WithPhoneRegions("US")).Detect(text); len(got) != 0 {
		t.Errorf("US only: Detect(%q) = %v, want nothing", text, got)
	}
	if got := newTestMasker(t, WithPhoneRegions("de")).Detect(text); len(got) != 1 {
		t.Errorf("DE: Detect(%q) = %v, want one phone number", text, got)
	}
	intl := "+49 176 12345678"
	if got := newTestMasker(t, WithPhoneRegions("US")).Detect(intl); len(got) != 1 {
		t.Errorf("US only: Detect(%q) = %v, want the +CC number anyway", intl, got)
	}
}

func TestNewMaskerErrors(t *testing.T) {
	t.Parallel()
	key := make([]byte, MinKeyLen)
	tests := []struct {
		name string
		key  []byte
		opts []Option
		want error
	}{
		{"nil key", nil, nil, ErrShortKey},
		{"short key", key[:31], nil, ErrShortKey},
		{"unknown type", key, []Option{WithTypes("PASSPORT")}, ErrUnknownType},
		{"unknown region", key, []Option{WithPhoneRegions("XX")}, ErrUnknownRegion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := NewMasker(tt.key, tt.opts...)
			if !errors.Is(err, tt.want) || m != nil {
				t.Errorf("NewMasker() = %v, %v; want nil, %v", m, err, tt.want)
			}
		})
	}
	if _, err := NewMasker(key); err != nil {
		t.Errorf("NewMasker(32-byte key) = %v, want no error", err)
	}
}

func TestPseudonym(t *testing.T) {
	t.Parallel()
	// RFC 4231 test case 6: a 131-byte key of 0xaa.
	key := []byte(strings.Repeat("\xaa", 131))
	m, err := NewMasker(key)
	if err != nil {
		t.Fatal(err)
	}
	const want = "psn_60e431591ee0b67f0d8a26aacbf5b77f" // first 128 bits of the RFC's HMAC
	if got := m.Pseudonym("Test Using Larger Than Block-Size Key - Hash Key First"); got != want {
		t.Errorf("Pseudonym(RFC 4231 case 6) = %q, want %q", got, want)
	}
	if a, b := m.Pseudonym("jane@example.com"), m.Pseudonym("jane@example.com"); a != b {
		t.Errorf("Pseudonym is not stable: %q then %q", a, b)
	}
	if a, b := m.Pseudonym("jane@example.com"), m.Pseudonym("jane@example.org"); a == b {
		t.Errorf("different values share pseudonym %q", a)
	}
	other := newTestMasker(t)
	if a, b := m.Pseudonym("x"), other.Pseudonym("x"); a == b {
		t.Errorf("different keys share pseudonym %q", a)
	}
	key[0] = 0 // the masker must have copied its key
	if got := m.Pseudonym("Test Using Larger Than Block-Size Key - Hash Key First"); got != want {
		t.Errorf("Pseudonym changed after the caller modified the key: %q", got)
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	m := newTestMasker(t)
	text := "Call (212) 555-0123 or mail jane@example.com from 10.0.0.5"
	want, _ := m.Mask(text)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if got, _ := m.Mask(text); got != want {
					t.Errorf("concurrent Mask = %q, want %q", got, want)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestResolve checks the overlap rule on candidate spans directly: within
// a group of overlapping candidates the longest wins, then the type that
// comes first in AllTypes, then the leftmost; disjoint ones all stay.
func TestResolve(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in, want []span
	}{
		{"shorter first loses to a longer later one",
			[]span{{IPAddress, 5, 10}, {PhoneNumber, 8, 20}}, []span{{PhoneNumber, 8, 20}}},
		{"longer lower-priority type wins",
			[]span{{EmailAddress, 0, 20}, {URL, 5, 20}}, []span{{EmailAddress, 0, 20}}},
		{"a longer span wins wherever it starts",
			[]span{{EmailAddress, 0, 12}, {URL, 10, 13}}, []span{{EmailAddress, 0, 12}}},
		{"same length: type priority",
			[]span{{PhoneNumber, 0, 10}, {CreditCard, 0, 10}}, []span{{CreditCard, 0, 10}}},
		{"same start: the longer", []span{{USSSN, 4, 9}, {PhoneNumber, 4, 12}}, []span{{PhoneNumber, 4, 12}}},
		{"same length and type: the leftmost",
			[]span{{PhoneNumber, 5, 15}, {PhoneNumber, 0, 10}}, []span{{PhoneNumber, 0, 10}}},
		{"loser's neighbour survives",
			[]span{{PhoneNumber, 0, 6}, {URL, 4, 9}, {IPAddress, 8, 10}, {EmailAddress, 20, 25}},
			[]span{{PhoneNumber, 0, 6}, {IPAddress, 8, 10}, {EmailAddress, 20, 25}}},
		{"disjoint and touching", []span{{URL, 10, 20}, {EmailAddress, 0, 10}}, []span{{EmailAddress, 0, 10}, {URL, 10, 20}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := resolve(tt.in); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("resolve = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestLooksLikeDate checks the date shortcut of the phone confirmation at
// the edges of its fields and separators.
func TestLooksLikeDate(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		s    string
		want bool
	}{
		{"2024-03-15", true}, {"15.03.2024", true}, {"03/15/2024", true}, {"1900-1-1", true}, {"2099-12-31", true},
		{"31.12.1900", true}, {"1.1.2099", true},
		{"1899-12-31", false}, {"2100-01-01", false}, {"2024-13-15", false}, {"2024-00-15", false},
		{"2024-03-32", false}, {"2024-03-00", false}, {"2024-03-015", false}, {"024-03-15", false},
		{"2024-03.15", false}, {"2024 03 15", false}, {"2024/03/15", true}, {"15/03-2024", false},
		{"15.03.20245", false}, {"2024-03", false}, {"1-2-3-2024", false}, {"13.13.2024", false},
	} {
		if got := looksLikeDate(c.s, digitGroups(c.s)); got != c.want {
			t.Errorf("looksLikeDate(%q) = %v, want %v", c.s, got, c.want)
		}
	}
}

// TestPhoneExtension: the extension after a number ending at "0143", at
// the bounds of what may separate and make it.
func TestPhoneExtension(t *testing.T) {
	t.Parallel()
	tests := []struct {
		after string // the text after the number
		want  string // what phoneExtension adds to the number
	}{
		{"x7", "x7"},
		{"  x7", "  x7"},   // two spaces
		{"   x7", ""},      // three
		{" x: 7", " x: 7"}, // two separators after the marker
		{" x:  7", ""},     // three
		{" x1234567", " x1234567"},
		{" x12345678", ""}, // eight digits
		{", ext. 45", ", ext. 45"},
		{" #12a", ""},
	}
	for _, tc := range tests {
		text := "202-555-0143" + tc.after
		end := phoneExtension(text, len("202-555-0143"))
		if got := text[len("202-555-0143"):end]; got != tc.want {
			t.Errorf("phoneExtension after %q = %q, want %q", tc.after, got, tc.want)
		}
	}
}
