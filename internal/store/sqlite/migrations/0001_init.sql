-- vidb catalog, SQLite dialect, version 1.
--
-- Conventions: times are INTEGER microseconds since the Unix epoch, UTC (NULL when unknown);
-- durations are INTEGER nanoseconds; digests and hashes are BLOBs of their exact length (NULL
-- when unknown, so that an unknown digest never equals another); IDs are AUTOINCREMENT so that
-- an ID named in the audit log is never given to another record; every table is STRICT.
-- The tables a bulk import writes (media, pdq_feed, frames) check no lengths: every CHECK is
-- work per row, the lengths of their digests and hashes are the Go types' (fixed-size
-- arrays), and the store checks them when it reads them back.

CREATE TABLE countries (
	code    TEXT    NOT NULL PRIMARY KEY CHECK (length(code) = 2 AND code GLOB '[A-Z][A-Z]'),
	name    TEXT    NOT NULL,
	created INTEGER NOT NULL
) STRICT;

CREATE TABLE users (
	id       INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
	login    TEXT    NOT NULL UNIQUE,
	name     TEXT    NOT NULL,
	country  TEXT    NOT NULL REFERENCES countries (code),
	role     TEXT    NOT NULL,
	disabled INTEGER NOT NULL CHECK (disabled IN (0, 1)),
	created  INTEGER NOT NULL
) STRICT;
CREATE INDEX users_country ON users (country, id);

CREATE TABLE cases (
	id         INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
	owner      TEXT    NOT NULL REFERENCES countries (code),
	visibility TEXT    NOT NULL CHECK (visibility IN ('network', 'listed', 'owner')),
	number     TEXT    NOT NULL,
	title      TEXT    NOT NULL,
	created    INTEGER NOT NULL,
	UNIQUE (owner, number)
) STRICT;

CREATE TABLE case_shares (
	case_id INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
	country TEXT    NOT NULL REFERENCES countries (code),
	PRIMARY KEY (case_id, country)
) STRICT, WITHOUT ROWID;

CREATE TABLE series (
	id         INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
	owner      TEXT    NOT NULL REFERENCES countries (code),
	visibility TEXT    NOT NULL CHECK (visibility IN ('network', 'listed', 'owner')),
	name       TEXT    NOT NULL UNIQUE,
	status     TEXT    NOT NULL CHECK (status IN ('unidentified', 'identified')),
	created    INTEGER NOT NULL,
	updated    INTEGER NOT NULL
) STRICT;

CREATE TABLE series_shares (
	series_id INTEGER NOT NULL REFERENCES series (id) ON DELETE CASCADE,
	country   TEXT    NOT NULL REFERENCES countries (code),
	PRIMARY KEY (series_id, country)
) STRICT, WITHOUT ROWID;

-- The countries working on a series, the owner included.
CREATE TABLE series_countries (
	series_id INTEGER NOT NULL REFERENCES series (id) ON DELETE CASCADE,
	country   TEXT    NOT NULL REFERENCES countries (code),
	PRIMARY KEY (series_id, country)
) STRICT, WITHOUT ROWID;

-- The media table's references are checked at commit (DEFERRABLE INITIALLY DEFERRED), so
-- that a bulk import checks them once per batch.
CREATE TABLE media (
	id              INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
	sha256          BLOB,
	sha1            BLOB,
	md5             BLOB,
	size            INTEGER NOT NULL CHECK (size >= 0),
	mime            TEXT    NOT NULL,
	kind            TEXT    NOT NULL CHECK (kind IN ('image', 'video', 'unknown')),
	width           INTEGER NOT NULL,
	height          INTEGER NOT NULL,
	duration        INTEGER NOT NULL,
	pdq_hash        BLOB,
	pdq_quality     INTEGER,
	pdq_flavour     TEXT,
	category_scheme TEXT    NOT NULL,
	category_code   TEXT    NOT NULL,
	owner           TEXT    NOT NULL REFERENCES countries (code) DEFERRABLE INITIALLY DEFERRED,
	visibility      TEXT    NOT NULL CHECK (visibility IN ('network', 'listed', 'owner')),
	retention       INTEGER,
	blob            TEXT    NOT NULL,
	series_id       INTEGER REFERENCES series (id) DEFERRABLE INITIALLY DEFERRED,
	source          TEXT    NOT NULL,
	created         INTEGER NOT NULL,
	updated         INTEGER NOT NULL,
	CHECK (sha256 IS NOT NULL OR sha1 IS NOT NULL OR md5 IS NOT NULL)
) STRICT;
-- One media record per SHA-256 (NULLs are distinct: MD5-only records do not collide).
CREATE UNIQUE INDEX media_sha256 ON media (sha256);
CREATE INDEX media_sha1 ON media (sha1) WHERE sha1 IS NOT NULL;
CREATE INDEX media_md5 ON media (md5) WHERE md5 IS NOT NULL;
CREATE INDEX media_owner ON media (owner, id);
CREATE INDEX media_series ON media (series_id, id) WHERE series_id IS NOT NULL;
-- The reviewers' work queue. Partial, and no index on the category itself: every indexed
-- column costs a bulk import per record, and a listing by category finds its page by ID order.
CREATE INDEX media_uncategorised ON media (id) WHERE category_scheme = '' AND category_code = '';

