package mask

import (
	"strings"
	"testing"
)

// journal1KB is a realistic 1 KB journal entry with a few entities.
const journal1KB = `Rough week. Monday my manager forwarded my private message to the whole team and I
found out from a coworker. I'm furious at jane.doe@example.com for doing that, and honestly
at myself for trusting her. Therapy on Wednesday helped a bit; Dr. Hollis said to write down
what I actually want instead of replaying the meeting at 3am. So: I want an apology. I want
to stop checking my phone every five minutes. I want to sleep more than 4.5 hours.
Mom called from (212) 555-0123 twice and I didn't pick up, which made me feel guilty all
evening. She means well. Booked the flight for 2024-03-15, paid 412.50 with the card
4111 1111 1111 1111, and saved the itinerary at https://example.com/trips/8812?ref=mail so I
stop losing it. Version 1.22.5 of the app finally fixed the sync bug, small mercies.
Someone tried to log into my account from 203.0.113.42 on Thursday; changed the password.
Friday was better: long walk, soup, called Sam, laughed for the first time in days. Order
#123456789 arrived too, the blue lamp. Tonight I feel tired but lighter. Tomorrow: gym at 7.`

func BenchmarkMask1KB(b *testing.B) {
	m := newTestMasker(b)
	text := journal1KB
	if len(text) < 1000 || len(text) > 1100 {
		b.Fatalf("benchmark text is %d bytes, want about 1 KB", len(text))
	}
	if _, ents := m.Mask(text); len(ents) != 5 {
		b.Fatalf("benchmark text has %d entities, want 5", len(ents))
	}
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		m.Mask(text)
	}
}

// BenchmarkMaskNoPII measures the scanners alone on text with no
// candidates worth confirming.
func BenchmarkMaskNoPII(b *testing.B) {
	m := newTestMasker(b)
	text := strings.Repeat("Today was calm. I walked by the river and thought about nothing much. ", 15)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		m.Mask(text)
	}
}

// BenchmarkMaskDigitHeavy is a worst case for the phone detector: 1 KB of
// grouped digits that are phone candidates but not valid numbers, so every
// region is tried for each.
func BenchmarkMaskDigitHeavy(b *testing.B) {
	m := newTestMasker(b)
	text := strings.Repeat("1234-5678, ", 93)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		m.Mask(text)
	}
}

// BenchmarkMaskPathological feeds 64 KB inputs built to make a careless
// scanner quadratic; the time per byte should stay close to the others.
func BenchmarkMaskPathological(b *testing.B) {
	m := newTestMasker(b)
	inputs := map[string]string{
		"parens": "https://x.org/" + strings.Repeat(")", 1<<16),
		"ats":    strings.Repeat("a.", 1<<14) + strings.Repeat("@", 1<<15),
		"colons": strings.Repeat("1:", 1<<15),
		"dots":   strings.Repeat("1.", 1<<15),
		"digits": strings.Repeat("1 ", 1<<15),
	}
	for name, text := range inputs {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				m.Mask(text)
			}
		})
	}
}
