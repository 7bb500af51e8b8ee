-- One-time rewrite of the audit rows written before 0020: people become
-- pseudonyms, names and details move to audit_details. The append-only
-- trigger is lifted for this migration only and put back as it was.
DROP TRIGGER audit_log_no_change ON audit_log;

INSERT INTO audit_people (pseudonym, user_id)
SELECT substr(md5(random()::text || clock_timestamp()::text || u.id::text), 1, 24), u.id FROM users u
WHERE u.id IN (SELECT user_id FROM audit_log WHERE user_id IS NOT NULL)
   OR u.id::text IN (SELECT object_id FROM audit_log WHERE object_type = 'user');

INSERT INTO audit_details (audit_id, actor_pid, subject_pid, actor, detail)
SELECT a.id, p.pseudonym, s.pseudonym, CASE WHEN a.actor = 'system' THEN '' ELSE a.actor END, a.detail
FROM audit_log a
LEFT JOIN audit_people p ON p.user_id = a.user_id
LEFT JOIN audit_people s ON a.object_type = 'user' AND s.user_id::text = a.object_id
WHERE a.detail <> '' OR (a.actor <> '' AND a.actor <> 'system');

UPDATE audit_log a SET
	actor_pid = p.pseudonym
FROM audit_people p WHERE p.user_id = a.user_id;
UPDATE audit_log a SET
	subject_pid = s.pseudonym, object_id = s.pseudonym
FROM audit_people s WHERE a.object_type = 'user' AND s.user_id::text = a.object_id;
UPDATE audit_log SET
	actor = CASE WHEN user_id IS NULL AND actor = 'system' THEN 'system' ELSE '' END,
	detail = '',
	user_id = NULL;

CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
