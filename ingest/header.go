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
	columns := make([][]string, len(names))
	for i, n := range names {
		columns[i] = []string{n}
	}
	return FindHeaderOf(t, columns)
}

// FindHeaderOf is FindHeader for columns that go by several names: each
// column is a list of the names it may have (period, 期间, 月份...), the
// first of which keys the map returned and names the column in errors.
func FindHeaderOf(t *Table, columns [][]string) (row int, cols map[string]int, err error) {
	bestRow, bestFound := -1, 0
	for i, r := range t.Rows {
		cols := headerColumns(r, columns)
		if len(cols) == len(columns) {
			return i, cols, nil
		}
		if len(cols) > bestFound {
			bestRow, bestFound = i, len(cols)
		}
	}
	names := make([]string, len(columns))
	for i, c := range columns {
		names[i] = c[0]
	}
	want := strings.Join(names, ", ")
	if bestRow < 0 {
		return -1, nil, bizenv.Errorf(bizenv.EINVALID, "%s: no header row with %s", t.Name, want).ZH("%s：找不到含 %s 列的表头行", t.Name, want)
	}
	cols = headerColumns(t.Rows[bestRow], columns)
	var missing []string
	for _, n := range names {
		if _, ok := cols[n]; !ok {
			missing = append(missing, n)
		}
	}
	return -1, nil, bizenv.Errorf(bizenv.EINVALID, "%s: no header row with %s (line %d lacks %s)",
		t.Name, want, t.Rows[bestRow].Line, strings.Join(missing, ", ")).
		ZH("%s：找不到含 %s 列的表头行（第 %d 行缺少 %s）", t.Name, want, t.Rows[bestRow].Line, strings.Join(missing, ", "))
}

// headerColumns returns, for each column, the index of the first cell of r
// holding one of its names, keyed by the column's first name.
func headerColumns(r Row, columns [][]string) map[string]int {
	cols := map[string]int{}
	for _, names := range columns {
	cells:
		for i := range r.Cells {
			for _, n := range names {
				if strings.EqualFold(r.Cell(i), trim(n)) {
					cols[names[0]] = i
					break cells
				}
			}
		}
	}
	return cols
}
