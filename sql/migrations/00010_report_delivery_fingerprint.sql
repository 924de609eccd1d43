-- +goose Up
-- A delivered month's figures can be revised after it went out (a late
-- correction of the city's notice). The delivery keeps a fingerprint of the
-- figures it sends (fingerprint) and of those last delivered
-- (sent_fingerprint); when the figures differ from what was delivered, the
-- next scheduled check claims the row again and sends a correction (更正).
ALTER TABLE report_deliveries
    ADD COLUMN fingerprint      text NOT NULL DEFAULT '',
    ADD COLUMN sent_fingerprint text NOT NULL DEFAULT '',
    ADD COLUMN corrections      integer NOT NULL DEFAULT 0;  -- corrections delivered

-- +goose Down
ALTER TABLE report_deliveries
    DROP COLUMN fingerprint,
    DROP COLUMN sent_fingerprint,
    DROP COLUMN corrections;