CREATE TABLE media_shares (
	media_id INTEGER NOT NULL REFERENCES media (id) ON DELETE CASCADE,
	country  TEXT    NOT NULL REFERENCES countries (code),
	PRIMARY KEY (media_id, country)
) STRICT, WITHOUT ROWID;

CREATE TABLE frames (
	media_id    INTEGER NOT NULL REFERENCES media (id) ON DELETE CASCADE,
	number      INTEGER NOT NULL,
	timestamp   INTEGER NOT NULL,
	pdq_hash    BLOB    NOT NULL,
	pdq_quality INTEGER NOT NULL,
	pdq_flavour TEXT    NOT NULL,
	PRIMARY KEY (media_id, number)
) STRICT, WITHOUT ROWID;

CREATE TABLE sightings (
	id       INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
	media_id INTEGER NOT NULL REFERENCES media (id) ON DELETE CASCADE,
	case_id  INTEGER NOT NULL REFERENCES cases (id),
	exhibit  TEXT    NOT NULL,
	path     TEXT    NOT NULL,
	created  INTEGER,
	modified INTEGER,
	accessed INTEGER,
	uploader INTEGER REFERENCES users (id),
	country  TEXT    NOT NULL,
	at       INTEGER NOT NULL
) STRICT;
CREATE INDEX sightings_media ON sightings (media_id, id);
CREATE INDEX sightings_case ON sightings (case_id, media_id);
CREATE INDEX sightings_uploader ON sightings (uploader, media_id) WHERE uploader IS NOT NULL;

-- Matches are symmetric: each pair is stored once, with a < b.
CREATE TABLE matches (
	a        INTEGER NOT NULL REFERENCES media (id) ON DELETE CASCADE,
	b        INTEGER NOT NULL REFERENCES media (id) ON DELETE CASCADE,
	kind     TEXT    NOT NULL CHECK (kind IN ('exact', 'near', 'video')),
	distance INTEGER NOT NULL,
	found    INTEGER NOT NULL,
	PRIMARY KEY (a, b, kind),
	CHECK (a < b)
) STRICT, WITHOUT ROWID;
CREATE INDEX matches_b ON matches (b);

CREATE TABLE persons (
	id              INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
	kind            TEXT    NOT NULL CHECK (kind IN ('victim', 'offender')),
	owner           TEXT    NOT NULL REFERENCES countries (code),
	visibility      TEXT    NOT NULL CHECK (visibility IN ('network', 'listed', 'owner')),
	code            TEXT    NOT NULL,
	sex             TEXT    NOT NULL,
	age_band        TEXT    NOT NULL,
	status          TEXT    NOT NULL CHECK (status IN ('unidentified', 'identified')),
	identified_by   TEXT,
	identified_at   INTEGER,
	likely_location TEXT,
	notes           TEXT    NOT NULL,
	created         INTEGER NOT NULL,
	updated         INTEGER NOT NULL,
	UNIQUE (kind, code)
) STRICT;
CREATE INDEX persons_status ON persons (kind, status);

CREATE TABLE person_shares (
	person_id INTEGER NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
	country   TEXT    NOT NULL REFERENCES countries (code),
	PRIMARY KEY (person_id, country)
) STRICT, WITHOUT ROWID;

