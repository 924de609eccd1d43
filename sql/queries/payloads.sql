-- Fetched files kept as received, so a file already stored is not taken again.

-- name: InsertPayload
INSERT INTO payloads (run_id, name, sha256, size, content) VALUES ($1, $2, $3, $4, $5)

-- name: PayloadStored
-- A payload with this content was stored by a run that succeeded.
SELECT EXISTS (
    SELECT 1 FROM payloads p JOIN runs r ON r.id = p.run_id
    WHERE p.sha256 = $1 AND r.outcome IN ('success', 'partial') AND r.kind = $2 AND r.name = $3
)
