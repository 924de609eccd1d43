-- The rectification ledger (postgres/actions.go).

-- name: ListActions
SELECT id, title, problem, measure, origin, entity, owner, responsible, indicators,
       opened, due, status, closed, source, revision, changed_by, changed_at
FROM actions
WHERE ($1 = '' OR owner = $1)
  AND ($2 = '' OR entity = $2)
  AND ($3 = '' OR status = $3)
  AND (NOT $4 OR (status IN ('open', 'in_progress') AND due < $5))
ORDER BY owner, id

-- name: GetAction
SELECT id, title, problem, measure, origin, entity, owner, responsible, indicators,
       opened, due, status, closed, source, revision, changed_by, changed_at
FROM actions WHERE id = $1

-- name: LockAction
SELECT id, title, problem, measure, origin, entity, owner, responsible, indicators,
       opened, due, status, closed, source, revision, changed_by, changed_at
FROM actions WHERE id = $1 FOR UPDATE

-- name: InsertAction
INSERT INTO actions (id, title, problem, measure, origin, entity, owner, responsible, indicators,
                     opened, due, status, closed, source, changed_by, changed_at)
VALUES (:id, :title, :problem, :measure, :origin, :entity, :owner, :responsible, :indicators,
        :opened, :due, :status, :closed, :source, :changed_by, :changed_at)

-- name: ArchiveAction
-- The current row becomes a revision: all its fields but the bookkeeping
-- ones, as JSON, with who wrote it and who replaces it.
INSERT INTO action_revisions (action, revision, state, fields, changed_by, changed_at, replaced_by, replaced_at)
SELECT id, revision, to_jsonb(a) - 'revision' - 'changed_by' - 'changed_at', $2, changed_by, changed_at, $3, $4
FROM actions a WHERE id = $1

-- name: UpdateAction
UPDATE actions SET
    title = :title, problem = :problem, measure = :measure, origin = :origin, entity = :entity,
    owner = :owner, responsible = :responsible, indicators = :indicators, opened = :opened,
    due = :due, status = :status, closed = :closed, source = :source,
    revision = revision + 1, changed_by = :changed_by, changed_at = :changed_at
WHERE id = :id

-- name: ActionNotes
SELECT noted, author, text FROM action_notes WHERE action = $1 ORDER BY noted, id

-- name: LastActionNote
SELECT text FROM action_notes WHERE action = $1 ORDER BY noted DESC, id DESC LIMIT 1

-- name: InsertActionNote
INSERT INTO action_notes (action, noted, author, text) VALUES ($1, $2, $3, $4)

-- name: ActionRevisions
SELECT revision, state, fields, changed_by, changed_at, replaced_by, replaced_at
FROM action_revisions WHERE action = $1 ORDER BY revision

-- name: ActionCounts
-- Actions by responsible unit and status, and how many of them are
-- overdue on day $1 (/metrics).
SELECT owner, status, count(*) AS actions,
       count(*) FILTER (WHERE status IN ('open', 'in_progress') AND due < $1) AS overdue
FROM actions GROUP BY owner, status ORDER BY owner, status
