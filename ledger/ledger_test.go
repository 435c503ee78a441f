package ledger_test

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/paidan/paidan/ledger"
)

// field builds one canonical field by hand, independently of the package's
// encoder: tag byte 1, then the value.
func textField(s string) []byte {
	b := []byte{1, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(b[1:], uint32(len(s)))
	return append(b, s...)
}

func floatField(f float64) []byte {
	b := make([]byte, 9)
	b[0] = 1
	binary.BigEndian.PutUint64(b[1:], math.Float64bits(f))
	return b
}

func intField(v int64) []byte {
	b := make([]byte, 9)
	b[0] = 1
	binary.BigEndian.PutUint64(b[1:], uint64(v))
	return b
}

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// TestRowDigestsByHand checks the digests against byte strings assembled
// by hand from the README's specification.
func TestRowDigestsByHand(t *testing.T) {
	t.Parallel()
	d := ledger.NewUnassignedDigest()
	for _, u := range []ledger.Unassigned{{"t1", "no_skill", "no forklift"}, {"t2", "no_capacity", ""}} {
		if err := d.AddUnassigned(u); err != nil {
			t.Fatal(err)
		}
	}
	n, got := d.Sum()
	want := sha256.Sum256(cat(textField("paidan.unassigned/v1"),
		textField("t1"), textField("no_skill"), textField("no forklift"),
		textField("t2"), textField("no_capacity"), textField("")))
	if n != 2 || got != ledger.Digest(want) {
		t.Errorf("unassigned digest = %d, %s; want 2, %x", n, got, want)
	}

	a := ledger.NewAssignmentDigest()
	if err := a.AddAssignment(ledger.Assignment{TaskID: "é", WorkerID: "w", DistanceKm: 0.1, CostTravel: -1.5, CostBalance: 0, CostStability: 1e-300, Pinned: true}); err != nil {
		t.Fatal(err)
	}
	_, got = a.Sum()
	want = sha256.Sum256(cat(textField("paidan.assignment/v1"), textField("é"), textField("w"),
		floatField(0.1), floatField(-1.5), floatField(0), floatField(1e-300), []byte{1, 1}))
	if got != ledger.Digest(want) {
		t.Errorf("assignment digest = %s, want %x", got, want)
	}

	rules := "r"
	started := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	r := ledger.Run{ID: "run-1", Partition: "north", StartedAt: started, Status: "failed", RulesHash: &rules,
		Objective: 2.5, ObjectiveUnits: 2500, DualBound: 2500, Certificate: "unchecked", Assigned: 0, Conflicts: 3}
	want = sha256.Sum256(cat(textField("paidan.run/v1"), textField("run-1"), textField("north"),
		intField(started.UnixMicro()), []byte{0}, textField("failed"), textField("r"), []byte{0},
		floatField(2.5), intField(2500), intField(2500), textField("unchecked"), []byte{0},
		intField(0), intField(3), []byte{0}))
	if got := r.Digest(); got != ledger.Digest(want) {
		t.Errorf("run digest = %s, want %x", got, want)
	}
}

func TestRowDigestRefusesDisorder(t *testing.T) {
	t.Parallel()
	d := ledger.NewAssignmentDigest()
	// "B" < "a" in byte order, the other way round in most locales.
	for _, id := range []string{"B", "a"} {
		if err := d.AddAssignment(ledger.Assignment{TaskID: id}); err != nil {
			t.Fatalf("add %q: %v", id, err)
		}
	}
	if err := d.AddAssignment(ledger.Assignment{TaskID: "a"}); err == nil {
		t.Error("a repeated task id was accepted")
	}
	if err := d.AddAssignment(ledger.Assignment{TaskID: "A"}); err == nil {
		t.Error("a task id out of byte order was accepted")
	}
}

// chain builds n consistent entries and what their runs give now.
func chain(n int) ([]ledger.Entry, []ledger.Recomputed) {
	var (
		entries []ledger.Entry
		now     []ledger.Recomputed
		prev    ledger.Digest
	)
	for i := range n {
		r := ledger.Run{ID: string(rune('a' + i)), Partition: "p", Status: "applied", Certificate: "verified"}
		rc := ledger.Recomputed{RunDigest: r.Digest(), AssignmentDigest: ledger.EmptyAssignments(), UnassignedDigest: ledger.EmptyUnassigned()}
		e := ledger.Entry{Seq: int64(i + 1), RunID: r.ID, RecordedAt: time.Unix(int64(i), 0), RunDigest: rc.RunDigest,
			AssignmentDigest: rc.AssignmentDigest, UnassignedDigest: rc.UnassignedDigest, PrevHash: prev}
		e.Hash = e.ComputeHash()
		prev = e.Hash
		entries = append(entries, e)
		now = append(now, rc)
	}
	return entries, now
}

func check(entries []ledger.Entry, now []ledger.Recomputed, head *ledger.Head) *ledger.Report {
	var c ledger.Chain
	if head != nil {
		c.ExpectHead(*head)
	}
	for i, e := range entries {
		n := now[i]
		c.Add(e, &n)
	}
	return c.Finish(nil)
}

func TestChainFindsTampering(t *testing.T) {
	t.Parallel()
	entries, now := chain(5)
	if r := check(entries, now, nil); !r.OK() || r.Entries != 5 {
		t.Fatalf("intact chain: %+v", r)
	}
	for _, tc := range []struct {
		name   string
		tamper func(e []ledger.Entry, n []ledger.Recomputed)
		kind   ledger.Kind
		run    string
	}{
		{"figures", func(_ []ledger.Entry, n []ledger.Recomputed) { n[2].RunDigest[0] ^= 1 }, ledger.FiguresChanged, "c"},
		{"assignments", func(_ []ledger.Entry, n []ledger.Recomputed) { n[1].AssignmentCount++ }, ledger.AssignmentsChanged, "b"},
		{"unassigned", func(_ []ledger.Entry, n []ledger.Recomputed) { n[3].UnassignedDigest[5] ^= 1 }, ledger.UnassignedChanged, "d"},
		{"entry", func(e []ledger.Entry, _ []ledger.Recomputed) { e[2].AssignmentCount = 7 }, ledger.EntryAltered, "c"},
		{"rehashed entry", func(e []ledger.Entry, _ []ledger.Recomputed) {
			e[1].RecordedAt = e[1].RecordedAt.Add(time.Hour)
			e[1].Hash = e[1].ComputeHash()
		}, ledger.ChainBroken, "c"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, n := chain(5)
			tc.tamper(e, n)
			r := check(e, n, nil)
			if r.OK() || r.Findings[0].Kind != tc.kind || r.Findings[0].RunID != tc.run {
				t.Errorf("findings %v, want first %v of run %q", r.Findings, tc.kind, tc.run)
			}
		})
	}

	// A whole chain rebuilt from a changed run is consistent in itself;
	// only a head published before gives it away.
	published := ledger.Head{Seq: entries[4].Seq, Hash: entries[4].Hash}
	e, n := chain(5)
	n[0].RunDigest[0] ^= 1
	e[0].RunDigest = n[0].RunDigest
	prev := ledger.Digest{}
	for i := range e {
		e[i].PrevHash = prev
		e[i].Hash = e[i].ComputeHash()
		prev = e[i].Hash
	}
	if r := check(e, n, nil); !r.OK() {
		t.Fatalf("rebuilt chain without a published head: %v", r.Findings)
	}
	r := check(e, n, &published)
	if r.OK() || r.Findings[0].Kind != ledger.SignedHeadMismatch {
		t.Errorf("rebuilt chain against the published head: %v, want %v", r.Findings, ledger.SignedHeadMismatch)
	}
}

