package validate

import (
	"strings"
	"testing"
)

// sqlTokString renders lexSQL's tokens as "kind:text" (kind followed by
// "!" when the token is open): w word, n number, s string, o operator,
// c comment, x other; punctuation stands for itself.
func sqlTokString(s string, toks []sqlTok) string {
	var b strings.Builder
	for i, t := range toks {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(map[uint8]string{tWord: "w", tNum: "n", tStr: "s", tOp: "o", tLP: "(", tRP: ")",
			tComma: ",", tSemi: ";", tStar: "*", tComment: "c", tOther: "x"}[t.kind])
		if t.open {
			b.WriteByte('!')
		}
		b.WriteByte(':')
		b.WriteString(s[t.start:t.end])
	}
	return b.String()
}

// TestSQLLexTokens pins lexSQL's tokens for the edge cases of each branch:
// '+' between digits, dotted names, empty and unterminated quotes, line
// comments with and without letters, MySQL executable comments, closed
// and unclosed inline comments, punctuation, two-byte operators and runs
// of other bytes.
func TestSQLLexTokens(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		ctx  byte
		want string
	}{
		{"1+2", 0, "n:1 x:+ n:2"},
		{"a + b", 0, "w:a w:b"},
		{"+1", 0, "n:1"},
		{"1+", 0, "n:1"},
		{"1+a", 0, "n:1 w:a"},
		{"a+2", 0, "w:a n:2"},
		{"a.b", 0, "w:a.b"},
		{"a. b", 0, "w:a x:. w:b"},
		{"a.", 0, "w:a x:."},
		{"a.@b", 0, "w:a.@b"},
		{"a$b@c", 0, "w:a$b@c"},
		{"_a @@version", 0, "w:_a w:@@version"},
		{"'abc' x", 0, "s:abc w:x"},
		{"'' x", 0, "s: w:x"},
		{"x 'abc", 0, "w:x s!:abc"},
		{"`col` x", 0, "w:col w:x"},
		{"`col", 0, "w!:col"},
		{`"x" y`, 0, "s:x w:y"},
		{"-- c", 0, "c!:-- c"},
		{"-- 1", 0, "c:-- 1"},
		{"#\nx", 0, "c:# w:x"},
		{"a-b", 0, "w:a o:- w:b"},
		{"a-", 0, "w:a o:-"},
		{"/*!50000 union*/ select", 0, "w:union w:select"},
		{"/*!5 x", 0, "w:x"},
		{"/*!123", 0, ""},
		{"*/", 0, "*:* o:/"},
		{"/* x */y", 0, "w:y"},
		{"/**/x", 0, "w:x"},
		{"/* x", 0, "c!:/* x"},
		{"/* 1", 0, "c:/* 1"},
		{"(),;*", 0, "(:( ):) ,:, ;:; *:*"},
		{"a<=b", 0, "w:a o:<= w:b"},
		{"a<=>b", 0, "w:a o:<=> w:b"},
		{"a<=", 0, "w:a o:<="},
		{"a<>>b", 0, "w:a o:<> o:> w:b"},
		{"a<b", 0, "w:a o:< w:b"},
		{"a<", 0, "w:a o:<"},
		{"a!=b", 0, "w:a o:!= w:b"},
		{"a?? b", 0, "w:a x:?? w:b"},
		{"? ?", 0, "x:? x:?"},
		{"?a?", 0, "x:? w:a x:?"},
		{"x' or 1", '\'', "s:x w:or n:1"},
		{"abc", '\'', ""},
		{`x" y`, '"', "s:x w:y"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got := sqlTokString(tt.text, lexSQL(tt.text, tt.ctx, nil))
			if got != tt.want {
				t.Errorf("lexSQL(%q, %q) = %q, want %q", tt.text, tt.ctx, got, tt.want)
			}
		})
	}
}

