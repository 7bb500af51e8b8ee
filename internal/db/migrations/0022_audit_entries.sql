-- The audit log as people read it: the actor's name while they are known,
-- "erased person" once erasure has removed the pseudonym's link, and the
-- detail from audit_details.
CREATE VIEW audit_entries AS
SELECT a.id, a.at, p.user_id,
	CASE WHEN a.actor_pid IS NULL THEN a.actor
	     WHEN p.user_id IS NULL THEN 'erased person'
	     WHEN COALESCE(d.actor, '') <> '' THEN d.actor
	     ELSE u.email END AS actor,
	a.organisation_id, a.action, a.object_type, a.object_id, a.request_id,
	COALESCE(d.detail, a.detail) AS detail, a.actor_pid, a.subject_pid,
	CASE WHEN a.subject_pid IS NULL THEN ''
	     WHEN s.user_id IS NULL THEN 'erased person'
	     ELSE su.email END AS subject
FROM audit_log a
LEFT JOIN audit_details d ON d.audit_id = a.id
LEFT JOIN audit_people p ON p.pseudonym = a.actor_pid
LEFT JOIN users u ON u.id = p.user_id
LEFT JOIN audit_people s ON s.pseudonym = a.subject_pid
LEFT JOIN users su ON su.id = s.user_id;
