package paidan_test

import (
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// importRule says exactly what one package may import besides the
// standard library. Project packages are named relative to the module
// ("" is the root package, "solver" the solver package alone, "solver/..."
// it and every package below it); third-party entries are module paths
// and allow the module's packages. The rules mirror the README's
// architecture section: every adapter names the one library it wraps.
type importRule struct {
	pkg       string   // package, relative to the module; "x/..." for x and below
	allowed   []string // project packages and third-party modules it may import
	forbidden []string // standard library packages it may not import (non-test files)
}

const (
	gonum    = "gonum.org/v1/gonum"
	sqlx     = "github.com/jmoiron/sqlx"
	pq       = "github.com/lib/pq"
	parquet  = "github.com/parquet-go/parquet-go"
	yaml     = "go.yaml.in/yaml/v3"
	prom     = "github.com/prometheus/client_golang"
	goose    = "github.com/pressly/goose/v3"
	pgtestd  = "github.com/peterldowns/pgtestdb"
	cobra    = "github.com/spf13/cobra"
	cron     = "github.com/robfig/cron/v3"
	argon2   = "golang.org/x/crypto"
	plot     = "gonum.org/v1/plot"
	chromedp = "github.com/chromedp/chromedp"
	river    = "github.com/riverqueue/river"
)

// noIO are the standard library packages a pure layer never imports.
var noIO = []string{"os", "net", "net/http", "database/sql"}

var importRules = []importRule{
	{pkg: ""},
	{pkg: "solver", allowed: []string{gonum}, forbidden: noIO},
	{pkg: "solver/dimacs", allowed: []string{"solver"}, forbidden: noIO},
	{pkg: "solver/orlib", allowed: []string{"solver"}, forbidden: noIO},
	{pkg: "model", allowed: []string{"", "solver", gonum}, forbidden: noIO},
	{pkg: "ingest/file", allowed: []string{"", "internal/atomicdir", parquet, yaml}},
	{pkg: "ingest/postgres", allowed: []string{"", "internal/pgschema", sqlx, pq}},
	{pkg: "export/parquet", allowed: []string{"", "export/parquet/internal/fixture", "internal/atomicdir", parquet}},
	{pkg: "export/parquet/internal/fixture", allowed: []string{""}},
	{pkg: "export/postgres", allowed: []string{"", "internal/pgschema", sqlx, pq}},
	// The end-of-contract export: Parquet files, dictionary and manifest in
	// export/handover (checked with backup's file verification), the
	// catalog and rows read by its adapter export/handover/postgres.
	{pkg: "export/handover", allowed: []string{"backup", "internal/atomicdir", parquet}, forbidden: []string{"database/sql", "net/http"}},
	{pkg: "export/handover/postgres", allowed: []string{"export/handover", sqlx}, forbidden: []string{"net/http"}},
	{pkg: "jobs", allowed: []string{"", "model", prom}, forbidden: noIO},
	{pkg: "jobs/parquet", allowed: []string{"", "jobs", "export/parquet"}},
	{pkg: "jobs/postgres", allowed: []string{"", "jobs", "ingest/postgres", "export/postgres", sqlx, pq}},
	// Push: the wire format, signature and HTTP POST in push; River's
	// client, delivery worker, transactional enqueue and subscribers in
	// jobs/river.
	{pkg: "push", allowed: []string{""}, forbidden: []string{"os", "database/sql"}},
	{pkg: "jobs/river", allowed: []string{"", "jobs", "push", "internal/pgschema", river, sqlx, pq, prom}, forbidden: []string{"net/http"}},
	{pkg: "jobs/jobstest", allowed: []string{"", "jobs", "model", "datasets"}},
	{pkg: "datasets", allowed: []string{"", "ingest/file"}},
	{pkg: "internal/atomicdir"},
	{pkg: "internal/pgschema", allowed: []string{goose, river}},
	{pkg: "internal/pgtest", allowed: []string{"internal/pgschema", "internal/pgcluster", "internal/pgbusiness", sqlx, pq, pgtestd}},
	// Throwaway clusters and the simulated business, which paidan demo
	// links: no testing code.
	{pkg: "internal/pgcluster", forbidden: []string{"testing"}},
	{pkg: "internal/pgbusiness", allowed: []string{sqlx}, forbidden: []string{"testing"}},
	// The rolling-upgrade test: its code is all in its tests.
	{pkg: "internal/upgradetest"},
	{pkg: "internal/dispatchgen", allowed: []string{"", "solver"}},
	{pkg: "internal/netgen", allowed: []string{"solver"}},
	{pkg: "internal/reportgen"},
	{pkg: "internal/cmd/...", allowed: []string{"solver/...", "internal/dispatchgen", "internal/netgen", "internal/reportgen", pq}},
	// The console: HTTP, templates and argon2 in console (and model, whose
	// explanations a task page shows); SQL only in its adapter console/postgres; console/internal/consoletest is the tests'
	// database fixture.
	{pkg: "console", allowed: []string{"", "model", argon2}, forbidden: []string{"database/sql", "os/exec"}},
	{pkg: "console/postgres", allowed: []string{"", "console", "jobs/river", "report", "report/postgres", "runsnap/postgres", sqlx, pq}, forbidden: []string{"net/http"}},
	{pkg: "console/internal/consoletest", allowed: []string{"", "console", "console/postgres", "internal/pgtest", sqlx}},
	// The operations report: tables and plots in report, its queries in
	// report/postgres, PDF printing in report/chromium.
	{pkg: "report", allowed: []string{"internal/atomicdir", plot, parquet}, forbidden: []string{"net", "net/http", "database/sql"}},
	{pkg: "report/postgres", allowed: []string{"report", sqlx, pq}},
	{pkg: "report/chromium", allowed: []string{chromedp}},
	// Operations: backup wraps pg_dump/pg_restore (and reads the database
	// with sqlx); the ledger's encoding is pure, its adapter ledger/postgres.
	{pkg: "backup", allowed: []string{"", "export/postgres", "ledger", "ledger/postgres", "internal/pgschema", sqlx, pq}, forbidden: []string{"net/http"}},
	{pkg: "ledger", forbidden: noIO},
	{pkg: "ledger/postgres", allowed: []string{"ledger", sqlx, pq}},
	// Run snapshots: the run directory (plan export + input dataset),
	// its archive, offline verification and replay; runsnap/postgres keeps
	// the archives in the database.
	{pkg: "runsnap", allowed: []string{"", "model", "ingest/file", "export/parquet", "internal/atomicdir", parquet}},
	{pkg: "runsnap/postgres", allowed: []string{"", "runsnap", "model", sqlx, pq}},
	{pkg: "cmd/paidan", allowed: []string{"...", sqlx, pq, parquet, prom, cron, cobra}},
}

const module = "github.com/paidan/paidan"

// goPackage is what go list tells of a package.
type goPackage struct {
	ImportPath string
	Imports    []string
}

// TestImportRules keeps the pipeline's layers from reaching into each
// other and each adapter to its one library: every package of the module
// has a rule, and imports nothing its rule does not name.
func TestImportRules(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []goPackage
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p goPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < len(importRules) {
		t.Fatalf("go list found %d packages, fewer than the %d rules", len(pkgs), len(importRules))
	}
	for _, v := range violations(pkgs, importRules) {
		t.Error(v)
	}
}

// TestImportRulesCatch feeds the checker imports that the rules forbid and
// checks that each is caught: the loose rules of old let ingest and export
// import any github.com module (sqlx in ingest/file and lib/pq in
// export/parquet passed).
func TestImportRulesCatch(t *testing.T) {
	t.Parallel()
	for _, p := range []goPackage{
		{module + "/ingest/file", []string{sqlx}},
		{module + "/export/parquet", []string{pq}},
		{module + "/ingest/postgres", []string{parquet}},
		{module + "/export/parquet", []string{module + "/ingest/file"}},
		{module + "/solver", []string{"os"}},
		{module + "/jobs", []string{module + "/export/postgres"}},
		{module + "/jobs/parquet", []string{module + "/jobs/postgres"}},
		{module + "/newpkg", nil},
	} {
		if v := violations([]goPackage{p}, importRules); len(v) != 1 {
			t.Errorf("%s importing %v: %d violations %q, want 1", p.ImportPath, p.Imports, len(v), v)
		}
	}
	ok := goPackage{module + "/ingest/file", []string{parquet + "/format", yaml, module, "fmt"}}
	if v := violations([]goPackage{ok}, importRules); len(v) != 0 {
		t.Errorf("allowed imports reported: %q", v)
	}
}

// violations lists every import of pkgs that their rules do not allow,
// and every package without a rule.
func violations(pkgs []goPackage, rules []importRule) []string {
	var out []string
	for _, p := range pkgs {
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		i := slices.IndexFunc(rules, func(r importRule) bool { return matchProject(rel, r.pkg) })
		if i < 0 {
			out = append(out, fmt.Sprintf("%s has no rule in arch_test.go: add one naming what it may import", p.ImportPath))
			continue
		}
		r := rules[i]
		for _, imp := range p.Imports {
			if isStd(imp) {
				if slices.Contains(r.forbidden, imp) {
					out = append(out, fmt.Sprintf("%s imports %s, which its layer forbids", p.ImportPath, imp))
				}
				continue
			}
			if !allowed(imp, r.allowed) {
				out = append(out, fmt.Sprintf("%s imports %s; it may import only the standard library and %q", p.ImportPath, imp, r.allowed))
			}
		}
	}
	return out
}

// matchProject reports whether package rel (relative to the module)
// matches pattern: equal, or below it for "x/...", or anything for "...".
func matchProject(rel, pattern string) bool {
	switch {
	case pattern == "...":
		return true
	case strings.HasSuffix(pattern, "/..."):
		base := strings.TrimSuffix(pattern, "/...")
		return rel == base || strings.HasPrefix(rel, base+"/")
	default:
		return rel == pattern
	}
}

// allowed reports whether imp is named by one of the entries.
func allowed(imp string, entries []string) bool {
	for _, e := range entries {
		if isThirdParty(e) {
			if imp == e || strings.HasPrefix(imp, e+"/") {
				return true
			}
			continue
		}
		if imp == module || strings.HasPrefix(imp, module+"/") {
			rel := strings.TrimPrefix(strings.TrimPrefix(imp, module), "/")
			if matchProject(rel, e) {
				return true
			}
		}
	}
	return false
}

// isThirdParty reports whether a rule entry is a module path (its first
// element has a dot).
func isThirdParty(entry string) bool {
	first, _, _ := strings.Cut(entry, "/")
	return strings.Contains(first, ".") && first != "..."
}

// isStd reports whether an import path is in the standard library: its first
// element has no dot.
func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

// TestPaidanLinksNoTesting keeps the testing package out of the paidan
// binary: its flags and helpers have no place in a production program, and
// "paidan demo" once linked it through internal/pgtest's cluster code.
func TestPaidanLinksNoTesting(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", module+"/cmd/paidan").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, module+"/internal/pgcluster") {
		t.Fatalf("go list -deps cmd/paidan does not list internal/pgcluster; the check reads the wrong graph:\n%s", out)
	}
	for _, d := range deps {
		if d == "testing" || strings.HasPrefix(d, "testing/") || d == module+"/internal/pgtest" {
			t.Errorf("the paidan binary links %s", d)
		}
	}
}