CREATE TABLE person_series (
	person_id INTEGER NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
	series_id INTEGER NOT NULL REFERENCES series (id),
	PRIMARY KEY (person_id, series_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX person_series_series ON person_series (series_id, person_id);

-- A clue's text_folded is its text in lower case (Unicode, folded by vidb), which the
-- case-insensitive text search reads.
CREATE TABLE clues (
	id         INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
	owner      TEXT    NOT NULL REFERENCES countries (code),
	visibility TEXT    NOT NULL CHECK (visibility IN ('network', 'listed', 'owner')),
	media_id   INTEGER REFERENCES media (id) ON DELETE CASCADE,
	series_id  INTEGER REFERENCES series (id),
	region_x   INTEGER,
	region_y   INTEGER,
	region_w   INTEGER,
	region_h   INTEGER,
	kind       TEXT    NOT NULL,
	text       TEXT    NOT NULL,
	text_folded TEXT   NOT NULL,
	author     INTEGER REFERENCES users (id),
	created    INTEGER NOT NULL,
	CHECK (media_id IS NOT NULL OR series_id IS NOT NULL)
) STRICT;
CREATE INDEX clues_media ON clues (media_id, id) WHERE media_id IS NOT NULL;
CREATE INDEX clues_series ON clues (series_id, id) WHERE series_id IS NOT NULL;

CREATE TABLE clue_shares (
	clue_id INTEGER NOT NULL REFERENCES clues (id) ON DELETE CASCADE,
	country TEXT    NOT NULL REFERENCES countries (code),
	PRIMARY KEY (clue_id, country)
) STRICT, WITHOUT ROWID;

CREATE TABLE clue_tags (
	clue_id INTEGER NOT NULL REFERENCES clues (id) ON DELETE CASCADE,
	tag     TEXT    NOT NULL,
	PRIMARY KEY (clue_id, tag)
) STRICT, WITHOUT ROWID;
CREATE INDEX clue_tags_tag ON clue_tags (tag, clue_id);

CREATE TABLE alerts (
	id           INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
	country      TEXT    NOT NULL REFERENCES countries (code),
	kind         TEXT    NOT NULL,
	media_id     INTEGER REFERENCES media (id) ON DELETE SET NULL,
	from_country TEXT    NOT NULL,
	message      TEXT    NOT NULL,
	created      INTEGER NOT NULL,
	read         INTEGER
) STRICT;
CREATE INDEX alerts_country ON alerts (country, id);

-- The PDQ change feed the near-duplicate index is built from and kept current with. A row is
-- either a hash that is stored (deleted = 0) or the removal of one (deleted = 1, carrying the
-- removed hash). When a hash is removed, its own row is dropped and a removal row appended, so
-- the feed holds every live hash once plus the removals, in seq order.
CREATE TABLE pdq_feed (
	seq      INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
	media_id INTEGER NOT NULL,
	frame    INTEGER NOT NULL,
	hash     BLOB    NOT NULL,
	quality  INTEGER NOT NULL,
	flavour  TEXT    NOT NULL,
	deleted  INTEGER NOT NULL CHECK (deleted IN (0, 1))
) STRICT;
CREATE INDEX pdq_feed_live ON pdq_feed (media_id, frame) WHERE deleted = 0;

-- The audit log: events (the leaves of the Merkle tree), the tree's stored hashes (see
-- golang.org/x/mod/sumdb/tlog), and the signed checkpoints. All three are append-only; the
-- triggers below refuse changes, and audit verification detects changes made around them.
CREATE TABLE audit_events (
	seq      INTEGER NOT NULL PRIMARY KEY CHECK (seq >= 0),
	time     INTEGER NOT NULL,
	actor    TEXT    NOT NULL,
	actor_id INTEGER NOT NULL,
	country  TEXT    NOT NULL,
	action   TEXT    NOT NULL,
	object   TEXT    NOT NULL,
	details  TEXT
) STRICT;

CREATE TABLE audit_hashes (
	idx  INTEGER NOT NULL PRIMARY KEY CHECK (idx >= 0),
	hash BLOB    NOT NULL CHECK (length(hash) = 32)
) STRICT;

CREATE TABLE audit_checkpoints (
	size    INTEGER NOT NULL PRIMARY KEY CHECK (size > 0),
	root    BLOB    NOT NULL CHECK (length(root) = 32),
	note    BLOB    NOT NULL,
	created INTEGER NOT NULL
) STRICT;

CREATE TRIGGER audit_events_append_only_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_events_append_only_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_hashes_append_only_update BEFORE UPDATE ON audit_hashes
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_hashes_append_only_delete BEFORE DELETE ON audit_hashes
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_checkpoints_append_only_update BEFORE UPDATE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_checkpoints_append_only_delete BEFORE DELETE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
