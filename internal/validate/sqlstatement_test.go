package validate

import "testing"

// TestSQLStatement pins each rule of sqlStatements: the statement after a
// ";" that makes a text a stacked SQL statement, and a near miss.
func TestSQLStatement(t *testing.T) {
	t.Parallel()
	tests := []struct {
		stmt string
		want bool
	}{
		{"drop table users", true},
		{"drop table if exists users", true},
		{"drop the act", false},
		{"delete from users", true},
		{"delete the file", false},
		{"insert into users", true},
		{"insert coin", false},
		{"update users set x", true},
		{"update me soon", false},
		{"truncate table users", true},
		{"truncate users", true},
		{"alter user admin", true},
		{"alter my plans", false},
		{"create login mallory", true},
		{"create art", false},
		{"select 1", true},
		{"select * from t", true},
		{"select a, b from t", true},
		{"select wisely", false},
		{"exec xp_cmdshell", true},
		{"execute ('x')", true},
		{"exec the plan", false},
		{"shutdown", true},
		{"shutdown with nowait", true},
		{"shutdown the laptop", false},
		{"waitfor delay '0:0:5'", true},
		{"waitfor the bus", false},
		{"declare @x int", true},
		{"declare victory", false},
		{"copy t from program 'id'", true},
		{"copy that", false},
		{"load data infile", true},
		{"load the car", false},
		{"attach database 'x' as y", true},
		{"attach a file", false},
		{"rename table a to b", true},
		{"rename the file", false},
		{"hello there", false},
	}
	for _, tt := range tests {
		t.Run(tt.stmt, func(t *testing.T) {
			m := &sqlMatcher{s: tt.stmt, toks: lexSQL(tt.stmt, 0, nil)}
			if got := m.statement(0); got != tt.want {
				t.Errorf("statement(%q) = %v, want %v", tt.stmt, got, tt.want)
			}
		})
	}
}
