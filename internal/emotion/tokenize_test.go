package emotion

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// tokenStrings returns the tokens of text as strings.
func tokenStrings(text string) []string {
	var t tokens
	tokenize(&t, text)
	out := []string{}
	for i := 0; i < t.len(); i++ {
		b, _ := t.at(i)
		out = append(out, string(b))
	}
	return out
}

func TestTokenize(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", []string{}},
		{"only spaces and punctuation", "  ... , ; ", []string{}},
		{"lowercase and exclamation run", "Thank you SO much!!!", []string{"thank", "you", "so", "much", "!!"}},
		{"single exclamation and question", "Really? Yes!", []string{"really", "?", "yes", "!"}},
		{"mixed ?! kept apart", "what?!?", []string{"what", "?", "!", "?"}},
		{"elongation capped at two", "sooooo goooood", []string{"soo", "good"}},
		{"double letters kept", "cool book", []string{"cool", "book"}},
		{"digits not shortened", "1000 points", []string{"1000", "points"}},
		{"contraction n't", "I don't know", []string{"i", "do", "not", "know"}},
		{"contraction can't won't", "can't won't", []string{"can", "not", "will", "not"}},
		{"contraction clitics", "I'm sure we're fine, they'll see, I'd go, you've won", []string{"i", "am", "sure", "we", "are", "fine", "they", "will", "see", "i", "would", "go", "you", "have", "won"}},
		{"possessive kept as 's", "it's [NAME]'s", []string{"it", "'s", "[name]", "s"}},
		{"curly apostrophe", "I\u2019m happy, don\u2019t", []string{"i", "am", "happy", "do", "not"}},
		{"contraction without apostrophe", "im sure i dont care cant", []string{"i", "am", "sure", "i", "do", "not", "care", "can", "not"}},
		{"quotes stripped", "\u201cgreat\u201d 'idea'", []string{"great", "idea"}},
		{"placeholders whole", "[NAME] met [RELIGION] people [other]", []string{"[name]", "met", "[religion]", "people", "other"}},
		{"emoji tokens", "lol 😂😂😂 ok 😭", []string{"lol", "😂", "😂", "ok", "😭"}},
		{"emoji glued to word", "great😍", []string{"great", "😍"}},
		{"emoji variation selector and skin tone dropped", "I \u2764\ufe0f it 👍🏽", []string{"i", "❤", "it", "👍"}},
		{"emoticons", "thanks:) sad :( love <3 :D", []string{"thanks", ":)", "sad", ":(", "love", "<3", ":d"}},
		{"no emoticon in URL", "see https://x.com/a:D1", []string{"see", "https", "x", "com", "a", "d1"}},
		{"accented letters", "Café ÜBER naïve", []string{"café", "über", "naïve"}},
		{"non-latin script", "Я люблю 日本語", []string{"я", "люблю", "日本語"}},
		{"invalid utf-8 skipped", "ok\xff\xfeyes", []string{"ok", "yes"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tokenStrings(tc.in)
			if !slices.Equal(got, tc.want) {
				t.Errorf("tokenize(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestTokenizeBounded(t *testing.T) {
	long := strings.Repeat("word ", 3*maxTokens)
	if got := len(tokenStrings(long)); got != maxTokens {
		t.Errorf("tokens of a %d-word text = %d, want the cap %d", 3*maxTokens, got, maxTokens)
	}
}

func TestFeaturesStable(t *testing.T) {
	c := DefaultTrainOptions().Features
	var a, b featureBuf
	a.extract("Thank you so much!", c, nil)
	b.extract("THANK   you so much !", c, nil)
	if !slices.Equal(a.word, b.word) {
		t.Errorf("word features differ for texts with the same tokens:\n%v\n%v", a.word, b.word)
	}
	b.extract("Thank you so much?", c, nil)
	if slices.Equal(a.word, b.word) {
		t.Errorf("word features equal for different texts")
	}
	for _, id := range append(a.word, a.char...) {
		if id >= 1<<c.Bits {
			t.Fatalf("bucket %d outside 2^%d", id, c.Bits)
		}
	}
	// " much " has 5+4+3+2 char n-grams of lengths 2..5 (6 padded bytes).
	var f featureBuf
	f.extract("much", c, nil)
	if got, want := len(f.char), 5+4+3+2; got != want {
		t.Errorf("char n-grams of %q = %d, want %d", "much", got, want)
	}
	if got, want := len(f.word), 3; got != want { // unigram, <s>-bigram, </s>-bigram
		t.Errorf("word features of %q = %d, want %d", "much", got, want)
	}
}

func FuzzTokenize(f *testing.F) {
	for _, s := range []string{"", "I'm terrified!!", "[NAME] 😂😂 :)", "don't\xff", "sooooo", "a'", "'", "<3<3", ":-(", "\u2019m"} {
		f.Add(s)
	}
	c := DefaultTrainOptions().Features
	f.Fuzz(func(t *testing.T, s string) {
		var tk tokens
		tokenize(&tk, s)
		if tk.len() > maxTokens {
			t.Fatalf("%d tokens, cap is %d", tk.len(), maxTokens)
		}
		for i := 0; i < tk.len(); i++ {
			b, _ := tk.at(i)
			if len(b) == 0 || !utf8.Valid(b) {
				t.Fatalf("token %d of %q is %q", i, s, b)
			}
		}
		var fb featureBuf
		fb.extract(s, c, nil)
		for _, id := range append(fb.word, fb.char...) {
			if id >= 1<<c.Bits {
				t.Fatalf("bucket %d outside 2^%d", id, c.Bits)
			}
		}
	})
}
