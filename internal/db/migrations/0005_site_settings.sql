-- Site-wide settings (key/value) that administrators change in the admin
-- area: the data controller's name and contact, shown on the privacy notice.
CREATE TABLE site_settings (
	key TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