func TestSignedHead(t *testing.T) {
	t.Parallel()
	privPEM, pubPEM, err := ledger.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	priv, err := ledger.ParsePrivateKey(privPEM)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ledger.ParsePublicKey(pubPEM)
	if err != nil {
		t.Fatal(err)
	}
	h := ledger.Head{Seq: 42, Hash: ledger.Digest{1, 2, 3}}
	s := ledger.SignHead(priv, "db", h, time.Date(2026, 12, 3, 0, 0, 0, 1, time.UTC))
	if err := s.Verify(pub); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	got, err := s.Head()
	if err != nil || got != h {
		t.Errorf("Head() = %v, %v; want %v", got, err, h)
	}
	s.Seq = 41
	if err := s.Verify(pub); !errors.Is(err, ledger.ErrBadSignature) {
		t.Errorf("Verify of a changed head: %v, want ErrBadSignature", err)
	}
	s.Seq = 42
	_, otherPub, _ := ledger.GenerateKey()
	other, _ := ledger.ParsePublicKey(otherPub)
	if err := s.Verify(other); !errors.Is(err, ledger.ErrBadSignature) {
		t.Errorf("Verify with another key: %v, want ErrBadSignature", err)
	}
	if _, err := ledger.ParsePrivateKey(pubPEM); err == nil {
		t.Error("a public key was accepted as a private key")
	}
}
