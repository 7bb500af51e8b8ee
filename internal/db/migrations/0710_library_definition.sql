-- Issue 18: the town's definition of a consortium becomes a document of the
-- library. Its versions and criteria stay where they are (consortium_definitions,
-- consortium_criteria: one record, nothing copied, no history lost) and the
-- library reads them through; this row gives it what a library document
-- has: an owner, a verifier, a status, attachments, and the review date of
-- the version in force. Installs with no definition yet get the row when
-- the first version is adopted (library.DefinitionAdopted).
INSERT INTO library_documents (slug, kind, title, summary, status, review_months, next_review_on, created_at, updated_at)
SELECT 'consortium-definition', 'guidance', 'The town''s definition of a consortium',
	'What Blackpool''s third sector means by a consortium: a checklist each consortium confirms, reviewed regularly.',
	'adopted', 12, (SELECT next_review_on FROM consortium_definitions ORDER BY version DESC LIMIT 1), CURRENT_TIMESTAMP, CURRENT_TIMESTAMP
WHERE EXISTS (SELECT 1 FROM consortium_definitions)
	AND NOT EXISTS (SELECT 1 FROM library_documents WHERE slug = 'consortium-definition');
