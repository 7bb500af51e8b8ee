-- One-time rewrite of the audit rows written before 0020: people become
-- pseudonyms, names and details move to audit_details. The append-only
-- triggers are lifted for this migration only and put back as they were.
DROP TRIGGER audit_log_no_update;
DROP TRIGGER audit_log_no_delete;

INSERT INTO audit_people (pseudonym, user_id)
SELECT lower(hex(randomblob(12))), u.id FROM users u
WHERE u.id IN (SELECT user_id FROM audit_log WHERE user_id IS NOT NULL)
   OR CAST(u.id AS TEXT) IN (SELECT object_id FROM audit_log WHERE object_type = 'user');

INSERT INTO audit_details (audit_id, actor_pid, subject_pid, actor, detail)
SELECT a.id, p.pseudonym, s.pseudonym, CASE WHEN a.actor = 'system' THEN '' ELSE a.actor END, a.detail
FROM audit_log a
LEFT JOIN audit_people p ON p.user_id = a.user_id
LEFT JOIN audit_people s ON a.object_type = 'user' AND CAST(s.user_id AS TEXT) = a.object_id
WHERE a.detail <> '' OR (a.actor <> '' AND a.actor <> 'system');

UPDATE audit_log SET
	actor_pid = (SELECT p.pseudonym FROM audit_people p WHERE p.user_id = audit_log.user_id),
	subject_pid = CASE WHEN object_type = 'user' THEN (SELECT s.pseudonym FROM audit_people s WHERE CAST(s.user_id AS TEXT) = audit_log.object_id) END;
UPDATE audit_log SET
	object_id = CASE WHEN subject_pid IS NOT NULL THEN subject_pid ELSE object_id END,
	actor = CASE WHEN user_id IS NULL AND actor = 'system' THEN 'system' ELSE '' END,
	detail = '',
	user_id = NULL;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
