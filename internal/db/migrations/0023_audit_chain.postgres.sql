-- The audit log becomes a hash chain (internal/audit/chain.go): one
-- append-only audit_chain row per audit_log row, holding the hash of the
-- row before it and SHA-256(prev_hash || newline || message), the message
-- being the row's own columns (never the names and details kept apart in
-- audit_details, which erasure deletes). The rows written before this
-- migration are linked here, in id order. audit_log and its triggers are
-- not touched.
CREATE TABLE audit_chain (
	audit_id BIGINT PRIMARY KEY REFERENCES audit_log (id),
	prev_hash TEXT NOT NULL,
	hash TEXT NOT NULL
);
CREATE FUNCTION audit_chain_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'the audit chain is append-only';
END;
$$;
CREATE TRIGGER audit_chain_no_change BEFORE UPDATE OR DELETE ON audit_chain
FOR EACH ROW EXECUTE FUNCTION audit_chain_append_only();
CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain
FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_append_only();

WITH RECURSIVE c (id, prev, hash) AS (
	SELECT a.id, ''::text, encode(sha256(convert_to('' || chr(10) || (
'v1' || CASE WHEN a.id IS NULL THEN '|~' ELSE '|' || CAST(length(CAST(a.id AS TEXT)) AS TEXT) || ':' || CAST(a.id AS TEXT) END || CASE WHEN a.at IS NULL THEN '|~' ELSE '|' || CAST(length(to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')) AS TEXT) || ':' || to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') END || CASE WHEN a.user_id IS NULL THEN '|~' ELSE '|' || CAST(length(CAST(a.user_id AS TEXT)) AS TEXT) || ':' || CAST(a.user_id AS TEXT) END || CASE WHEN a.actor IS NULL THEN '|~' ELSE '|' || CAST(length(CAST(a.actor AS TEXT)) AS TEXT) || ':' || CAST(a.actor AS TEXT) END || CASE WHEN a.organisation_id IS NULL THEN '|~' ELSE '|' || CAST(length(CAST(a.organisation_id AS TEXT)) AS TEXT) || ':' || CAST(a.organisation_id AS TEXT) END || CASE WHEN a.action IS NULL THEN '|~' ELSE '|' || CAST(length(CAST(a.action AS TEXT)) AS TEXT) || ':' || CAST(a.action AS TEXT) END || CASE WHEN a.object_type IS NULL THEN '|~' ELSE '|' || CAST(length(CAST(a.object_type AS TEXT)) AS TEXT) || ':' || CAST(a.object_type AS TEXT) END || CASE WHEN a.object_id IS NULL THEN '|~' ELSE '|' || CAST(length(CAST(a.object_id AS TEXT)) AS TEXT) || ':' || CAST(a.object_id AS TEXT) END || CASE WHEN a.request_id IS NULL THEN '|~' ELSE '|' || CAST(length(CAST(a.request_id AS TEXT)) AS TEXT) || ':' || CAST(a.request_id AS TEXT) END || CASE WHEN a.detail IS NULL THEN '|~' ELSE '|' || CAST(length(CAST(a.detail AS TEXT)) AS TEXT) || ':' || CAST(a.detail AS TEXT) END || CASE WHEN a.actor_pid IS NULL THEN '|~' ELSE '|' || CAST(length(CAST(a.actor_pid AS TEXT)) AS TEXT) || ':' || CAST(a.actor_pid AS TEXT) END || CASE WHEN a.subject_pid IS NULL THEN '|~' ELSE '|' || CAST(length(CAST(a.subject_pid AS TEXT)) AS TEXT) || ':' || CAST(a.subject_pid AS TEXT) END
	), 'UTF8')), 'hex') FROM audit_log a WHERE a.id = (SELECT MIN(id) FROM audit_log)
	UNION ALL
	SELECT a.id, c.hash, encode(sha256(convert_to(c.hash || chr(10) || (
'v1' || CASE WHEN a.id IS NULL THEN '|~' ELSE '|' || CAST(length(CAST(a.id AS TEXT)) AS TEXT) || ':' || CAST(a.id AS TEXT) END || CASE WHEN a.at IS NULL THEN '|~' ELSE '|' || CAST(length(to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')) AS TEXT) || ':' || to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') END || CASE WHEN a.user_id IS NULL THEN '|~' ELSE '|' || CAST(length(CAST(a.user_id AS TEXT)) AS TEXT) || ':' || CAST(a.user_id AS TEXT) END || CASE WHEN a.actor IS NULL THEN '|~' ELSE '|' || CAST(length(CAST(a.actor AS TEXT)) AS TEXT) || ':' || CAST(a.actor AS TEXT) END || CASE WHEN a.organisation_id IS NULL THEN '|~' ELSE '|' || CAST(length(CAST(a.organisation_id AS TEXT)) AS TEXT) || ':' || CAST(a.organisation_id AS TEXT) END || CASE WHEN a.action IS NULL THEN '|~' ELSE '|' || CAST(length(CAST(a.action AS TEXT)) AS TEXT) || ':' || CAST(a.action AS TEXT) END || CASE WHEN a.object_type IS NULL THEN '|~' ELSE '|' || CAST(length(CAST(a.object_type AS TEXT)) AS TEXT) || ':' || CAST(a.object_type AS TEXT) END || CASE WHEN a.object_id IS NULL THEN '|~' ELSE '|' || CAST(length(CAST(a.object_id AS TEXT)) AS TEXT) || ':' || CAST(a.object_id AS TEXT) END || CASE WHEN a.request_id IS NULL THEN '|~' ELSE '|' || CAST(length(CAST(a.request_id AS TEXT)) AS TEXT) || ':' || CAST(a.request_id AS TEXT) END || CASE WHEN a.detail IS NULL THEN '|~' ELSE '|' || CAST(length(CAST(a.detail AS TEXT)) AS TEXT) || ':' || CAST(a.detail AS TEXT) END || CASE WHEN a.actor_pid IS NULL THEN '|~' ELSE '|' || CAST(length(CAST(a.actor_pid AS TEXT)) AS TEXT) || ':' || CAST(a.actor_pid AS TEXT) END || CASE WHEN a.subject_pid IS NULL THEN '|~' ELSE '|' || CAST(length(CAST(a.subject_pid AS TEXT)) AS TEXT) || ':' || CAST(a.subject_pid AS TEXT) END
	), 'UTF8')), 'hex') FROM c JOIN audit_log a ON a.id = (SELECT MIN(id) FROM audit_log WHERE id > c.id)
)
INSERT INTO audit_chain (audit_id, prev_hash, hash) SELECT id, prev, hash FROM c;
