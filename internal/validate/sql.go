package validate

import "strings"

// Functions used in boolean- and time-based blind injection probes.
const sqlProbeFuncs = "sleep pg_sleep benchmark ascii ord substring substr mid length len if iif char chr exists count updatexml extractvalue user database version current_user system_user randomblob hex unhex concat cast convert load_file dbms_pipe.receive_message dbms_lock.sleep utl_inaddr.get_host_name utl_http.request instr left right db_name"

// Names that only appear in SQL aimed at a database's internals.
const sqlSensitiveNames = "information_schema information_schema.tables information_schema.columns information_schema.schemata @@version @@datadir @@hostname @@basedir sysobjects syscolumns sys.objects sys.tables master..sysdatabases xp_cmdshell sp_executesql sp_oacreate sp_configure sqlite_master sqlite_schema pg_shadow pg_user mysql.user pg_read_file lo_import dbms_xmlgen.getxml utl_http.request utl_inaddr.get_host_name sys.user$ all_users"

// detectSQL lexes the text as SQL three ways — as is (numeric context) and
// as if pasted inside a '...' or "..." literal — with and without /* */
// comments, and looks for injection shapes in the token stream: a closed
// literal followed by OR/AND and a tautology or probe, a closed literal
// followed by a comment that ends the input, UNION SELECT, a stacked
// statement after ';', time-delay functions, ORDER BY column probing, and
// names of database internals. Prose with apostrophes lexes into strings and
// words that match none of these shapes.
func detectSQL(f *findings, in *input) {
	if !sqlRelevant(in.lower) {
		return
	}
	toks := make([]sqlTok, 0, len(in.dec)/4+16)
	views := []string{in.dec}
	if strings.Contains(in.dec, "/*") {
		views = append(views, stripSQLComments(in.dec))
	}
	for _, v := range views {
		toks = lexSQL(v, 0, toks)
		matchSQL(f, v, toks, false)
		for _, q := range [...]byte{'\'', '"'} {
			if strings.IndexByte(v, q) >= 0 {
				toks = lexSQL(v, q, toks)
				matchSQL(f, v, toks, true)
			}
		}
	}
}

type sqlMatcher struct {
	s    string
	toks []sqlTok
}

func (m *sqlMatcher) kind(i int) uint8 {
	if i < 0 || i >= len(m.toks) {
		return 0
	}
	return m.toks[i].kind
}

func (m *sqlMatcher) text(i int) string {
	t := m.toks[i]
	return m.s[t.start:t.end]
}

// kw reports whether token i is the word w (lower case), case-insensitively.
func (m *sqlMatcher) kw(i int, w string) bool {
	if m.kind(i) != tWord {
		return false
	}
	return strings.EqualFold(m.text(i), w)
}

func (m *sqlMatcher) lowerWord(i int) string {
	if m.kind(i) != tWord {
		return ""
	}
	return asciiLower(m.text(i))
}

func (m *sqlMatcher) op(i int, ops string) bool {
	return m.kind(i) == tOp && inSet(m.text(i), ops)
}

func (m *sqlMatcher) literal(i int) bool {
	k := m.kind(i)
	return k == tNum || k == tStr || m.kw(i, "true") || m.kw(i, "null")
}

// endish reports the end of input, or a token after which a payload ends.
func (m *sqlMatcher) endish(i int) bool {
	k := m.kind(i)
	return k == 0 || k == tComment || k == tSemi || k == tRP
}

func matchSQL(f *findings, s string, toks []sqlTok, quoted bool) {
	m := &sqlMatcher{s: s, toks: toks}
	for i := range toks {
		switch {
		case m.kw(i, "union"):
			m.union(f, i)
		case toks[i].kind == tSemi:
			if m.statement(i + 1) {
				f.add(SQL, 0.9, "stacked SQL statement")
			}
		case toks[i].kind == tWord:
			m.word(f, i)
		}
		if k := toks[i].kind; k == tStr || k == tNum || k == tRP {
			m.afterOperand(f, i, quoted)
		}
	}
}

func (m *sqlMatcher) union(f *findings, i int) {
	j := i + 1
	if m.kw(j, "all") || m.kw(j, "distinct") {
		j++
	}
	if m.kind(j) == tLP {
		j++
	}
	if !m.kw(j, "select") {
		return
	}
	k := j + 1
	switch {
	case m.kind(k) == tNum || m.kind(k) == tStr || m.kind(k) == tStar || m.kw(k, "null"):
	case m.kind(k) == tWord && (m.kind(k+1) == tComma || m.kind(k+1) == tLP || m.kind(k+1) == tOp || strings.HasPrefix(m.text(k), "@@")):
	default:
		from := false
		for n := 1; n < 8 && m.kind(k+n) != 0; n++ {
			from = from || m.kw(k+n, "from")
		}
		if !from {
			return
		}
	}
	f.add(SQL, 0.95, "UNION SELECT")
}

