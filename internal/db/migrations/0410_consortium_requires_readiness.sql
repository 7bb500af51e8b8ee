-- A consortium may use commissioning readiness (issue 7) as its eligibility
-- test for full membership: when set, the full tier is only given to an
-- organisation holding a current commissioning_ready badge.
ALTER TABLE consortium_details ADD COLUMN requires_readiness BOOLEAN NOT NULL DEFAULT FALSE;
