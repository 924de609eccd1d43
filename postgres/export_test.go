package postgres

// OpenWithQueries is Open with the named queries of fsys, for testing that
// a broken one fails opening.
var OpenWithQueries = open
