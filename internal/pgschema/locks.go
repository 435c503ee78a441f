package pgschema

import (
	"bufio"
	"fmt"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
)

// Step is one pending migration as "paidan migrate plan" shows it.
type Step struct {
	Version int64
	File    string
	About   string      // the file's leading comment, without "-- "
	InTx    bool        // false for "-- +goose NO TRANSACTION" files
	Locks   []Statement // the Up section's statements, classified
}

// Statement is one statement of a migration's Up section with the lock it
// takes.
type Statement struct {
	Kind  string // "CREATE TABLE", "CREATE INDEX CONCURRENTLY", …
	Table string // the table it locks, "" when none
	Lock  string // the PostgreSQL lock mode, or "none (catalog only)"
	// Blocks says what waits while the lock is held: "nothing",
	// "writes", "reads and writes".
	Blocks string
}

// lockRule classifies a statement by its leading words. The first rule
// whose pattern matches wins; the table is the pattern's first group.
// The modes are PostgreSQL's (the "Explicit Locking" chapter of its
// manual, and each command's page for the lock it takes).
type lockRule struct {
	re         *regexp.Regexp
	kind, lock string
	blocks     string
}

const ident = `((?:"[^"]+"|[\w$]+)(?:\.(?:"[^"]+"|[\w$]+))?)`

func rule(pattern, kind, lock, blocks string) lockRule {
	return lockRule{regexp.MustCompile(`(?is)^` + pattern), kind, lock, blocks}
}

// lockRules: the documented classification that "migrate plan" applies.
var lockRules = []lockRule{
	rule(`CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+(?:IF\s+NOT\s+EXISTS\s+)?\S+\s+ON\s+(?:ONLY\s+)?`+ident,
		"CREATE INDEX CONCURRENTLY", "SHARE UPDATE EXCLUSIVE", "nothing (schema changes wait)"),
	rule(`CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?\S*\s*ON\s+(?:ONLY\s+)?`+ident,
		"CREATE INDEX", "SHARE", "writes, for the whole build"),
	rule(`CREATE\s+(?:UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?`+ident,
		"CREATE TABLE", "ACCESS EXCLUSIVE on the new table (a referenced table: SHARE ROW EXCLUSIVE)", "nothing existing, except writes of referenced tables, briefly"),
	rule(`ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?`+ident+`\s+ADD\s+CONSTRAINT\s+\S+\s+.*\bNOT\s+VALID\s*$`,
		"ADD CONSTRAINT NOT VALID", "ACCESS EXCLUSIVE, brief (no scan); a foreign key: SHARE ROW EXCLUSIVE", "reads and writes, for a catalog update"),
	rule(`ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?`+ident+`\s+VALIDATE\s+CONSTRAINT`,
		"VALIDATE CONSTRAINT", "SHARE UPDATE EXCLUSIVE", "nothing (schema changes wait)"),
	rule(`ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?`+ident+`\s+ADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?[^,]*$`,
		"ADD COLUMN", "ACCESS EXCLUSIVE, brief (no rewrite with no default or a constant one)", "reads and writes, for a catalog update"),
	rule(`ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?`+ident+`\s+(?:DROP\s+CONSTRAINT\s+\S+\s*,\s*)?ADD\s+CONSTRAINT\s+\S+\s+(?:PRIMARY\s+KEY|UNIQUE)\s+USING\s+INDEX\s+\S+\s*$`,
		"ADD CONSTRAINT USING INDEX", "ACCESS EXCLUSIVE, brief (the index is already built; NOT NULL columns are not scanned)", "reads and writes, for a catalog update"),
	rule(`ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?`+ident,
		"ALTER TABLE", "ACCESS EXCLUSIVE (may scan or rewrite the table)", "reads and writes, for the scan or rewrite"),
	rule(`ALTER\s+INDEX\s+(?:IF\s+EXISTS\s+)?`+ident+`\s+(?:SET|RESET)\s*\(`,
		"ALTER INDEX SET", "SHARE UPDATE EXCLUSIVE on the index (btree storage parameters)", "nothing (schema changes wait)"),
	rule(`CREATE\s+(?:OR\s+REPLACE\s+)?VIEW\s+`+ident,
		"CREATE VIEW", "ACCESS EXCLUSIVE on the view only (its tables: none)", "nothing existing"),
	rule(`DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?`+ident,
		"DROP TABLE", "ACCESS EXCLUSIVE", "reads and writes, briefly"),
	rule(`DROP\s+INDEX\s+CONCURRENTLY\s+(?:IF\s+EXISTS\s+)?`+ident,
		"DROP INDEX CONCURRENTLY", "SHARE UPDATE EXCLUSIVE", "nothing (schema changes wait)"),
	rule(`DROP\s+INDEX\s+(?:IF\s+EXISTS\s+)?`+ident,
		"DROP INDEX", "ACCESS EXCLUSIVE on its table", "reads and writes, briefly"),
	rule(`CREATE\s+(?:OR\s+REPLACE\s+)?(?:CONSTRAINT\s+)?TRIGGER\s+\S+\s+.*?\bON\s+`+ident,
		"CREATE TRIGGER", "SHARE ROW EXCLUSIVE", "writes, briefly"),
	rule(`DROP\s+TRIGGER\s+(?:IF\s+EXISTS\s+)?\S+\s+ON\s+`+ident,
		"DROP TRIGGER", "ACCESS EXCLUSIVE on its table", "reads and writes, briefly"),
	rule(`(?:UPDATE|DELETE\s+FROM|INSERT\s+INTO)\s+(?:ONLY\s+)?`+ident,
		"DML", "ROW EXCLUSIVE and row locks on the rows it changes", "writers of the same rows"),
	rule(`COMMENT\s+ON\s+TABLE\s+`+ident,
		"COMMENT", "SHARE UPDATE EXCLUSIVE", "nothing (schema changes wait)"),
	rule(`(?:GRANT|REVOKE|CREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION|DROP\s+FUNCTION|CREATE\s+SCHEMA|DROP\s+SCHEMA|CREATE\s+ROLE|COMMENT|DO\b|CREATE\s+TYPE|ALTER\s+FUNCTION|ALTER\s+DEFAULT\s+PRIVILEGES)()`,
		"catalog", "none on tables (catalog rows only)", "nothing"),
}

