// Package validate checks text fields and detects injection payloads in
// them. It is a leaf package: it imports nothing from SAMO.
//
// # Using it
//
// The HTTP layer calls, for each text of a request:
//
//	norm, err := validate.Text(req.Text, validate.Limits{MinLength: cfg.MinText, MaxLength: cfg.MaxText})
//	if err != nil { /* 400: err is a *FieldError; send Field, Code, Message */ }
//	ds := validate.Detect(norm)
//	for _, d := range ds { /* one security event per detection: d.Class, d.Confidence, d.Reason */ }
//	if reject, class := policy.Decide(ds); reject { /* 400 problem naming class */ }
//	// otherwise accept norm (the NFC text) and mark the prediction as flagged when len(ds) > 0
//
// and validate.Threshold(req.Threshold) for the optional threshold. The
// policy comes from configuration through ParsePolicy ("markup=reject,
// sql=flag,..."; empty means DefaultPolicy). Neither a FieldError nor a
// Detection ever contains the input, so both can be logged and shown.
//
// # Text
//
// Text requires valid UTF-8, normalises to NFC, counts code points after
// normalisation and rejects control characters (C0 except tab, LF, CR; DEL;
// C1), bidi controls that reorder display, runs of two or more invisible
// characters, more than MaxCombiningRun combining marks in a row,
// noncharacters, and white-space-only text (code "blank", when MinLength >
// 0). It does not escape HTML or strip anything: the text reaches the model
// as written, and output is encoded where it is rendered.
//
// Two choices were forced by real data, which must pass: GoEmotions has a
// text starting with LEFT-TO-RIGHT EMBEDDING (U+202A) and one with a stray
// POP DIRECTIONAL FORMATTING (U+202C), and a playful "Zalgo" comment with
// 19 marks on one letter. So U+202A and U+202C are accepted (they cannot
// reverse left-to-right text; RLE, the overrides and all isolates are
// rejected) and the combining limit is 30, the Stream-Safe Text Format
// bound of UAX #15. Detect still flags all of these as class unicode.
//
// # Detect: approach
//
// Detection parses instead of matching keywords. Each input is looked at in
// two views, the raw text and a de-obfuscated one (NFKC for fullwidth and
// other compatibility forms, NUL bytes removed, percent-encoding including
// %uXXXX, double encoding and overlong UTF-8, HTML character references,
// JavaScript/JSON/C backslash escapes, UTF-7), decoded for at most three
// rounds. The scanners then look for executable structure:
//
//   - markup: the golang.org/x/net/html tokenizer finds elements that run
//     or load code (script, iframe, object, embed, applet, frame, base,
//     portal, meta refresh, link stylesheet/import, style), event-handler
//     attributes (on*), javascript:/vbscript:/data: URLs in any attribute as
//     a browser reads them (leading controls skipped, tab/CR/LF removed,
//     entities decoded), CSS expression()/behavior/-moz-binding/@import and
//     script URLs after CSS escapes and comments are undone, srcdoc, SVG
//     animation of event handlers. Raw-text elements (<title>, <textarea>,
//     <noscript>, <style>) are parsed as markup because a payload may close
//     them; comments and attribute values that contain markup are parsed
//     again (mutation XSS, conditional comments); an unclosed last tag is
//     closed; when tag names or attributes contain '<', a copy with
//     innermost tags removed is parsed too, which reveals
//     "<scr<script>ipt>". Outside tags: Markdown link targets, script URLs
//     that start a token and are followed by code, XML entity declarations,
//     attribute injection after a quote, and JavaScript string breakouts
//     calling a sink ("';alert(1)//").
//     HTML parser quirks are parsed as a lenient parser reads them: CDATA
//     markers removed (real in SVG and MathML), soft hyphens and other
//     format characters dropped from tag names, white space after '<'
//     removed ("< script>"); a tag name that becomes an active element
//     once a copy of that name is removed ("scrscriptipt") counts, and
//     base64 runs that decode to printable text with active markup are
//     reported as markup too.
//   - template: brace pairs are matched in one pass and each outermost
//     {{ }}, ${ }, #{ }, *{ }, @{ }, ~{ }, %{ }, {% %}, <% %>, @( ) body is
//     lexed; it is reported when it computes (arithmetic, comparison,
//     assignment, calls, string literals with method access, subscripts with
//     string keys, dunder or reflective names such as __class__, getClass,
//     constructor, config, request) or is a lookup (${jndi:...},
//     ${env:...}, ${::-j}) or a directive ({% import %}, <%@ %>, #set(),
//     <#assign>, {php}) or a Go template action on the data itself ({{.}},
//     {{range .}}, {{$x := .}}, {{index . "k"}}). A placeholder around a
//     plain name or dotted path is not: {{name}}, ${price}, {{.Name}},
//     {{ user.name | upper }}, {{#each items}}.
//   - crlf: after each raw line break (CR, LF, CRLF, NEL, U+2028/9) the
//     next line is checked for a forged HTTP header with a value of the
//     right shape (Set-Cookie: a=b, Content-Length: 0, Location: URL, ...),
//     an HTTP status or request line, an SMTP command or mail header with an
//     address, or a log record (ISO or syslog timestamp with an upper-case
//     or bracketed level or with seconds, Apache access log, logfmt, JSON
//     log, "INFO:root:"). When the raw text contains a percent- or
//     entity-encoded line break (including the %E5%98%8A trick), any
//     "Name: value" line, level word, dated line, markup or blank line after
//     it counts, since encoded line breaks have no place in prose.
//   - line_break: line breaks that split or hide log lines whatever follows
//     them: U+2028/U+2029, a carriage return not followed by LF (the
//     terminal overwrites the line), more than five blank lines in a row,
//     and an escaped \r\n (or \x0d\x0a, \u000d\u000a) glued to the text
//     around it. Flagged, not rejected, by default: old Mac line endings and
//     pasted U+2028 occur in harmless text, and texts are never written to
//     line-oriented logs.
//   - terminal_escape: ESC and 8-bit C1 introducers, raw or decoded, and the
//     textual spellings \033[, \e[, ^[[ followed by a control sequence.
//   - shell: after a separator (; | || && & $( ` and an encoded newline) a
//     known command whose arguments have the shape of a real call (paths
//     for cat, flags or hosts for curl/nc/ping, -c for interpreters, -rf for
//     rm, ...); any known command in $( ) or in backticks glued to a word;
//     $IFS, /dev/tcp, brace expansion and fork bombs. Quote and backslash
//     splitting in command names is undone, and so are the expansions that
//     are empty inside a word ($@, $1, ${x}, $(), two backticks, a
//     backslash before a line break); a redirection ends the name
//     (cat</etc/passwd), a # word starts a comment, and a name by wildcard
//     path (/???/??t) counts. Blanks and arguments are read
//     up to the next separator whatever their length, so padding hides
//     nothing, and a sensitive file named relative to a directory (.env,
//     .ssh/id_rsa) counts as an absolute one. After a weak boundary (start
//     of text, a raw newline) only dangerous invocations count. Also: a
//     backtick span anywhere holding a probe command with arguments of the
//     right shape (`whoami`, `sleep 5`, `cat /etc/passwd`) or a dangerous
//     one; shell function definitions ("() { :;};" Shellshock, "f() { id;
//     }; f"); and script-language execution idioms: calls of os.system,
//     subprocess.*, Runtime.getRuntime, child_process and similar sinks
//     (a table), eval/exec/system/passthru/... called bare with a string,
//     a variable or another call as argument (not model.eval(), not
//     "eval(s)"), and Python object-model escapes (__import__,
//     __subclasses__).
//   - sql: the text is lexed as SQL as is and as if pasted inside '...' and
//     "..." literals, with /* */ comments as space and removed; shapes are a
//     closed literal followed by OR/AND and a tautology or probe, a closed
//     literal followed by a comment that ends the input, UNION SELECT with a
//     select list, a statement after ';' (DROP TABLE x, DELETE FROM x,
//     EXEC xp_..., WAITFOR DELAY ...), time-delay functions, ORDER BY
//     column probing and names of database internals.
//   - nosql: a MongoDB operator ($ne, $gt, $regex, $where, ... — a table)
//     in the position of an object key ({"$ne": null}, {$where: '...'}) or
//     of a bracketed query-string key (user[$ne]=x). A price or shell
//     variable ($5, $HOME) is not an operator.
//   - ldap: a filter closed and another opened (")(uid=*", "*)(",
//     ")(&)"), boolean operators on components ("(|(", "(&(", "(!("), and
//     presence filters on directory attributes ("(objectClass=*)").
//   - path_traversal: two or more ../ or ..\ segments (also ..;/ and the
//     ....// filter bypass), one segment reaching a sensitive file,
//     absolute paths of well-known sensitive files, file:// URLs; the same
//     spelled with look-alike slashes (U+2215, U+2044, U+29F8, U+2216, ...,
//     also as %u escapes); PHP stream wrappers and internal-service
//     schemes (php://, phar://, expect://, zip://, gopher://, ... — a
//     table); UNC and NT device paths (\\host\share, \\?\C:\, \??\UNC\).
//   - formula: a field starting (after white space, or after a CSV
//     separator) with = + - @ followed, after any run of blanks and those
//     signs, by a function call, a DDE link (cmd|'...'!A0), a cell
//     reference or, for =, arithmetic.
//   - unicode: bidi controls, invisible runs, an invisible character inside
//     a Latin word, more than four combining marks in a row, noncharacters;
//     words that mix Latin letters with Cyrillic, Greek or Armenian
//     look-alikes ("jаvascript"), and attack keywords spelled in look-alike
//     or mathematical alphanumeric letters (a table of keywords, each with
//     the context it needs: "script" alone, "alert" before '(', "select"
//     with another SQL word). Words of real Cyrillic, Greek or Armenian
//     text have letters without a Latin look-alike and are left alone. The
//     text with disguised words spelled in ASCII is scanned again by every
//     payload scanner, so "<ѕcript>" is also markup.
//
// Each class is reported once, with the confidence of its strongest rule
// (about 0.9 or more for unambiguous payloads, 0.6–0.8 for shapes that are
// rare in prose but not certainly hostile) and a fixed reason string.
//
// # Why prose is safe
//
// Every rule needs structure that prose does not have, rather than a word:
// "javascript:" must be a URL in an attribute or be followed by code, "on"
// must be an attribute of a real tag (or follow a quote and be a DOM event
// name), "<3" and "<b>" tokenize as text and a harmless tag, "my data:"
// is not followed by a media type, "{{name}}" has nothing to evaluate, a
// line starting "Mood:" or "2026-01-05" after a newline is not a header or a
// log record, "+1" and "- buy milk" call no function, "7 or 8" is not a
// tautology, "Tom & Jerry" runs no command, "wait..." is not a traversal.
// On the test corpora, the harmless set (journal and Reddit-style prose,
// Markdown, code talk, lists, Windows line endings, emoticons, maths,
// prices, scripts other than Latin) has no detection on more than 99% of
// lines, and no GoEmotions text is rejected by Text plus DefaultPolicy.
//
// # Deliberately not detected
//
//   - Harmless HTML (<b>, <a href="https://...">, <img src=x> without a
//     handler): it cannot execute, and output encoding handles display.
//   - Code talk that contains no complete payload ("I learned about
//     onclick handlers", "SELECT with a JOIN", "`ls -la` printed nothing").
//     Text that does contain a complete payload is reported even when it is
//     quoted in prose ("the classic ' OR 1=1 --"): intent cannot be parsed,
//     and only markup, template and crlf reject by default.
//   - SQL and shell keywords alone, JSON, placeholders, single ../, single
//     zero-width joiners in emoji, emoji tag sequences (subdivision flags).
//   - Semantic attacks (prompt injection against a language model,
//     phishing text): they are not syntax. Homoglyph domains are reported
//     only as mixed-script words.
//   - XPath injection: its shapes (' or '1'='1) are reported as sql.
//   - A single blank-line run of five or fewer lines, a trailing CR, "\r\n"
//     written as a word of its own ("Windows uses \r\n"), "{{.Name}}",
//     decorative mathematical letters that spell no keyword.
//
// Detection is a signal for monitoring and for rejecting the most dangerous
// classes; it is not a sanitizer. Storage uses parameterized SQL and
// rendering encodes output regardless of what Detect says.
//
// # Cost
//
// Everything is linear in the input: each scanner is a single pass with a
// bounded look-ahead, delimiters are matched with one stack pass and only
// outermost bodies are classified, argument regions of shell commands and
// backtick spans never overlap (so they are read whole), traversal targets are checked once per run, and decoding runs a
// fixed number of rounds. BenchmarkValidate70, BenchmarkValidate10k and
// BenchmarkDetectAdversarial10k (openers without closers, nested
// delimiters, self-decoding percent runs, separators without commands,
// 10,000 line breaks, and each scanner's own worst case) measure it. Base64 decoding is capped at 64 KiB per text and
// the disguised-word skeleton is scanned once, never disguised again.
//
// Measured detection rates, and why each rule is shaped as it is, are in
// docs/injection-detection.md.
package validate
