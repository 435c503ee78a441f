package paidan_test

import (
	"testing"

	"github.com/paidan/paidan"
)

func TestRunStatusCodesRoundTrip(t *testing.T) {
	t.Parallel()
	for _, s := range []paidan.RunStatus{paidan.RunRunning, paidan.RunApplied, paidan.RunFailed, paidan.RunSkipped} {
		t.Run(s.String(), func(t *testing.T) {
			t.Parallel()
			got, err := paidan.ParseRunStatus(s.String())
			if err != nil || got != s {
				t.Errorf("ParseRunStatus(%q) = %v, %v; want %v", s.String(), got, err, s)
			}
		})
	}
	if _, err := paidan.ParseRunStatus("done"); err == nil {
		t.Error(`ParseRunStatus("done") succeeded`)
	}
	if got := paidan.RunStatus(9).String(); got != "run_status(9)" {
		t.Errorf("RunStatus(9).String() = %q", got)
	}
}

func TestRunSetPlan(t *testing.T) {
	t.Parallel()
	p := &paidan.Plan{RulesHash: "r", InputHash: "i", Objective: 2.5, ObjectiveUnits: 2500, DualBound: 2500,
		Certificate: paidan.CertificateVerified, KPIs: paidan.KPIs{Overall: paidan.Summary{Tasks: 3}}}
	var r paidan.Run
	r.SetPlan(p)
	if r.RulesHash != "r" || r.InputHash != "i" || r.Objective != 2.5 || r.ObjectiveUnits != 2500 ||
		r.DualBound != 2500 || r.Certificate != paidan.CertificateVerified || r.KPIs.Overall.Tasks != 3 {
		t.Errorf("SetPlan copied %+v from %+v", r, p)
	}
}
