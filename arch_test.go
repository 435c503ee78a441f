package paidan_test

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// importRules says which module packages each layer may import; standard
// library imports are always allowed except where forbidden lists them.
// It mirrors the layout in the README's architecture section. jobs/postgres
// and jobs/parquet are the adapters that wire jobs to ingest and export.
var importRules = []struct {
	prefix    string   // package path below the module, "" for the root
	allowed   []string // module or third-party path prefixes allowed
	forbidden []string // standard library packages not allowed in non-test files
}{
	{"", nil, nil},
	{"solver", []string{"solver", "gonum.org/v1/gonum"}, []string{"os", "net", "net/http", "database/sql"}},
	{"model", []string{"", "solver", "gonum.org/v1/gonum"}, []string{"os", "net", "database/sql"}},
	{"ingest/", []string{"", "internal/pgschema", "github.com/", "go.yaml.in/", "gonum.org/", "golang.org/x/"}, nil},
	{"export/", []string{"", "internal/pgschema", "github.com/", "go.yaml.in/", "golang.org/x/"}, nil},
	{"jobs$", []string{"", "model", "github.com/prometheus/"}, []string{"os", "net", "database/sql"}},
	{"backup", []string{"github.com/jmoiron/sqlx", "github.com/lib/pq"}, []string{"net/http"}},
	{"ledger$", nil, []string{"os", "net", "database/sql"}},
	{"ledger/postgres", []string{"ledger", "github.com/jmoiron/sqlx", "github.com/lib/pq"}, nil},
}

const module = "github.com/paidan/paidan"

// TestImportRules keeps the pipeline's layers from reaching into each other.
func TestImportRules(t *testing.T) {
	t.Parallel()
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports,Standard", module+"/...")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		for _, r := range importRules {
			if !layerMatch(rel, r.prefix) {
				continue
			}
			for _, imp := range p.Imports {
				for _, f := range r.forbidden {
					if imp == f {
						t.Errorf("%s imports %s, which its layer forbids", p.ImportPath, imp)
					}
				}
				if isStd(imp) {
					continue
				}
				if !allowed(imp, r.allowed) {
					t.Errorf("%s imports %s; its layer may import only the standard library and %q", p.ImportPath, imp, r.allowed)
				}
			}
		}
	}
}

// layerMatch reports whether package rel belongs to the layer prefix: the
// root is "", a package and its subpackages match a name without a slash,
// "x/" matches every package below x, and "x$" matches x alone (its
// subpackages are adapters with rules of their own).
func layerMatch(rel, prefix string) bool {
	switch {
	case prefix == "":
		return rel == ""
	case strings.HasSuffix(prefix, "$"):
		return rel == strings.TrimSuffix(prefix, "$")
	case strings.HasSuffix(prefix, "/"):
		return strings.HasPrefix(rel, prefix)
	default:
		return rel == prefix || strings.HasPrefix(rel, prefix+"/")
	}
}

func allowed(imp string, prefixes []string) bool {
	for _, p := range prefixes {
		switch {
		case p == "" && imp == module:
			return true
		case p != "" && !strings.Contains(p, "."):
			if imp == module+"/"+p || strings.HasPrefix(imp, module+"/"+p+"/") {
				return true
			}
		case p != "" && strings.HasPrefix(imp, p) && !strings.HasPrefix(imp, module):
			return true
		}
	}
	return false
}

// isStd reports whether an import path is in the standard library: its first
// element has no dot.
func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}
