package ledger

import (
	"fmt"
	"strings"
)

// Recomputed is what a run's stored rows give now, to compare with what its
// ledger entry recorded.
type Recomputed struct {
	RunDigest        Digest
	AssignmentCount  int64
	AssignmentDigest Digest
	UnassignedCount  int64
	UnassignedDigest Digest
}

// Kind says what a Finding found.
type Kind int

// The kinds of Finding. Never reorder: the values are reported.
const (
	SeqGap             Kind = iota + 1 // an entry number is missing or repeated
	ChainBroken                        // prev_hash is not the previous entry's hash
	EntryAltered                       // the entry's content does not give its hash
	RunMissing                         // the entry's run no longer exists
	FiguresChanged                     // the run's figures differ from what was recorded
	AssignmentsChanged                 // the run's assignment rows differ
	UnassignedChanged                  // the run's unassigned rows differ
	NoEntry                            // a finished run has no entry
	SignedHeadMismatch                 // the published, signed head is not in the chain
)

var kindNames = map[Kind]string{
	SeqGap: "entry out of sequence", ChainBroken: "chain broken", EntryAltered: "entry altered",
	RunMissing: "run missing", FiguresChanged: "figures changed", AssignmentsChanged: "assignment rows changed",
	UnassignedChanged: "unassigned rows changed", NoEntry: "finished run without entry",
	SignedHeadMismatch: "signed head not in chain",
}

// String names the kind.
func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Finding is one way the stored rows disagree with the ledger.
type Finding struct {
	Seq    int64 // the entry concerned; 0 when none (NoEntry)
	RunID  string
	Kind   Kind
	Detail string
}

// String describes the finding for a person.
func (f Finding) String() string {
	var b strings.Builder
	if f.RunID != "" {
		fmt.Fprintf(&b, "run %q", f.RunID)
	}
	if f.Seq > 0 {
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "(entry %d)", f.Seq)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "%s: %s", f.Kind, f.Detail)
	return b.String()
}

// MaxFindings bounds the findings a Report keeps; Report.Total counts all.
const MaxFindings = 1000

// Report is the outcome of checking a chain.
type Report struct {
	Entries  int64     // entries checked
	Head     Head      // the last entry checked: number and stored hash
	Findings []Finding // in chain order, at most MaxFindings
	Total    int       // every finding, kept or not
}

// OK reports whether the chain and every run's rows match.
func (r *Report) OK() bool { return r.Total == 0 }

// Chain checks a ledger's entries, in order, against what the stored rows
// give now. Feed it every entry with Add, then call Finish. The zero value
// is ready to use. It is not safe for concurrent use.
type Chain struct {
	report  Report
	prev    Digest
	prevRun string
	signed  *Head
	sawSeq  bool
}

// ExpectHead makes Finish report SignedHeadMismatch unless the chain holds
// entry h.Seq with hash h.Hash: a head published and signed earlier.
func (c *Chain) ExpectHead(h Head) { c.signed = &h }

func (c *Chain) add(f Finding) {
	c.report.Total++
	if len(c.report.Findings) < MaxFindings {
		c.report.Findings = append(c.report.Findings, f)
	}
}

// Add checks entry e, given what its run's rows give now (nil when the run
// no longer exists).
func (c *Chain) Add(e Entry, now *Recomputed) {
	want := c.report.Head.Seq + 1
	if e.Seq != want {
		c.add(Finding{e.Seq, e.RunID, SeqGap, fmt.Sprintf("entry %d follows entry %d", e.Seq, c.report.Head.Seq)})
	}
	if e.PrevHash != c.prev {
		detail := "its prev_hash is not the hash of the entry before it"
		if c.prevRun != "" {
			detail += fmt.Sprintf(" (run %q): one of the two entries was rewritten", c.prevRun)
		}
		c.add(Finding{e.Seq, e.RunID, ChainBroken, detail})
	}
	if e.ComputeHash() != e.Hash {
		c.add(Finding{e.Seq, e.RunID, EntryAltered, "the stored entry's fields do not give its stored hash"})
	}
	switch {
	case now == nil:
		c.add(Finding{e.Seq, e.RunID, RunMissing, "the ledger records the run but paidan.run no longer holds it as a finished run"})
	default:
		if now.RunDigest != e.RunDigest {
			c.add(Finding{e.Seq, e.RunID, FiguresChanged, fmt.Sprintf(
				"paidan.run's row gives digest %s, the ledger recorded %s", now.RunDigest, e.RunDigest)})
		}
		if now.AssignmentCount != e.AssignmentCount || now.AssignmentDigest != e.AssignmentDigest {
			c.add(Finding{e.Seq, e.RunID, AssignmentsChanged, fmt.Sprintf(
				"%d assignment row(s) now (digest %s), the ledger recorded %d (digest %s)",
				now.AssignmentCount, now.AssignmentDigest, e.AssignmentCount, e.AssignmentDigest)})
		}
		if now.UnassignedCount != e.UnassignedCount || now.UnassignedDigest != e.UnassignedDigest {
			c.add(Finding{e.Seq, e.RunID, UnassignedChanged, fmt.Sprintf(
				"%d unassigned row(s) now (digest %s), the ledger recorded %d (digest %s)",
				now.UnassignedCount, now.UnassignedDigest, e.UnassignedCount, e.UnassignedDigest)})
		}
	}
	if c.signed != nil && e.Seq == c.signed.Seq {
		c.sawSeq = true
		if e.Hash != c.signed.Hash {
			c.add(Finding{e.Seq, e.RunID, SignedHeadMismatch, fmt.Sprintf(
				"the signed head has hash %s for entry %d, the chain has %s: the chain was rewritten",
				c.signed.Hash, e.Seq, e.Hash)})
		}
	}
	c.prev, c.prevRun = e.Hash, e.RunID
	c.report.Head = Head{Seq: e.Seq, Hash: e.Hash}
	c.report.Entries++
}

// Finish reports every finished run without an entry (finishedWithout,
// in any order) and a signed head the chain did not hold, and returns the
// report.
func (c *Chain) Finish(finishedWithout []string) *Report {
	for _, id := range finishedWithout {
		c.add(Finding{RunID: id, Kind: NoEntry, Detail: "the run is finished but the ledger has no entry for it"})
	}
	if c.signed != nil && !c.sawSeq && *c.signed != (Head{}) {
		c.add(Finding{Seq: c.signed.Seq, Kind: SignedHeadMismatch, Detail: fmt.Sprintf(
			"the signed head names entry %d, which the chain (%d entries) does not hold: the chain was cut or rewritten",
			c.signed.Seq, c.report.Entries)})
	}
	r := c.report
	return &r
}
