-- The listing filtered by kind (with any status): the count reads this
-- index alone (kind, then published_at IS NOT NULL) and the page fetches
-- only that kind's rows, instead of scanning every opportunity.
CREATE INDEX opportunities_kind ON opportunities (kind, published_at, closes_at);
