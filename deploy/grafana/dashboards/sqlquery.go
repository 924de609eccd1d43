package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/common"
)

// PostgresType is the plugin id of Grafana's PostgreSQL data source.
const PostgresType = "grafana-postgresql-datasource"

// SQLQuery is a query of Grafana's PostgreSQL data source, which the
// Foundation SDK has no type for. It is built the way the SDK's "custom
// query type" how-to shows.
type SQLQuery struct {
	RefId      string                `json:"refId"`
	Hide       *bool                 `json:"hide,omitempty"`
	Datasource *common.DataSourceRef `json:"datasource,omitempty"`
	// Format is "time_series" or "table".
	Format string `json:"format"`
	RawSql string `json:"rawSql"`
	// RawQuery and EditorMode "code" open the query in the code editor,
	// not the builder, which could not represent the joins.
	RawQuery   bool   `json:"rawQuery"`
	EditorMode string `json:"editorMode"`
}

var _ variants.Dataquery = SQLQuery{}

// ImplementsDataqueryVariant tells cog that SQLQuery is a data query.
func (SQLQuery) ImplementsDataqueryVariant() {}

// DataqueryType is the plugin id the query belongs to.
func (SQLQuery) DataqueryType() string { return PostgresType }

// Validate accepts every query: the SQL is checked against the schema by tests.
func (SQLQuery) Validate() error { return nil }

// Equals reports whether other is the same query.
func (q SQLQuery) Equals(other variants.Dataquery) bool {
	o, ok := other.(SQLQuery)
	if !ok {
		return false
	}
	if (q.Hide == nil) != (o.Hide == nil) || q.Hide != nil && *q.Hide != *o.Hide {
		return false
	}
	if (q.Datasource == nil) != (o.Datasource == nil) || q.Datasource != nil && !q.Datasource.Equals(*o.Datasource) {
		return false
	}
	return q.RefId == o.RefId && q.Format == o.Format && q.RawSql == o.RawSql &&
		q.RawQuery == o.RawQuery && q.EditorMode == o.EditorMode
}

// SQLQueryBuilder builds an SQLQuery for a panel's targets.
type SQLQueryBuilder struct {
	internal *SQLQuery
}

var _ cog.Builder[variants.Dataquery] = (*SQLQueryBuilder)(nil)

// NewSQLQueryBuilder starts a query on the bizenv PostgreSQL data source.
func NewSQLQueryBuilder(sql string) *SQLQueryBuilder {
	uid, typ := PostgresUID, PostgresType
	return &SQLQueryBuilder{internal: &SQLQuery{
		Datasource: &common.DataSourceRef{Uid: &uid, Type: &typ},
		Format:     "time_series",
		RawSql:     sql,
		RawQuery:   true,
		EditorMode: "code",
	}}
}

// Build returns the query.
func (b *SQLQueryBuilder) Build() (variants.Dataquery, error) {
	if err := b.internal.Validate(); err != nil {
		return SQLQuery{}, err
	}
	return *b.internal, nil
}

// RefId sets the query's reference id within its panel.
func (b *SQLQueryBuilder) RefId(refID string) *SQLQueryBuilder {
	b.internal.RefId = refID
	return b
}

// Table makes the query return a table rather than time series.
func (b *SQLQueryBuilder) Table() *SQLQueryBuilder {
	b.internal.Format = "table"
	return b
}
