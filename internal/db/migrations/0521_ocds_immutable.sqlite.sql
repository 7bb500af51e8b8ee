-- A published OCDS release never changes: a change is a new release.
CREATE TRIGGER ocds_releases_no_update BEFORE UPDATE ON ocds_releases
BEGIN SELECT RAISE(ABORT, 'OCDS releases are immutable'); END;
