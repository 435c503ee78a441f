package file_test

import (
	"bytes"
	"errors"
	"io/fs"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/ingest/file"
)

func TestReadRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  string
		edit func(r *paidan.Rules) // applied to the defaults
	}{
		{"empty", "", func(*paidan.Rules) {}},
		{"comments only", "# nothing set\n", func(*paidan.Rules) {}},
		{"null document", "~\n", func(*paidan.Rules) {}},
		{"top-level keys", "resolution: 0.01\ncandidates_per_task: 5\nmax_distance_km: 0\nspeed_kmh: 45\ntravel_cost_per_km: 2.5\nstability_penalty: 0\n",
			func(r *paidan.Rules) {
				r.Resolution, r.CandidatesPerTask, r.MaxDistanceKm, r.SpeedKmh, r.TravelCostPerKm, r.StabilityPenalty = 0.01, 5, 0, 45, 2.5, 0
			}},
		{"nested keys keep the others", "unassigned:\n  base: 200\n  max_waiting_hours: 0\n",
			func(r *paidan.Rules) { r.Unassigned.Base, r.Unassigned.MaxWaitingHours = 200, 0 }},
		{"balance replaced", "balance:\n  - above: 0.6\n    cost_per_task: 3\n",
			func(r *paidan.Rules) { r.Balance = []paidan.BalanceTier{{Above: 0.6, CostPerTask: 3}} }},
		{"balance off", "balance: []\n", func(r *paidan.Rules) { r.Balance = nil }},
		{"flow style", "{speed_kmh: 20, unassigned: {per_priority: 100}}", func(r *paidan.Rules) {
			r.SpeedKmh, r.Unassigned.PerPriority = 20, 100
		}},
		{"decimals kept exactly", "resolution: 1e-3\nstability_penalty: 1.0005\ntravel_cost_per_km: 1.50\nunassigned:\n  base: 123456789012345\n", func(r *paidan.Rules) {
			r.Resolution, r.StabilityPenalty, r.TravelCostPerKm, r.Unassigned.Base = 0.001, 1.0005, 1.5, 123456789012345
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := file.ReadRules(strings.NewReader(tt.doc), "rules.yaml")
			if err != nil {
				t.Fatal(err)
			}
			want := paidan.DefaultRules()
			tt.edit(&want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestReadRulesErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  string
		line int
		key  string
		want error
	}{
		{"unknown key", "speed_kmh: 20\nspeed: 30\n", 2, "speed", paidan.ErrUnknownKey},
		{"unknown nested key", "unassigned:\n  base: 1\n  bias: 2\n", 3, "bias", paidan.ErrUnknownKey},
		{"unknown balance key", "balance:\n  - above: 0.5\n    cost: 2\n", 3, "cost", paidan.ErrUnknownKey},
		{"wrong type", "\ncandidates_per_task: many\n", 2, "candidates_per_task", paidan.ErrSyntax},
		{"float for int", "candidates_per_task: 2.5\n", 1, "candidates_per_task", paidan.ErrSyntax},
		{"string for int", "candidates_per_task: \"3\"\n", 1, "candidates_per_task", paidan.ErrSyntax},
		{"list for int", "candidates_per_task: [3]\n", 1, "candidates_per_task", paidan.ErrSyntax},
		{"word for number", "max_distance_km: ten\n", 1, "max_distance_km", paidan.ErrSyntax},
		{"string for number", "speed_kmh: \"30\"\n", 1, "speed_kmh", paidan.ErrSyntax},
		{"wrong type nested", "unassigned:\n  base: 1\n  per_priority: lots\n", 3, "unassigned.per_priority", paidan.ErrSyntax},
		{"wrong type in flow tier", "balance:\n  - {above: 0.5, cost_per_task: x}\n", 2, "balance[0].cost_per_task", paidan.ErrSyntax},
		{"mapping for number", "stability_penalty: {a: 1}\n", 1, "stability_penalty", paidan.ErrSyntax},
		{"more digits than float64 keeps", "stability_penalty: 1.00000000000000001\n", 1, "stability_penalty", paidan.ErrSyntax},
		{"17 digits that do not round-trip", "resolution: 0.12345678901234567\n", 1, "resolution", paidan.ErrSyntax},
		{"bad YAML", "speed_kmh: 20\n  max_distance_km: [\n", 2, "", paidan.ErrSyntax},
		{"duplicate key", "speed_kmh: 20\nspeed_kmh: 30\n", 2, "", paidan.ErrSyntax},
		{"not a mapping", "- 1\n- 2\n", 1, "", paidan.ErrSyntax},
		{"two documents", "speed_kmh: 20\n---\nspeed_kmh: 30\n", 2, "", paidan.ErrSyntax},
		{"negative", "# limits\nmax_distance_km: -1\n", 2, "", paidan.ErrOutOfRange},
		{"not finite", "unassigned:\n  base: .nan\n", 2, "", paidan.ErrNotFinite},
		{"infinite", "travel_cost_per_km: .inf\n", 1, "", paidan.ErrNotFinite},
		{"zero candidates", "candidates_per_task: 0\n", 1, "", paidan.ErrOutOfRange},
		{"null value", "resolution: 0.01\nunassigned:\n  base:\n", 3, "unassigned.base", paidan.ErrMissingValue},
		{"null balance", "balance: ~\n", 1, "balance", paidan.ErrMissingValue},
		{"balance above 1", "balance:\n  - above: 0.5\n    cost_per_task: 1\n  - above: 1\n    cost_per_task: 2\n", 4, "", paidan.ErrOutOfRange},
		{"balance falling", "balance:\n  - above: 0.5\n    cost_per_task: 3\n  - above: 0.7\n    cost_per_task: 2\n", 4, "", paidan.ErrOutOfRange},
		{"too large", "# " + strings.Repeat("x", file.MaxRulesBytes), 0, "", paidan.ErrTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := file.ReadRules(strings.NewReader(tt.doc), "rules.yaml")
			if err == nil {
				t.Fatal("ReadRules succeeded, want an error")
			}
			ie := firstInputError(t, err)
			if ie.Source != "rules.yaml" || ie.Line != tt.line || ie.Key != tt.key {
				t.Errorf("error at %s:%d %q, want rules.yaml:%d %q (%v)", ie.Source, ie.Line, ie.Key, tt.line, tt.key, err)
			}
			if !errors.Is(ie, tt.want) {
				t.Errorf("error %v does not wrap %v", ie, tt.want)
			}
		})
	}
}

func TestLoadRulesMissingFile(t *testing.T) {
	t.Parallel()
	_, err := file.LoadRules(filepath.Join(t.TempDir(), "rules.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("LoadRules = %v, want fs.ErrNotExist", err)
	}
}

func TestLoadWithBadRules(t *testing.T) {
	t.Parallel()
	dir := writeDataset(t, map[string]string{
		"rules.yaml":  "speed_kmh: 20\nsped_kmh: 30\n",
		"tasks.csv":   tasksHeader + "T1,north,,0,91,121,2026-01-05T08:00:00Z,,,\n",
		"workers.csv": goodWorkers,
	})
	_, err := file.Load(t.Context(), dir, file.Options{})
	var got []string
	for _, ie := range inputErrors(err) {
		got = append(got, ie.Source+":"+ie.Key)
	}
	if want := []string{"rules.yaml:sped_kmh", "tasks.csv:lat"}; !reflect.DeepEqual(got, want) {
		t.Errorf("errors %q, want %q", got, want)
	}
}

func TestWriteRulesRoundTrip(t *testing.T) {
	t.Parallel()
	for _, r := range []paidan.Rules{
		paidan.DefaultRules(),
		{Resolution: 1e-9, CandidatesPerTask: 1 << 40, SpeedKmh: 1e-9, Unassigned: paidan.UnassignedPenalty{Base: 1e300}},
	} {
		var buf bytes.Buffer
		if err := file.WriteRules(&buf, &r); err != nil {
			t.Fatal(err)
		}
		got, err := file.ReadRules(&buf, "rules.yaml")
		if err != nil {
			t.Fatalf("ReadRules of written %+v: %v", r, err)
		}
		if !reflect.DeepEqual(got, r) {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, r)
		}
	}
}
