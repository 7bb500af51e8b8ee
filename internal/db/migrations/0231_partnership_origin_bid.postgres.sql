-- partnerships.origin gains 'bid': a consortium formed to bid for an
-- opportunity (issue 15). The column's CHECK constraint (named by
-- PostgreSQL when 0200 created the table) is dropped and added again with
-- the new value; adding it checks the rows there are.
ALTER TABLE partnerships DROP CONSTRAINT partnerships_origin_check;
ALTER TABLE partnerships ADD CONSTRAINT partnerships_origin_check
	CHECK (origin IN ('event','partner_finder','looking_for_partners','other','bid'));
