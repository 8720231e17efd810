-- vidb catalog, SQLite dialect, version 2: users' credentials, session and API tokens, reveals,
-- and the EXIF metadata of media.
--
-- The conventions of 0001 hold: times are INTEGER microseconds since the Unix epoch, UTC (NULL
-- when unknown), hashes are BLOBs of their exact length, IDs are AUTOINCREMENT, every table is
-- STRICT.

-- A user's secret material, one row per user that has any (see catalog.Credential).
CREATE TABLE credentials (
	user_id        INTEGER NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	password_hash  TEXT    NOT NULL,
	must_change    INTEGER NOT NULL CHECK (must_change IN (0, 1)),
	totp_secret    BLOB,
	totp_pending   INTEGER NOT NULL CHECK (totp_pending IN (0, 1)),
	totp_last_step INTEGER NOT NULL,
	failed_logins  INTEGER NOT NULL CHECK (failed_logins >= 0),
	locked_until   INTEGER,
	updated        INTEGER NOT NULL
) STRICT;

-- Session and API tokens: only the SHA-256 of a token's secret is stored.
CREATE TABLE tokens (
	id      INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
	user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	kind    TEXT    NOT NULL CHECK (kind IN ('session', 'api')),
	hash    BLOB    NOT NULL UNIQUE CHECK (length(hash) = 32),
	name    TEXT    NOT NULL,
	created INTEGER NOT NULL,
	expires INTEGER NOT NULL,
	revoked INTEGER
) STRICT;
CREATE INDEX tokens_user ON tokens (user_id, kind, id);
CREATE INDEX tokens_expires ON tokens (expires);

-- Full, unblurred views of media, counted per user per UTC day. The media is not a foreign key:
-- deleting a media record must not give its viewers back their day's reveals.
CREATE TABLE reveals (
	user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	media_id INTEGER NOT NULL,
	at       INTEGER NOT NULL
) STRICT;
CREATE INDEX reveals_user_at ON reveals (user_id, at);

-- The EXIF block read from a media file (exif.Info as JSON, never with its thumbnail); NULL
-- when the file has none.
ALTER TABLE media ADD COLUMN exif TEXT;
