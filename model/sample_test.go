package model

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/paidan/paidan"
)

// TestSampleBatch checks the sample's shape: every fourth task in batch
// order, each worker's capacity and remaining capacity a quarter of the
// batch's within the running rounding, the totals a quarter within half a
// unit, and nothing of the batch modified.
func TestSampleBatch(t *testing.T) {
	t.Parallel()
	b := &paidan.Batch{}
	for i := range 10 {
		b.Tasks = append(b.Tasks, paidan.Task{ID: paidan.TaskID(fmt.Sprintf("t%d", i))})
	}
	for i, c := range []struct{ capacity, load int }{{1, 0}, {1, 0}, {3, 1}, {25, 5}, {2, 2}, {0, 0}, {7, 9}, {40, 3}, {1, 0}} {
		b.Workers = append(b.Workers, paidan.Worker{ID: paidan.WorkerID(fmt.Sprintf("w%d", i)), Capacity: c.capacity, Load: c.load})
	}
	orig := append([]paidan.Worker(nil), b.Workers...)
	s := (&instance{batch: b}).sampleBatch()

	var ids []paidan.TaskID
	for _, tk := range s.Tasks {
		ids = append(ids, tk.ID)
	}
	if fmt.Sprint(ids) != "[t0 t4 t8]" {
		t.Errorf("sample tasks %v; want [t0 t4 t8]", ids)
	}
	var capSum, remSum, sCap, sRem int
	for i, w := range s.Workers {
		bw := orig[i]
		if !reflect.DeepEqual(b.Workers[i], bw) {
			t.Fatalf("worker %s modified: %+v, was %+v", bw.ID, b.Workers[i], bw)
		}
		if w.ID != bw.ID || w.Load < 0 || w.Load > w.Capacity {
			t.Fatalf("sample worker %+v of %+v: want the same id and 0 ≤ load ≤ capacity", w, bw)
		}
		capSum += bw.Capacity
		remSum += bw.Remaining()
		sCap += w.Capacity
		sRem += w.Remaining()
		// The running sums stay within half a unit of a quarter.
		if d := 4*sRem - remSum; d < -2 || d > 2 {
			t.Errorf("after worker %s: sample remaining %d for batch remaining %d; want a quarter within ½", bw.ID, sRem, remSum)
		}
		if w.Remaining() > (bw.Remaining()+3)/4+1 {
			t.Errorf("worker %s: sample remaining %d of %d", bw.ID, w.Remaining(), bw.Remaining())
		}
	}
	if d := 4*sCap - capSum; d < -2 || d > 8 {
		// Capacity is raised where the remaining share needs it.
		t.Errorf("sample capacity %d for batch capacity %d; want about a quarter", sCap, capSum)
	}
}
