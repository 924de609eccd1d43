-- +goose Up
-- Who set a catalog row: 'default' rows came from the catalog embedded in
-- the binary and follow it when a release changes it; 'user' rows were
-- written by `catalog apply` or a configured catalog file, and the embedded
-- default never writes them again (SPEC section 3). Rows stored before this
-- migration were rewritten from the default on every start, so they count as
-- the default's.
ALTER TABLE indicators ADD COLUMN origin text NOT NULL DEFAULT 'default' CHECK (origin IN ('default', 'user'));
ALTER TABLE entities ADD COLUMN origin text NOT NULL DEFAULT 'default' CHECK (origin IN ('default', 'user'));

-- +goose Down
ALTER TABLE indicators DROP COLUMN origin;
ALTER TABLE entities DROP COLUMN origin;