// classify returns the lock stmt takes.
func classify(stmt string) Statement {
	s := strings.TrimSpace(stmt)
	for _, r := range lockRules {
		if m := r.re.FindStringSubmatch(s); m != nil {
			st := Statement{Kind: r.kind, Lock: r.lock, Blocks: r.blocks}
			if len(m) > 1 {
				st.Table = m[1]
			}
			if r.kind == "catalog" {
				st.Kind = strings.ToUpper(strings.Join(strings.Fields(s)[:min(2, len(strings.Fields(s)))], " "))
			}
			return st
		}
	}
	words := strings.Fields(s)
	return Statement{Kind: strings.ToUpper(strings.Join(words[:min(2, len(words))], " ")),
		Lock: "unclassified: review by hand", Blocks: "unknown"}
}

// Plan returns what each migration numbered above from would do: its
// leading comment and the locks of its Up section's statements, oldest
// first.
func Plan(from int64) ([]Step, error) {
	names, err := fs.Glob(Migrations(), "*.sql")
	if err != nil {
		return nil, err
	}
	var steps []Step
	for _, name := range names {
		v, err := strconv.ParseInt(strings.SplitN(name, "_", 2)[0], 10, 64)
		if err != nil || v <= from {
			continue
		}
		b, err := fs.ReadFile(Migrations(), name)
		if err != nil {
			return nil, err
		}
		step, err := parseStep(name, string(b))
		if err != nil {
			return nil, err
		}
		step.Version = v
		steps = append(steps, step)
	}
	return steps, nil
}

// parseStep reads a goose SQL file: the comment lines before the first
// "-- +goose" annotation, and the Up section's statements (split at a ';'
// that ends a line, or one StatementBegin…StatementEnd block each).
func parseStep(name, text string) (Step, error) {
	st := Step{File: name, InTx: true}
	var about []string
	var cur strings.Builder
	inUp, inBlock, header := false, false, true
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for line := 1; sc.Scan(); line++ {
		l := sc.Text()
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "-- +goose") {
			header = false
			switch ann := strings.TrimSpace(strings.TrimPrefix(t, "-- +goose")); strings.ToUpper(ann) {
			case "UP":
				inUp = true
			case "DOWN":
				inUp = false
			case "NO TRANSACTION":
				st.InTx = false
			case "STATEMENTBEGIN":
				inBlock = true
			case "STATEMENTEND":
				inBlock = false
				if inUp {
					st.Locks = append(st.Locks, classify(cur.String()))
				}
				cur.Reset()
			default:
				if !strings.HasPrefix(strings.ToUpper(ann), "ENVSUB") {
					return Step{}, fmt.Errorf("%s line %d: unknown goose annotation %q", name, line, ann)
				}
			}
			continue
		}
		if header {
			if strings.HasPrefix(t, "--") {
				about = append(about, strings.TrimSpace(strings.TrimPrefix(t, "--")))
			}
			continue
		}
		if !inUp || (!inBlock && (t == "" || strings.HasPrefix(t, "--"))) {
			continue
		}
		cur.WriteString(l)
		cur.WriteByte('\n')
		if !inBlock && strings.HasSuffix(t, ";") {
			st.Locks = append(st.Locks, classify(stripComments(cur.String())))
			cur.Reset()
		}
	}
	if err := sc.Err(); err != nil {
		return Step{}, fmt.Errorf("%s: %w", name, err)
	}
	st.About = strings.TrimSpace(strings.Join(about, "\n"))
	return st, nil
}

// stripComments drops "--" comments that fill whole lines, and the
// trailing ';'.
func stripComments(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "--") {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	return strings.TrimSuffix(strings.TrimSpace(b.String()), ";")
}
