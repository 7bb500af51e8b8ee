-- Anonymous health check answers. Who has responded and what was answered
-- live in two tables with nothing linking them: no user, organisation,
-- timestamp or sequence number on an answer (token is random).
CREATE TABLE assess_hc_responded (
	round_id BIGINT NOT NULL REFERENCES assess_hc_rounds (id) ON DELETE CASCADE,
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	organisation_id BIGINT,
	PRIMARY KEY (round_id, user_id)
);

CREATE TABLE assess_hc_answers (
	round_id BIGINT NOT NULL REFERENCES assess_hc_rounds (id) ON DELETE CASCADE,
	token TEXT NOT NULL,
	statement TEXT NOT NULL,
	value INTEGER NOT NULL CHECK (value BETWEEN 1 AND 5),
	PRIMARY KEY (round_id, token, statement)
);
