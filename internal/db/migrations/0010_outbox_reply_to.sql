-- Reply-To per outbox message: a member's message relayed to an
-- organisation's editors is answered straight to its sender.
ALTER TABLE outbox ADD COLUMN reply_to TEXT NOT NULL DEFAULT '';
