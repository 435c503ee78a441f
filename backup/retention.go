package backup

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"time"
)

// scheduledName is the name of a scheduled backup under its root:
// paidan-<UTC time, basic ISO 8601>.
const scheduledLayout = "20060102T150405Z"

var scheduledName = regexp.MustCompile(`^paidan-(\d{8}T\d{6}Z)$`)

// ScheduledDir returns the directory of a scheduled backup taken at t under
// root.
func ScheduledDir(root string, t time.Time) string {
	return filepath.Join(root, "paidan-"+t.UTC().Format(scheduledLayout))
}

// Scheduled lists the complete scheduled backups under root (those with a
// manifest), oldest first, with the time in their names.
func Scheduled(root string) ([]string, []time.Time, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, nil, fmt.Errorf("list backups in %s: %w", root, err)
	}
	type found struct {
		dir string
		at  time.Time
	}
	var all []found
	for _, e := range entries {
		m := scheduledName.FindStringSubmatch(e.Name())
		if m == nil || !e.IsDir() {
			continue
		}
		at, err := time.Parse(scheduledLayout, m[1])
		if err != nil {
			continue
		}
		dir := filepath.Join(root, e.Name())
		if _, err := os.Stat(filepath.Join(dir, ManifestFile)); err != nil {
			continue
		}
		all = append(all, found{dir, at})
	}
	slices.SortFunc(all, func(a, b found) int { return a.at.Compare(b.at) })
	dirs, times := make([]string, len(all)), make([]time.Time, len(all))
	for i, f := range all {
		dirs[i], times[i] = f.dir, f.at
	}
	return dirs, times, nil
}

// Prune removes all but the newest keep scheduled backups under root and
// returns the directories it removed. It never touches anything else in
// root. keep < 1 is an error.
func Prune(root string, keep int) ([]string, error) {
	if keep < 1 {
		return nil, fmt.Errorf("prune backups in %s: keep %d, want at least 1", root, keep)
	}
	dirs, _, err := Scheduled(root)
	if err != nil {
		return nil, err
	}
	if len(dirs) <= keep {
		return nil, nil
	}
	old := dirs[:len(dirs)-keep]
	for _, d := range old {
		if err := os.RemoveAll(d); err != nil {
			return nil, fmt.Errorf("prune backups in %s: %w", root, err)
		}
	}
	return old, nil
}
