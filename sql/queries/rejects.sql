-- Rejected records, kept with the run that met them.

-- name: CopyRejects
COPY rejects (run_id, file, line, record, reason, code, reason_zh) FROM STDIN

-- name: Rejects
-- Rejected records, newest first, of one run ($1, 0 for any) and one file
-- ($2, '' for any); $3 limits how many.
SELECT id, run_id, file, line, record, reason, code, reason_zh, created_at
FROM rejects
WHERE ($1::bigint = 0 OR run_id = $1::bigint) AND ($2::text = '' OR file = $2::text)
ORDER BY id DESC
LIMIT $3
