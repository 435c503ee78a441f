package console_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/paidan/paidan/console"
)

// TestMaintenanceBanner: every page shows an active window as in progress
// and an upcoming one as announced; a cancelled or past one disappears.
func TestMaintenanceBanner(t *testing.T) {
	t.Parallel()
	e := newEnv(t, console.Options{})
	ctx := context.Background()
	by := console.Actor{Name: "shell:ops"}
	now := e.clock.Now()
	active, err := e.st.AnnounceMaintenance(ctx, by, console.Maintenance{Start: now.Add(-time.Minute), End: now.Add(time.Hour),
		Partition: "north", Message: "database upgrade <17>"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.AnnounceMaintenance(ctx, by, console.Maintenance{Start: now.Add(24 * time.Hour), End: now.Add(25 * time.Hour),
		Message: "network change"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.AnnounceMaintenance(ctx, by, console.Maintenance{Start: now.Add(-2 * time.Hour), End: now.Add(-time.Hour),
		Message: "long over"}); err != nil {
		t.Fatal(err)
	}
	_, page := e.do(t, e.client(t), "GET", "/login", "", nil)
	for _, want := range []string{
		"Maintenance in progress:", "partition north: database upgrade &lt;17&gt;",
		"Maintenance announced:", "every partition: network change",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("login page lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, "long over") {
		t.Errorf("login page shows a window that ended")
	}
	if _, err := e.st.CancelMaintenance(ctx, by, active.ID); err != nil {
		t.Fatal(err)
	}
	if _, page = e.do(t, e.client(t), "GET", "/login", "", nil); strings.Contains(page, "Maintenance in progress") {
		t.Errorf("the cancelled window still shows")
	}
	if _, err := e.st.AnnounceMaintenance(ctx, by, console.Maintenance{Start: now, End: now.Add(-time.Minute), Message: "x"}); err == nil {
		t.Errorf("a window that ends before it starts was recorded")
	}
}
