package parquet_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/export/parquet"
	"github.com/paidan/paidan/export/parquet/internal/fixture"
)

// TestReadPlanRoundTrip reads back the fixture export: every figure
// ReadPlan restores equals the plan written.
func TestReadPlanRoundTrip(t *testing.T) {
	t.Parallel()
	dir, m := writeFixture(t, testOptions())
	got, gm, err := parquet.ReadPlan(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gm, m) {
		t.Errorf("manifest %+v; Write returned %+v", gm, m)
	}
	want := fixture.Plan()
	want.KPIs = paidan.KPIs{}
	want.AsOf = want.AsOf.UTC()
	for i := range want.Workers {
		want.Workers[i].Regions = nil
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read back\n %+v\nwant\n %+v", got, want)
	}
}

func TestReadPlanRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		tamper func(dir string) error
	}{
		{"no manifest", func(dir string) error { return os.Remove(filepath.Join(dir, parquet.ManifestFile)) }},
		{"altered file", func(dir string) error {
			f, err := os.OpenFile(filepath.Join(dir, parquet.PotentialsFile), os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				return err
			}
			_, err = f.Write([]byte{0})
			return errors.Join(err, f.Close())
		}},
		{"missing file", func(dir string) error { return os.Remove(filepath.Join(dir, parquet.WorkersFile)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir, _ := writeFixture(t, testOptions())
			if err := tc.tamper(dir); err != nil {
				t.Fatal(err)
			}
			if _, _, err := parquet.ReadPlan(context.Background(), dir); !errors.Is(err, parquet.ErrIncomplete) && !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("ReadPlan: %v; want ErrIncomplete or ErrNotExist", err)
			} else if err == nil {
				t.Fatal("ReadPlan accepted a tampered export")
			}
		})
	}
}
