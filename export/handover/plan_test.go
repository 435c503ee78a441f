package handover_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/paidan/paidan/export/handover"
)

var tables = []handover.Table{
	{Name: "zeta", Comment: "a table newer than the policy", Columns: []handover.Column{{Name: "id", Type: "bigint", Kind: handover.KindInt, Comment: "id"}}},
	{Name: "account", Comment: "people | logins", Key: []string{"id"}, Columns: []handover.Column{
		{Name: "id", Type: "bigint", Kind: handover.KindInt, NotNull: true, Comment: "number"},
		{Name: "password_hash", Type: "text", Kind: handover.KindText, NotNull: true, Comment: "secret"},
		{Name: "tags", Type: "text[]", Kind: handover.KindTextList, Comment: "labels"},
	}},
	{Name: "lock", Comment: "a lock row", Columns: []handover.Column{{Name: "only_row", Type: "boolean", Kind: handover.KindBool, Comment: "true"}}},
}

var decisions = map[string]handover.Decision{
	"account": {Omit: map[string]string{"password_hash": "a credential"}},
	"lock":    {Exclude: "holds no data"},
}

// TestPlanDecidesEveryTable: tables are exported without their omitted
// columns, excluded with the policy's reason, or, when the policy does
// not know them, excluded as unknown; plans come in name order.
func TestPlanDecidesEveryTable(t *testing.T) {
	plan, err := handover.Plan(tables, decisions)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan) != 3 || plan[0].Table.Name != "account" || plan[1].Table.Name != "lock" || plan[2].Table.Name != "zeta" {
		t.Fatalf("plan %+v, want account, lock, zeta", plan)
	}
	acc := plan[0]
	if acc.File != "account.parquet" || len(acc.Columns) != 2 || acc.Columns[1].Name != "tags" || acc.Omitted["password_hash"] != "a credential" {
		t.Errorf("account plan %+v", acc)
	}
	if plan[1].File != "" || plan[1].Excluded != "holds no data" {
		t.Errorf("lock plan %+v", plan[1])
	}
	if plan[2].File != "" || !strings.Contains(plan[2].Excluded, "not known to this paidan release") {
		t.Errorf("zeta plan %+v, want excluded as unknown", plan[2])
	}
}

// TestPlanRefusesAPolicyTheSchemaContradicts: a policy that omits a
// column the table lacks (renamed, say) is refused, naming both, rather
// than exporting a secret under its new name.
func TestPlanRefusesAPolicyTheSchemaContradicts(t *testing.T) {
	_, err := handover.Plan(tables, map[string]handover.Decision{"account": {Omit: map[string]string{"pw_hash": "a credential"}}})
	if err == nil || !strings.Contains(err.Error(), "paidan.account") || !strings.Contains(err.Error(), "pw_hash") {
		t.Errorf("Plan: %v, want a refusal naming paidan.account and pw_hash", err)
	}
}

// TestDictionaryMarkdown: every table gets a section, every column a row
// with its types and meaning; a pipe in a description is escaped, and
// omitted columns and excluded tables say why.
func TestDictionaryMarkdown(t *testing.T) {
	plan, err := handover.Plan(tables, decisions)
	if err != nil {
		t.Fatal(err)
	}
	d := handover.NewDictionary(handover.Snapshot{At: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), SchemaVersion: 56}, plan)
	var b bytes.Buffer
	if err := d.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	for _, want := range []string{
		"# Data dictionary: schema paidan, version 56",
		"| [account](#account) | `account.parquet` | people \\| logins |",
		"\n## account\n",
		"| tags | text[] | LIST<STRING> | yes | labels |",
		"| password_hash | text | not exported: a credential | no | secret |",
		"Not exported: holds no data.",
		"Primary key (id)",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("dictionary.md lacks %q:\n%s", want, md)
		}
	}
}
