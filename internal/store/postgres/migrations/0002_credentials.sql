-- vidb catalog on PostgreSQL, version 2: users' credentials, session and API tokens, reveals,
-- and the EXIF metadata of media.
--
-- The conventions of 0001 hold: ids are identity columns, times are timestamptz, hashes are
-- bytea of their exact length.

-- A user's secret material, one row per user that has any (see catalog.Credential).
CREATE TABLE credentials (
	user_id        bigint      PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	password_hash  text        NOT NULL,
	must_change    boolean     NOT NULL,
	totp_secret    bytea,
	totp_pending   boolean     NOT NULL,
	totp_last_step bigint      NOT NULL,
	failed_logins  integer     NOT NULL CHECK (failed_logins >= 0),
	locked_until   timestamptz,
	updated        timestamptz NOT NULL
);

-- Session and API tokens: only the SHA-256 of a token's secret is stored.
CREATE TABLE tokens (
	id      bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	kind    text        NOT NULL CHECK (kind IN ('session', 'api')),
	hash    bytea       NOT NULL UNIQUE CHECK (octet_length(hash) = 32),
	name    text        NOT NULL,
	created timestamptz NOT NULL,
	expires timestamptz NOT NULL,
	revoked timestamptz
);
CREATE INDEX tokens_user ON tokens (user_id, kind, id);
CREATE INDEX tokens_expires ON tokens (expires);

-- Full, unblurred views of media, counted per user per UTC day. The media is not a foreign key:
-- deleting a media record must not give its viewers back their day's reveals.
CREATE TABLE reveals (
	user_id  bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	media_id bigint      NOT NULL,
	at       timestamptz NOT NULL
);
CREATE INDEX reveals_user_at ON reveals (user_id, at);

-- The EXIF block read from a media file (exif.Info as JSON text, never with its thumbnail);
-- NULL when the file has none.
ALTER TABLE media ADD COLUMN exif text;
