-- Report deliveries: one row per (period, entity, channel), claimed before
-- sending so that replicas send each report once.

-- name: ClaimDelivery
-- Claims a delivery that nobody has claimed yet. A row back means this
-- caller owns it and may send.
INSERT INTO report_deliveries (period, entity, channel, status, claimed_by, fingerprint)
VALUES ($1, $2, $3, 'sending', $4, $5)
ON CONFLICT (period, entity, channel) DO NOTHING
RETURNING false AS correction

-- name: AdoptDeliveredFingerprint
-- A delivery sent before fingerprints were kept takes the current one as
-- what it delivered, so upgrading sends nothing again.
UPDATE report_deliveries SET sent_fingerprint = $4
WHERE period = $1 AND entity = $2 AND channel = $3 AND status = 'sent' AND sent_fingerprint = ''

-- name: ReclaimDelivery
-- Claims again a delivery that failed, whose sender vanished mid-send
-- (claimed more than $5 ago and still sending), or that was sent with
-- figures other than $6, the current ones. The row lock makes one caller
-- win. A row back means the caller may send; correction is true when other
-- figures were delivered before.
UPDATE report_deliveries SET status = 'sending', claimed_by = $4, claimed_at = now(), error = '', fingerprint = $6
WHERE period = $1 AND entity = $2 AND channel = $3
  AND (status = 'failed' OR (status = 'sending' AND claimed_at < now() - $5::interval)
       OR (status = 'sent' AND sent_fingerprint <> '' AND sent_fingerprint <> $6))
RETURNING sent_fingerprint <> '' AS correction

-- name: DeliveryAttempt
-- One send tried; $4 is the error, '' when it succeeded.
UPDATE report_deliveries SET attempts = attempts + 1,
    failures = failures + CASE WHEN $4::text = '' THEN 0 ELSE 1 END,
    status = CASE WHEN $4::text = '' THEN 'sent' ELSE status END,
    sent_at = CASE WHEN $4::text = '' THEN now() ELSE sent_at END,
    corrections = corrections + CASE WHEN $4::text = '' AND sent_fingerprint <> '' THEN 1 ELSE 0 END,
    sent_fingerprint = CASE WHEN $4::text = '' THEN fingerprint ELSE sent_fingerprint END,
    error = $4::text
WHERE period = $1 AND entity = $2 AND channel = $3

-- name: FailDelivery
-- The sender gave up on this claim; the next schedule may claim it again.
UPDATE report_deliveries SET status = 'failed'
WHERE period = $1 AND entity = $2 AND channel = $3 AND status = 'sending'

-- name: DeliveredPeriods
-- The months delivered (to any channel) since $1: the ones whose figures
-- may be revised and need a correction.
SELECT DISTINCT period FROM report_deliveries
WHERE period >= $1 AND (status = 'sent' OR sent_fingerprint <> '')
ORDER BY period

-- name: DeliveryTotals
-- Monotonic counts per channel: reports sent, and sends that failed.
SELECT channel,
       count(*) FILTER (WHERE status = 'sent') AS sent,
       COALESCE(sum(failures), 0) AS failed
FROM report_deliveries
GROUP BY channel
ORDER BY channel
