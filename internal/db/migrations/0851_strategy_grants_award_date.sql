-- The strategy's trends and the State of the Sector report count grants
-- year by year by award date (grants.CountMeasures); without an index each
-- year was a scan of every grant.
CREATE INDEX grants_award_date ON grants (award_date);
