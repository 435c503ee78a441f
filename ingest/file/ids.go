package file

// idSet finds duplicate ids among the rows loaded so far. While the ids
// arrive in increasing byte order, as exports sorted by id do, a duplicate
// can only equal the last id and no hash set is built; the first id out of
// order builds one from the ids so far.
type idSet struct {
	ids   []string
	lines []int          // line of each id
	index map[string]int // id → position in ids; nil while the ids are in order
}

func newIDSet(n int) *idSet {
	return &idSet{ids: make([]string, 0, n), lines: make([]int, 0, n)}
}

// line returns the line of id when it was added, or 0.
func (s *idSet) line(id string) int {
	if s.index == nil {
		n := len(s.ids)
		switch {
		case n == 0 || id > s.ids[n-1]:
			return 0
		case id == s.ids[n-1]:
			return s.lines[n-1]
		}
		s.index = make(map[string]int, cap(s.ids))
		for i, x := range s.ids {
			s.index[x] = i
		}
	}
	if i, ok := s.index[id]; ok {
		return s.lines[i]
	}
	return 0
}

// add records id, which must not be in the set, as found on line.
func (s *idSet) add(id string, line int) {
	if s.index != nil {
		s.index[id] = len(s.ids)
	}
	s.ids = append(s.ids, id)
	s.lines = append(s.lines, line)
}
