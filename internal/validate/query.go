package validate

import "strings"

// mongoOperators lists MongoDB query and expression operators (without the
// '$') that turn a value into a condition: {"password": {"$ne": ""}}
// matches every user. A table, so the list can grow without code.
var mongoOperators = map[string]bool{
	"ne": true, "eq": true, "gt": true, "gte": true, "lt": true, "lte": true, "in": true, "nin": true,
	"regex": true, "where": true, "exists": true, "expr": true, "or": true, "and": true, "not": true,
	"nor": true, "elemmatch": true, "all": true, "size": true, "type": true, "mod": true, "text": true,
	"search": true, "jsonschema": true, "function": true, "accumulator": true, "lookup": true,
	"options": true, "comment": true, "set": true, "unset": true, "rename": true, "inc": true,
}

// ldapAttributes lists attribute names that LDAP injections probe. Any name
// counts after ")(" with a wildcard value; these count with any value.
var ldapAttributes = map[string]bool{
	"uid": true, "cn": true, "sn": true, "ou": true, "dc": true, "o": true, "mail": true, "objectclass": true,
	"objectcategory": true, "userpassword": true, "password": true, "samaccountname": true, "memberof": true,
	"member": true, "givenname": true, "description": true, "telephonenumber": true, "homedirectory": true,
	"distinguishedname": true, "displayname": true, "userprincipalname": true, "name": true, "uidnumber": true,
	"gidnumber": true, "loginshell": true, "unicodepwd": true, "useraccountcontrol": true, "admincount": true,
}

// detectNoSQL finds MongoDB-style operator injection: an operator key such
// as "$ne", $where or [$regex] in the position of an object key or a
// bracketed query-string key ({"$gt": ""}, user[$ne]=x, $where: '...').
// A '$' before a price or a shell variable ($5, $HOME) is not an operator.
func detectNoSQL(f *findings, in *input) {
	for _, l := range in.lowerViews() {
		if strings.IndexByte(l, '$') < 0 {
			continue
		}
		forEach(l, "$", func(i int) {
			name := identAt(l, i+1)
			if !mongoOperators[name] {
				return
			}
			// What precedes: an opening brace, bracket, comma or a quote
			// that itself follows one of them.
			k := i - 1
			quoted := k >= 0 && (l[k] == '"' || l[k] == '\'')
			if quoted {
				k--
			}
			k = skipSpaceBack(l, k)
			if k < 0 || strings.IndexByte("{[,", l[k]) < 0 {
				return
			}
			// What follows: the closing quote or bracket, then ':' or '='.
			j := i + 1 + len(name)
			if quoted && j < len(l) && l[j] == l[i-1] {
				j++
			}
			j = skipSpace(l, j)
			if j < len(l) && l[j] == ']' {
				if l[k] == '[' && (j+1 == len(l) || l[j+1] == '=' || l[j+1] == '[') {
					f.add(NoSQL, 0.9, "NoSQL operator in a query-string key")
				}
				return
			}
			if j < len(l) && l[j] == ':' && l[k] != '[' {
				if name == "where" || name == "function" || name == "accumulator" {
					f.add(NoSQL, 0.95, "NoSQL server-side JavaScript operator")
				} else {
					f.add(NoSQL, 0.9, "NoSQL operator object")
				}
			}
		})
	}
}

// detectLDAP finds LDAP search-filter injection: a filter closed and a new
// component opened (")(attr=", "*)(", ")(&)"), boolean filter operators
// applied to components ("(|(", "(&(", "(!("), and complete components on
// well-known attributes ("(objectClass=*)"). Parentheses in prose never
// hold "attribute=value" with these shapes.
func detectLDAP(f *findings, in *input) {
	for _, l := range in.lowerViews() {
		if strings.IndexByte(l, '(') < 0 || (strings.IndexByte(l, '=') < 0 && !strings.Contains(l, ")(")) {
			continue
		}
		forEach(l, "(", func(i int) {
			j := i + 1
			// Boolean operators: (|(  (&(  (!(  and the absolute filters (&) (|).
			if j < len(l) && (l[j] == '|' || l[j] == '&' || l[j] == '!') {
				k := skipSpace(l, j+1)
				if k < len(l) && l[k] == '(' && ldapComponentAt(l, k) {
					f.add(LDAP, 0.9, "LDAP boolean filter")
				}
				if attr, _, _ := ldapComponent(l, k); ldapAttributes[attr] {
					f.add(LDAP, 0.85, "LDAP boolean filter")
				}
				if k < len(l) && l[k] == ')' && l[j] != '!' && i > 0 && l[i-1] == ')' {
					f.add(LDAP, 0.85, "LDAP absolute true/false filter")
				}
				return
			}
			attr, op, val := ldapComponent(l, j)
			if attr == "" {
				return
			}
			closedBefore := i > 0 && l[i-1] == ')'
			wild := strings.HasPrefix(val, "*")
			switch {
			case closedBefore && (wild || ldapAttributes[attr]):
				f.add(LDAP, 0.9, "LDAP filter component injected after a closed one")
			case i >= 2 && l[i-1] == ')' && l[i-2] == '*':
				f.add(LDAP, 0.9, "LDAP filter component injected after a wildcard")
			case ldapAttributes[attr] && wild && op == "=":
				f.add(LDAP, 0.8, "LDAP presence filter on a directory attribute")
			}
		})
		if strings.Contains(l, "*)(") {
			if k := strings.Index(l, "*)("); k >= 0 && ldapComponentAt(l, k+2) {
				f.add(LDAP, 0.9, "LDAP filter component injected after a wildcard")
			}
		}
	}
}

// ldapComponentAt reports whether l[i] is '(' opening an "attr=value"
// component or another boolean filter.
func ldapComponentAt(l string, i int) bool {
	if i >= len(l) || l[i] != '(' {
		return false
	}
	if i+1 < len(l) && (l[i+1] == '|' || l[i+1] == '&' || l[i+1] == '!') {
		return true
	}
	attr, _, _ := ldapComponent(l, i+1)
	return attr != ""
}

// ldapComponent reads "attr op value" at i, where attr is an LDAP
// attribute description (letters, digits, '-', ';' options, OIDs) and op
// is =, ~=, >=, <= or an extensible :=. It returns the lower-case
// attribute, the operator and up to 32 bytes of the value.
func ldapComponent(l string, i int) (attr, op, val string) {
	j := i
	for j < len(l) && j-i < 40 && (isAlnum(l[j]) || l[j] == '-' || l[j] == ';' || l[j] == '.' || l[j] == '_') {
		j++
	}
	if j == i || !isLetter(l[i]) && !isDigit(l[i]) {
		return "", "", ""
	}
	attr = l[i:j]
	switch {
	case j < len(l) && l[j] == '=':
		op = "="
	case j+1 < len(l) && l[j+1] == '=' && strings.IndexByte("~<>:", l[j]) >= 0:
		op = l[j : j+2]
	case j < len(l) && l[j] == ':' && strings.Contains(l[j:min(len(l), j+24)], ":="):
		op = ":="
	default:
		return "", "", ""
	}
	k := j + len(op)
	if op == ":=" {
		k = j + strings.Index(l[j:], ":=") + 2
	}
	val = l[k:min(len(l), k+32)]
	if len(val) > 0 && val[0] == '=' {
		return "", "", "" // "==" is a comparison in code, not a filter
	}
	return attr, op, val
}
