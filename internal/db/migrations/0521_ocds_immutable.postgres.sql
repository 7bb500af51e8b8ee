-- A published OCDS release never changes: a change is a new release.
CREATE FUNCTION ocds_releases_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'OCDS releases are immutable';
END;
$$;
CREATE TRIGGER ocds_releases_no_update BEFORE UPDATE ON ocds_releases
FOR EACH ROW EXECUTE FUNCTION ocds_releases_immutable();