// statement reports a destructive or data-reading statement starting at j:
// its first word chooses the rule in sqlStatements that checks the rest.
func (m *sqlMatcher) statement(j int) bool {
	rule, ok := sqlStatements[m.lowerWord(j)]
	return ok && rule(m, j)
}

// sqlStatements maps a statement's first word to the check of the words
// after it (j is the first word's token).
var sqlStatements = map[string]func(m *sqlMatcher, j int) bool{
	"drop": func(m *sqlMatcher, j int) bool {
		k := j + 1
		if !inSet(m.lowerWord(k), "table database schema view user index procedure function trigger") {
			return false
		}
		k++
		if m.kw(k, "if") && m.kw(k+1, "exists") {
			k += 2
		}
		return m.kind(k) == tWord
	},
	"delete": func(m *sqlMatcher, j int) bool { return m.kw(j+1, "from") && m.kind(j+2) == tWord },
	"insert": func(m *sqlMatcher, j int) bool { return m.kw(j+1, "into") && m.kind(j+2) == tWord },
	"update": func(m *sqlMatcher, j int) bool { return m.kind(j+1) == tWord && m.kw(j+2, "set") },
	"truncate": func(m *sqlMatcher, j int) bool {
		return m.kw(j+1, "table") || (m.kind(j+1) == tWord && m.endish(j+2))
	},
	"alter": func(m *sqlMatcher, j int) bool {
		return inSet(m.lowerWord(j+1), "table user database login") && m.kind(j+2) == tWord
	},
	"create": func(m *sqlMatcher, j int) bool {
		return inSet(m.lowerWord(j+1), "table user database procedure function trigger login role") && m.kind(j+2) == tWord
	},
	"select": func(m *sqlMatcher, j int) bool {
		k := j + 1
		if m.kind(k) == tNum || m.kind(k) == tStar || m.kind(k) == tStr || m.kw(k, "null") || (m.kind(k) == tWord && (m.kind(k+1) == tLP || strings.HasPrefix(m.text(k), "@@"))) {
			return true
		}
		for n := 0; n < 8 && m.kind(k+n) != 0; n++ {
			if m.kw(k+n, "from") {
				return true
			}
		}
		return false
	},
	"exec":     sqlExec,
	"execute":  sqlExec,
	"shutdown": func(m *sqlMatcher, j int) bool { return m.endish(j+1) || m.kw(j+1, "with") },
	"waitfor": func(m *sqlMatcher, j int) bool {
		return (m.kw(j+1, "delay") || m.kw(j+1, "time")) && m.kind(j+2) == tStr
	},
	"declare": func(m *sqlMatcher, j int) bool { return strings.HasPrefix(m.lowerWord(j+1), "@") },
	"copy": func(m *sqlMatcher, j int) bool {
		return m.kind(j+1) == tWord && (m.kw(j+2, "from") || m.kw(j+2, "to")) && (m.kw(j+3, "program") || m.kind(j+3) == tStr)
	},
	"load":   func(m *sqlMatcher, j int) bool { return m.kw(j+1, "data") },
	"attach": func(m *sqlMatcher, j int) bool { return m.kw(j+1, "database") },
	"rename": func(m *sqlMatcher, j int) bool { return m.kw(j+1, "table") },
}

// sqlExec: EXEC of a parenthesised string or of a system procedure.
func sqlExec(m *sqlMatcher, j int) bool {
	x := m.lowerWord(j + 1)
	return m.kind(j+1) == tLP || strings.HasPrefix(x, "xp_") || strings.HasPrefix(x, "sp_") || strings.HasPrefix(x, "master")
}

// word checks time-delay functions and names of database internals: a
// word of sqlWords is judged by its rule, any other by the list of
// sensitive names.
func (m *sqlMatcher) word(f *findings, i int) {
	w := m.lowerWord(i)
	if rule, ok := sqlWords[w]; ok {
		if rule.match(m, i) {
			f.add(SQL, rule.conf, rule.reason)
		}
		return
	}
	if len(w) >= 7 && (inSet(w, sqlSensitiveNames) || strings.HasPrefix(w, "information_schema.")) {
		f.add(SQL, 0.8, "reference to database internals")
	}
}

