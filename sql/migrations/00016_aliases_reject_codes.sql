-- +goose Up
-- Other names of indicators and entities (SPEC section 2, aliases): input
-- may use them for the code. A separate table, so the catalog's rows keep
-- their shape; catalog apply refuses an alias that would name two records.
CREATE TABLE catalog_aliases (
    kind     text NOT NULL CHECK (kind IN ('indicator', 'entity')),
    code     text NOT NULL,
    alias    text NOT NULL CHECK (alias <> ''),
    position integer NOT NULL,
    PRIMARY KEY (kind, code, alias)
);

-- Each reject's stable reason code (unknown_entity, ratio_as_percent, ...)
-- and its message in Chinese; reason keeps the English one. Rejects stored
-- before have no code.
ALTER TABLE rejects ADD COLUMN code text NOT NULL DEFAULT '';
ALTER TABLE rejects ADD COLUMN reason_zh text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE rejects DROP COLUMN reason_zh;
ALTER TABLE rejects DROP COLUMN code;
DROP TABLE catalog_aliases;