// TestSQLStripComments pins stripSQLComments on closed, unclosed, empty
// and executable comments.
func TestSQLStripComments(t *testing.T) {
	t.Parallel()
	tests := []struct{ text, want string }{
		{"UN/**/ION", "UNION"},
		{"/**/x", "x"},
		{"x/*1*/y/*2*/z", "xyz"},
		{"/*!50000UNION*/ x", "UNION x"},
		{"/*!a*/b", "ab"},
		{"/*!*/x", "x"},
		{"a/*!1 b", "a b"},
		{"a/*!12", "a"},
		{"a/* b", "a"},
		{"plain", "plain"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if got := stripSQLComments(tt.text); got != tt.want {
				t.Errorf("stripSQLComments(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

// TestSQLDetectShapes pins detectSQL's verdict (confidence and reason of
// the SQL finding, 0 and "" for none) on payloads and near misses for each
// shape: UNION SELECT, stacked statements, word rules, the checks after a
// closed literal, number or ')', integer comparisons and the cheap gate.
func TestSQLDetectShapes(t *testing.T) {
	t.Parallel()
	const (
		union    = "UNION SELECT"
		stacked  = "stacked SQL statement"
		taut     = "SQL tautology"
		probe    = "SQL boolean probe"
		comment  = "string closed and rest of query commented out"
		order    = "ORDER BY column probing"
		having   = "HAVING probe"
		cmp      = "SQL comparison after a closed literal"
		delay    = "SQL time-delay function"
		internal = "reference to database internals"
	)
	tests := []struct {
		text   string
		conf   float64
		reason string
	}{
		// UNION SELECT
		{"union select 1", 0.95, union},
		{"union all select 1", 0.95, union},
		{"union distinct select 1", 0.95, union},
		{"union (select 1", 0.95, union},
		{"union select 'x'", 0.95, union},
		{"union select *", 0.95, union},
		{"union select null", 0.95, union},
		{"union select a, b", 0.95, union},
		{"union select user()", 0.95, union},
		{"union select a=1", 0.95, union},
		{"union select @@version", 0.95, union},
		{"union select a b from t", 0.95, union},
		{"union select a b c from t", 0.95, union},
		{"union select a b c d e f g from t", 0.95, union},
		{"union select a b c d e f g h from t", 0, ""},
		{"union select a", 0, ""},
		{"union all the people", 0, ""},
		// stacked statements
		{"1; drop table 5", 0, ""},
		{"1; drop table if exists 5", 0, ""},
		{"1; drop table if exists users", 0.9, stacked},
		{"1; truncate users", 0.9, stacked},
		{"1; truncate users now", 0, ""},
		{"1; select count(*)", 0.9, stacked},
		{"1; select a b c d e f g from t", 0.9, stacked},
		{"1; select a b c d e f g h from t", 0, ""},
		{"1; waitfor delay '0:0:5'", 0.9, stacked},
		{"1; waitfor time '00:00:05'", 0.9, stacked},
		{"1; copy t from program 'id'", 0.9, stacked},
		{"1; copy t to '/tmp/x'", 0.9, stacked},
		{"1; copy t to me", 0, ""},
		// words
		{"pg_user", 0.8, internal},
		{"waitfor delay '0:0:5'", 0.9, delay},
		{"waitfor time '00:00:05'", 0.9, delay},
		{"into dumpfile '/tmp/x'", 0.85, "SQL writing a file"},
		// string closed and comment
		{"admin')--", 0.85, comment},
		{"admin';--", 0.85, comment},
		{"admin'  --", 0.85, comment},
		{"admin'   --", 0.85, comment},
		{"admin'" + strings.Repeat(" ", 40) + "--", 0.85, comment},
		{"admin' x --", 0, ""},
		{"#\nadmin'#", 0.85, comment},
		// ORDER BY and HAVING
		{"1 order by 3", 0.85, order},
		{"1 order by 3 desc", 0, ""},
		{"1 order by x", 0, ""},
		{"1 having 1=2", 0.85, having},
		{"(1) having 1=1", 0.85, having},
		// OR / AND
		{"x' or (1=1", 0.9, taut},
		{"1 or 1=1", 0.9, taut},
		{"1 or 2=2", 0.9, taut},
		{"1 or 2=3", 0, ""},
		{"(x) or 1=2", 0.85, probe},
		{"(1) or 1=1", 0.9, taut},
		{`x" or "a"="a`, 0.9, taut},
		{"1 or 1 like 1", 0.9, taut},
		{"x' or a is null", 0.75, cmp},
		{"x' or a regexp 'b'", 0.75, cmp},
		{"x' or a rlike 'b'", 0.75, cmp},
		{"x' or a=1", 0.75, cmp},
		{"x' or 1 in (1)", 0.9, taut},
		{"1 or 1 in (1)", 0.9, taut},
		{"x' or 1 in 1", 0, ""},
		{"1 or a=a", 0.85, taut},
		{"(x) or a=a", 0, ""},
		{"x' or ascii = x", 0, ""},
		{"x' or (ascii = x", 0, ""},
		{"1 or ascii(1)", 0.85, probe},
		{"x' or 1", 0.85, taut},
		{"x' or 0", 0, ""},
		{"1 or 1--", 0.85, taut},
		{"1 or 1", 0, ""},
		{"x' or 'a'='a", 0.9, taut},
		{"x' or 'a'=' a", 0.9, taut},
		{"x' or 'a", 0.85, taut},
		{"x' or ''", 0, ""},
		{"x' or 'abcdefghijklmnop", 0.85, taut},
		{"x' or 'abcdefghijklmnopq", 0, ""},
		// integer comparisons
		{"1 or 2>1", 0.9, taut},
		{"1 or 1<2", 0.9, taut},
		{"1 or 2<1", 0, ""},
		{"1 or 01<1", 0, ""},
		{"1 or 01>1", 0, ""},
		{"1 or 01<=1", 0.9, taut},
		{"1 or 2<=1", 0, ""},
		{"1 or 01>=1", 0.9, taut},
		{"1 or 1>=2", 0, ""},
		{"1 or 01<>1", 0, ""},
		{"1 or 2<>1", 0.9, taut},
		{"1 or 01!=1", 0, ""},
		{"1 or 2!=1", 0.9, taut},
		{"1 or 01=1", 0.9, taut},
		{"1 or 2=1", 0, ""},
		{"1 or 123456789>1", 0.9, taut},
		{"1 or 1234567890>1", 0, ""},
		{"1 or 1e5>1", 0, ""},
		{"1 or 12>3", 0.9, taut},
		{"1 or 10>9", 0.9, taut},
		// equal operands make a tautology only with an operator that holds
		// for them; a<a is a false branch, a probe after a closed literal
		{"1 or 1<1", 0, ""},
		{"1 or 1<>1", 0, ""},
		{"1 or 1<=1", 0.9, taut},
		{"1 or 1<=>1", 0.9, taut},
		{"x' or 1<1", 0.85, probe},
		{"x' or 'a'!='a", 0.85, probe},
		{"1 or a<a", 0, ""},
		{"1 or a>=a", 0.85, taut},
		{"1 or a==a", 0.85, taut},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			var f findings
			detectSQL(&f, newInput(tt.text))
			got := f[classIndex(SQL)]
			if got.Confidence != tt.conf || got.Reason != tt.reason {
				t.Errorf("detectSQL(%q) = %v %q, want %v %q", tt.text, got.Confidence, got.Reason, tt.conf, tt.reason)
			}
		})
	}
}