// sqlWordRule is a finding for a word whose following tokens match.
type sqlWordRule struct {
	match  func(m *sqlMatcher, i int) bool
	conf   float64
	reason string
}

// sqlWords maps a function or keyword to the tokens after it that make it
// an injection.
var sqlWords = func() map[string]sqlWordRule {
	sleep := sqlWordRule{func(m *sqlMatcher, i int) bool {
		return m.kind(i+1) == tLP && m.kind(i+2) == tNum && m.kind(i+3) == tRP
	}, 0.8, "SQL time-delay function"}
	readFile := sqlWordRule{func(m *sqlMatcher, i int) bool { return m.kind(i+1) == tLP },
		0.85, "SQL function reading files or leaking errors"}
	return map[string]sqlWordRule{
		"sleep": sleep, "pg_sleep": sleep, "dbms_lock.sleep": sleep,
		"benchmark": {func(m *sqlMatcher, i int) bool {
			return m.kind(i+1) == tLP && m.kind(i+2) == tNum && m.kind(i+3) == tComma
		}, 0.85, "SQL time-delay function"},
		"waitfor": {func(m *sqlMatcher, i int) bool {
			return (m.kw(i+1, "delay") || m.kw(i+1, "time")) && m.kind(i+2) == tStr
		}, 0.9, "SQL time-delay function"},
		"dbms_pipe.receive_message": {func(*sqlMatcher, int) bool { return true }, 0.85, "SQL time-delay function"},
		"into": {func(m *sqlMatcher, i int) bool { return m.kw(i+1, "outfile") || m.kw(i+1, "dumpfile") },
			0.85, "SQL writing a file"},
		"load_file": readFile, "extractvalue": readFile, "updatexml": readFile, "pg_read_file": readFile, "lo_import": readFile,
	}
}()

// afterOperand checks what follows a literal or ')' that may have closed
// the application's own literal: OR/AND with a tautology or probe, a
// trailing comment, or ORDER BY / HAVING probing.
func (m *sqlMatcher) afterOperand(f *findings, i int, quoted bool) {
	breakout := m.kind(i) == tStr && !m.toks[i].open && quoted
	j := i + 1
	for m.kind(j) == tRP {
		j++
	}
	// admin'--   admin' #   admin')--   x';--   admin'      -- (blanks
	// between are insignificant to SQL, however many)
	if breakout && m.kind(i) == tStr {
		k := j
		if m.kind(k) == tSemi {
			k++
		}
		if m.kind(k) == tComment && !m.toks[k].open && k == len(m.toks)-1 && int(m.toks[k].end) == len(m.s) {
			f.add(SQL, 0.85, "string closed and rest of query commented out")
		}
	}
	if m.kw(j, "order") && m.kw(j+1, "by") && m.kind(j+2) == tNum && (breakout || m.endish(j+3)) {
		f.add(SQL, 0.85, "ORDER BY column probing")
	}
	if m.kw(j, "having") && m.literal(j+1) && m.op(j+2, "=") && m.literal(j+3) {
		f.add(SQL, 0.85, "HAVING probe")
	}
	if !(m.kw(j, "or") || m.kw(j, "and") || m.kw(j, "xor") || m.op(j, "|| &&")) {
		return
	}
	j++
	for m.kw(j, "not") || m.kind(j) == tLP {
		j++
	}
	strongCtx := breakout || m.kind(i) == tRP
	switch {
	case m.kw(j, "select"):
		f.add(SQL, 0.9, "boolean subquery after a closed literal")
	case m.kind(j+1) == tOp && isSQLCmp(m.text(j+1)) || m.kw(j+1, "like") || m.kw(j+1, "is") || m.kw(j+1, "in") || m.kw(j+1, "regexp") || m.kw(j+1, "rlike"):
		a, b := j, j+2
		if m.kw(j+1, "in") {
			if m.kind(b) != tLP {
				return
			}
			b++
		}
		switch {
		case m.literal(a) && m.literal(b) && m.sameLiteral(a, b) && m.reflexive(j+1):
			f.add(SQL, 0.9, "SQL tautology")
		case m.literal(a) && m.literal(b) && m.trueNumeric(a, j+1, b):
			f.add(SQL, 0.9, "SQL tautology")
		case strongCtx && m.literal(a) && m.literal(b):
			f.add(SQL, 0.85, "SQL boolean probe")
		case m.kind(a) == tWord && m.kind(b) == tWord && strings.EqualFold(m.text(a), m.text(b)) && m.kind(i) != tRP && m.reflexive(j+1):
			f.add(SQL, 0.85, "SQL tautology")
		case breakout && m.kind(a) == tWord && m.literal(b):
			f.add(SQL, 0.75, "SQL comparison after a closed literal")
		}
	case m.kind(j) == tWord && m.kind(j+1) == tLP && inSet(m.lowerWord(j), sqlProbeFuncs):
		f.add(SQL, 0.85, "SQL boolean probe")
	case m.literal(j) && m.endish(j+1) && m.truthy(j):
		// ' OR 1--  ' OR 'x   1 OR 1=...; a bare "7 or 8" is prose, so
		// without a closed literal the payload must end in a comment.
		if breakout || (m.kind(i) == tNum && m.kind(j+1) == tComment) {
			f.add(SQL, 0.85, "SQL tautology")
		}
	}
}

