-- vidb catalog, SQLite dialect, version 3: users' own exposure settings.
--
-- The conventions of 0001 hold: times are INTEGER microseconds since the Unix epoch, UTC, and
-- every table is STRICT. The checks repeat catalog.Settings.Validate (MinBlur, MaxBlur,
-- MaxPersonalLimit), so that no row the code would refuse can be stored by other means.

-- How media previews are shown to a user and how many reveals a day they allow themselves, one
-- row per user that saved any (see catalog.Settings).
CREATE TABLE user_settings (
	user_id            INTEGER NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	blur               REAL    NOT NULL CHECK (blur >= 0.01 AND blur <= 0.5),
	colour             INTEGER NOT NULL CHECK (colour IN (0, 1)),
	daily_reveal_limit INTEGER NOT NULL CHECK (daily_reveal_limit BETWEEN 0 AND 10000),
	updated            INTEGER NOT NULL
) STRICT;
