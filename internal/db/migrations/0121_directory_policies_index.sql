-- The partner finder counts each candidate's policies and those due for
-- review (review date on or before a day) in one index range per
-- organisation, without reading the table (internal/directory/finder.go).
CREATE INDEX org_policies_org_review ON org_policies (organisation_id, review_date);
