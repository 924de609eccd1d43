// Package sqlsource collects indicators with a query against another
// PostgreSQL database, run in a read-only transaction with a statement
// timeout.
package sqlsource

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lib/pq"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/collectors/kind"
	"github.com/bizenv/bizenv/config"
	"github.com/bizenv/bizenv/ingest"
	"github.com/bizenv/bizenv/internal/pgdsn"
)

// columns are the columns the query must return, in any order.
var columns = []string{"period", "entity", "indicator", "value"}

// Source is one sql collector.
type Source struct {
	name    string
	cfg     config.SQLSource
	timeout time.Duration // the statement timeout
}

// New returns the source of the sql collector c.
func New(c config.Source, _ kind.Deps) *Source {
	return &Source{name: c.Name, cfg: *c.SQL, timeout: c.Timeout}
}

// Plan makes one run: the rows name their periods.
func (s *Source) Plan(periods []bizenv.Period) [][]bizenv.Period { return kind.InData(periods) }

// Secrets returns the DSN's password, in the forms a message may quote.
func (s *Source) Secrets() []string { return pgdsn.Secrets(s.cfg.DSN) }

// Fetch runs the query and checks each row with j's validator. The raw
// payload is the result as CSV, header included.
func (s *Source) Fetch(ctx context.Context, j kind.Job) (bizenv.Batch, error) {
	v := j.Validator
	// The statement timeout bounds the query on the server; the context
	// bounds connecting and reading on this side.
	ctx, cancel := context.WithTimeout(ctx, s.timeout+10*time.Second)
	defer cancel()
	connector, err := pq.NewConnector(s.cfg.DSN)
	if err != nil {
		return bizenv.Batch{}, fmt.Errorf("dsn: %s", s.scrub(err.Error()))
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	db.SetMaxOpenConns(1)

	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return bizenv.Batch{}, fmt.Errorf("connect: %s", s.scrub(err.Error()))
	}
	defer tx.Rollback()
	ms := s.timeout.Milliseconds()
	if _, err := tx.ExecContext(ctx, "SET LOCAL statement_timeout = "+strconv.FormatInt(max(ms, 1), 10)); err != nil {
		return bizenv.Batch{}, fmt.Errorf("set statement_timeout: %s", s.scrub(err.Error()))
	}
	// Prepared, the query goes through the extended protocol, which runs
	// exactly one statement: "COMMIT; INSERT ..." cannot end the read-only
	// transaction and write in the next.
	stmt, err := tx.PrepareContext(ctx, s.cfg.Query)
	if err != nil {
		return bizenv.Batch{}, fmt.Errorf("query: %s", s.scrub(err.Error()))
	}
	defer stmt.Close()
	rows, err := stmt.QueryContext(ctx)
	if err != nil {
		return bizenv.Batch{}, fmt.Errorf("query: %s", s.scrub(err.Error()))
	}
	defer rows.Close()
	names, err := rows.Columns()
	if err != nil {
		return bizenv.Batch{}, fmt.Errorf("query: %s", s.scrub(err.Error()))
	}
	index := map[string]int{}
	for i, n := range names {
		if _, dup := index[strings.ToLower(n)]; !dup {
			index[strings.ToLower(n)] = i
		}
	}
	var missing []string
	for _, c := range columns {
		if _, ok := index[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return bizenv.Batch{}, fmt.Errorf("query returns columns %s; want period, entity, indicator and value (missing %s)",
			strings.Join(names, ", "), strings.Join(missing, ", "))
	}

	var payload bytes.Buffer
	w := csv.NewWriter(&payload)
	w.Write(names)
	where := "sql:" + s.name
	var b bizenv.Batch
	vals := make([]any, len(names))
	ptrs := make([]any, len(names))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for line := 1; rows.Next(); line++ {
		if err := rows.Scan(ptrs...); err != nil {
			return bizenv.Batch{}, fmt.Errorf("row %d: %s", line, s.scrub(err.Error()))
		}
		cells := make([]string, len(vals))
		for i, x := range vals {
			cells[i] = text(x)
		}
		w.Write(cells)
		get := func(c string) string { return cells[index[c]] }
		obs, ok, reject := v.Check(ingest.Record{
			File: where, Line: line, Raw: joinCSV(cells),
			Period: get("period"), Entity: get("entity"), Indicator: get("indicator"), Value: get("value"),
			Source: s.name,
		})
		if ok {
			b.Observations = append(b.Observations, obs)
		} else if reject != nil {
			b.Rejects = append(b.Rejects, *reject)
		}
	}
	if err := rows.Err(); err != nil {
		return bizenv.Batch{}, fmt.Errorf("query: %s", s.scrub(err.Error()))
	}
	w.Flush()
	sum := sha256.Sum256(payload.Bytes())
	b.Payloads = []bizenv.Payload{{Name: where + ".csv", SHA256: hex.EncodeToString(sum[:]), Content: payload.Bytes()}}
	return b, nil
}

// text writes a scanned value the way the validator reads it: dates as
// YYYY-MM, numbers in full, NULL as "" (no value).
func text(x any) string {
	switch x := x.(type) {
	case nil:
		return ""
	case time.Time:
		return x.Format("2006-01")
	case []byte:
		return string(x)
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(x)
}

func joinCSV(cells []string) string {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(cells)
	w.Flush()
	return strings.TrimRight(buf.String(), "\r\n")
}

// scrub removes the DSN's password from a driver message.
func (s *Source) scrub(msg string) string { return pgdsn.Redact(msg, s.cfg.DSN) }
