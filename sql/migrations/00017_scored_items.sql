-- +goose Up
-- Scored items and comparisons (SPEC sections 2 and 10): an item indicator
-- is part_of a composite score and worth at most max_points; compare says
-- whether the latest value is judged against the period before or the same
-- month a year earlier; alert_min_change is the smallest decline that
-- alerts. part_of is checked against the catalog when it is applied, not
-- with a foreign key, so that a catalog file may declare items before the
-- composite's row exists in the same transaction.
ALTER TABLE indicators
    ADD COLUMN compare text NOT NULL DEFAULT 'previous' CHECK (compare IN ('previous', 'year_ago')),
    ADD COLUMN part_of text,
    ADD COLUMN max_points double precision CHECK (max_points > 0),
    ADD COLUMN alert_min_change double precision NOT NULL DEFAULT 0 CHECK (alert_min_change >= 0),
    ADD CONSTRAINT indicators_item CHECK ((part_of IS NULL) = (max_points IS NULL));

-- +goose Down
ALTER TABLE indicators
    DROP CONSTRAINT indicators_item,
    DROP COLUMN alert_min_change,
    DROP COLUMN max_points,
    DROP COLUMN part_of,
    DROP COLUMN compare;
