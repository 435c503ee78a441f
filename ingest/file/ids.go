package file

// idSet holds the ids of the rows loaded so far, with their lines, and
// finds an id among them. While the ids arrive in increasing byte order, as
// exports sorted by id do, a lookup compares with the last id only and no
// hash index is built; the first lookup that needs one builds it.
type idSet struct {
	ids   []string
	lines []int          // line of each id
	index map[string]int // id → position in ids; nil until needed
}

func newIDSet(n int) *idSet {
	return &idSet{ids: make([]string, 0, n), lines: make([]int, 0, n)}
}

// find returns the position of id in the set, or -1.
func (s *idSet) find(id string) int {
	if s.index == nil {
		n := len(s.ids)
		switch {
		case n == 0 || id > s.ids[n-1]:
			return -1
		case id == s.ids[n-1]:
			return n - 1
		}
		s.index = make(map[string]int, cap(s.ids))
		for i, x := range s.ids {
			s.index[x] = i
		}
	}
	if i, ok := s.index[id]; ok {
		return i
	}
	return -1
}

// add records id, which must not be in the set, as found on line.
func (s *idSet) add(id string, line int) {
	if s.index != nil {
		s.index[id] = len(s.ids)
	}
	s.ids = append(s.ids, id)
	s.lines = append(s.lines, line)
}
