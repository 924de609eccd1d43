package ingest

import (
	"strings"

	"github.com/bizenv/bizenv"
)

// FindHeader finds the header row of t: the first row that has a cell for
// each of names, compared trimmed and without regard to ASCII case, so
// that title rows above the header (as in published notices) are skipped.
// It returns the row's index in t.Rows and the index of each name's first
// cell in that row. The error, EINVALID, lists the names and what the
// closest row lacks.
func FindHeader(t *Table, names []string) (row int, cols map[string]int, err error) {
	bestRow, bestFound := -1, 0
	for i, r := range t.Rows {
		cols := headerColumns(r, names)
		if len(cols) == len(names) {
			return i, cols, nil
		}
		if len(cols) > bestFound {
			bestRow, bestFound = i, len(cols)
		}
	}
	want := strings.Join(names, ", ")
	if bestRow < 0 {
		return -1, nil, bizenv.Errorf(bizenv.EINVALID, "%s: no header row with %s", t.Name, want)
	}
	cols = headerColumns(t.Rows[bestRow], names)
	var missing []string
	for _, n := range names {
		if _, ok := cols[n]; !ok {
			missing = append(missing, n)
		}
	}
	return -1, nil, bizenv.Errorf(bizenv.EINVALID, "%s: no header row with %s (line %d lacks %s)",
		t.Name, want, t.Rows[bestRow].Line, strings.Join(missing, ", "))
}

// headerColumns returns the index of the first cell of r holding each of
// names.
func headerColumns(r Row, names []string) map[string]int {
	cols := map[string]int{}
	for _, n := range names {
		for i := range r.Cells {
			if strings.EqualFold(r.Cell(i), trim(n)) {
				cols[n] = i
				break
			}
		}
	}
	return cols
}
