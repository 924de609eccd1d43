-- +goose Up
-- One row per monthly report sent (or being sent) to one channel. The key
-- makes a report go out once per period, entity and channel, however many
-- replicas run the schedule: a replica claims the row with INSERT ... ON
-- CONFLICT DO NOTHING before it sends, and only the one that inserted it (or
-- that re-claims a failed row) sends.
CREATE TABLE report_deliveries (
    period     date NOT NULL CHECK (extract(day FROM period) = 1),
    entity     text NOT NULL,
    channel    text NOT NULL,
    status     text NOT NULL CHECK (status IN ('sending', 'sent', 'failed')),
    attempts   integer NOT NULL DEFAULT 0,  -- sends tried, over every claim
    failures   integer NOT NULL DEFAULT 0,  -- sends that failed
    claimed_by text NOT NULL DEFAULT '',
    claimed_at timestamptz NOT NULL DEFAULT now(),
    sent_at    timestamptz,
    error      text NOT NULL DEFAULT '',
    PRIMARY KEY (period, entity, channel)
);

-- +goose Down
DROP TABLE report_deliveries;
