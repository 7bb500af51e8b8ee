-- The measures count the partnerships started in a year per origin
-- (partnerships.extras): with origin and status in the index the count
-- reads the index alone, not every started partnership's row.
CREATE INDEX partnerships_started ON partnerships (start_date, status, origin);
-- Statistics for the new index, so that the planner prefers it to
-- partnerships_dates (which needs a row lookup per partnership) on a
-- database analysed before it existed.
ANALYZE partnerships;