func isSQLCmp(op string) bool {
	return inSet(op, "= == <> != < > <= >= <=>")
}

// reflexive reports whether the comparison at k holds between equal
// operands (a=a, a<=a, a LIKE a), so that it makes a tautology of them; a<a
// and a<>a are never true.
func (m *sqlMatcher) reflexive(k int) bool {
	return m.kind(k) != tOp || inSet(m.text(k), "= == <= >= <=>")
}

func (m *sqlMatcher) sameLiteral(a, b int) bool {
	ta, tb := m.text(a), m.text(b)
	if m.kind(a) == tStr && m.toks[a].open || m.kind(b) == tStr && m.toks[b].open {
		// the application supplies the closing quote
		return strings.EqualFold(strings.TrimSpace(ta), strings.TrimSpace(tb))
	}
	return strings.EqualFold(ta, tb)
}

// trueNumeric reports a comparison of two integers that holds (2>1).
func (m *sqlMatcher) trueNumeric(a, op, b int) bool {
	if m.kind(a) != tNum || m.kind(b) != tNum {
		return false
	}
	x, okx := smallInt(m.text(a))
	y, oky := smallInt(m.text(b))
	if !okx || !oky {
		return false
	}
	switch m.text(op) {
	case "<":
		return x < y
	case ">":
		return x > y
	case "<=":
		return x <= y
	case ">=":
		return x >= y
	case "<>", "!=":
		return x != y
	}
	return x == y
}

func smallInt(s string) (int, bool) {
	if len(s) == 0 || len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

func (m *sqlMatcher) truthy(j int) bool {
	switch m.kind(j) {
	case tNum:
		n, ok := smallInt(m.text(j))
		return ok && n != 0
	case tStr:
		// ' OR 'x: the application closes the literal. A long open
		// "string" with spaces is prose that happens to follow a quote.
		v := m.text(j)
		return v != "" && (!m.toks[j].open || (len(v) <= 16 && !strings.ContainsAny(v, " \t\n")))
	}
	return m.kw(j, "true")
}

// sqlRelevant is a cheap gate: every shape detectSQL looks for needs a
// comment marker, a logical operator or one of a few SQL words, so text
// without any of them (most prose) skips the lexers.
func sqlRelevant(l string) bool {
	if strings.Contains(l, "--") || strings.IndexByte(l, '#') >= 0 || strings.Contains(l, "/*") ||
		strings.Contains(l, "||") || strings.Contains(l, "&&") {
		return true
	}
	for i := 0; i < len(l); {
		c := l[i]
		if !isLetter(c) && c != '_' && c != '@' {
			i++
			continue
		}
		j := i + 1
		for j < len(l) && (isIdent(l[j]) || l[j] == '@' || l[j] == '.' || l[j] == '$') {
			j++
		}
		if i == 0 || !isIdent(l[i-1]) {
			w := strings.TrimRight(l[i:j], ".")
			switch w {
			case "or", "and", "xor":
				// Only after a closed literal, a number or ')'.
				if k := skipSpaceBack(l, i-1); k >= 0 && (l[k] == '\'' || l[k] == '"' || l[k] == ')' || isDigit(l[k])) {
					return true
				}
			default:
				if sqlKeyword(w) {
					return true
				}
			}
		}
		i = j
	}
	return false
}

func sqlKeyword(w string) bool {
	switch w {
	case "union", "select", "order", "having", "sleep", "pg_sleep", "benchmark", "waitfor",
		"drop", "delete", "insert", "update", "truncate", "alter", "create", "exec", "execute", "shutdown",
		"declare", "copy", "load", "attach", "rename", "into", "load_file", "extractvalue", "updatexml",
		"pg_read_file", "lo_import", "dbms_pipe.receive_message", "dbms_lock.sleep":
		return true
	}
	return len(w) >= 7 && (inSet(w, sqlSensitiveNames) || strings.HasPrefix(w, "information_schema."))
}
