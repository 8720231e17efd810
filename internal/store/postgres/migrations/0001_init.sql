-- vidb catalog on PostgreSQL, version 1.
--
-- Conventions: ids are identity columns; times are timestamptz (microseconds, what Go's
-- time.Time round-trips through); durations are bigint nanoseconds; digests are bytea, NULL
-- when unknown; every protected record carries its access header as (owner, visibility,
-- shared_with), the columns the scope filter of every read reads. Country codes are not foreign
-- keys: a deployment may hold records of countries it has not (yet) registered.

CREATE TABLE countries (
	code    text        PRIMARY KEY CHECK (code ~ '^[A-Z]{2}$'),
	name    text        NOT NULL,
	created timestamptz NOT NULL
);

CREATE TABLE users (
	id       bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	login    text        NOT NULL UNIQUE,
	name     text        NOT NULL,
	country  text        NOT NULL,
	role     text        NOT NULL,
	disabled boolean     NOT NULL,
	created  timestamptz NOT NULL
);
CREATE INDEX users_country ON users (country, id);

CREATE TABLE cases (
	id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	owner       text        NOT NULL,
	visibility  text        NOT NULL CHECK (visibility IN ('network', 'listed', 'owner')),
	shared_with text[]      NOT NULL,
	number      text        NOT NULL,
	title       text        NOT NULL,
	created     timestamptz NOT NULL,
	UNIQUE (owner, number)
);

CREATE TABLE series (
	id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	owner       text        NOT NULL,
	visibility  text        NOT NULL CHECK (visibility IN ('network', 'listed', 'owner')),
	shared_with text[]      NOT NULL,
	name        text        NOT NULL UNIQUE,
	status      text        NOT NULL,
	countries   text[]      NOT NULL,
	created     timestamptz NOT NULL,
	updated     timestamptz NOT NULL
);

CREATE TABLE media (
	id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	sha256          bytea       CHECK (octet_length(sha256) = 32),
	sha1            bytea       CHECK (octet_length(sha1) = 20),
	md5             bytea       CHECK (octet_length(md5) = 16),
	size            bigint      NOT NULL,
	mime            text        NOT NULL,
	kind            text        NOT NULL,
	width           integer     NOT NULL,
	height          integer     NOT NULL,
	duration        bigint      NOT NULL,
	pdq_hash        bytea       CHECK (octet_length(pdq_hash) = 32),
	pdq_quality     integer,
	pdq_flavour     text,
	category_scheme text        NOT NULL,
	category_code   text        NOT NULL,
	owner           text        NOT NULL,
	visibility      text        NOT NULL CHECK (visibility IN ('network', 'listed', 'owner')),
	shared_with     text[]      NOT NULL,
	retention       timestamptz,
	blob            text        NOT NULL,
	series_id       bigint      REFERENCES series (id),
	source          text        NOT NULL,
	created         timestamptz NOT NULL,
	updated         timestamptz NOT NULL,
	CHECK (sha256 IS NOT NULL OR sha1 IS NOT NULL OR md5 IS NOT NULL)
);
-- The same file twice is one media record. NULLs (unknown SHA-256) never collide.
CREATE UNIQUE INDEX media_sha256 ON media (sha256);
-- SHA-1 and MD5 are only ever looked up by equality: hash indexes keep a 4-byte hash code per
-- row instead of the digest, a quarter smaller than B-trees and a quarter cheaper to maintain
-- when millions of random digests are imported (measured at 1 million rows).
CREATE INDEX media_sha1 ON media USING hash (sha1);
CREATE INDEX media_md5 ON media USING hash (md5);
CREATE INDEX media_series ON media (series_id, id) WHERE series_id IS NOT NULL;
CREATE INDEX media_uncategorised ON media (id) WHERE category_scheme = '';

CREATE TABLE frames (
	media_id    bigint  NOT NULL REFERENCES media (id) ON DELETE CASCADE,
	number      integer NOT NULL,
	ts          bigint  NOT NULL,
	pdq_hash    bytea   NOT NULL CHECK (octet_length(pdq_hash) = 32),
	pdq_quality integer NOT NULL,
	pdq_flavour text    NOT NULL,
	PRIMARY KEY (media_id, number)
);

CREATE TABLE sightings (
	id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	media_id   bigint      NOT NULL REFERENCES media (id) ON DELETE CASCADE,
	case_id    bigint      NOT NULL REFERENCES cases (id),
	exhibit    text        NOT NULL,
	path       text        NOT NULL,
	file_created  timestamptz,
	file_modified timestamptz,
	file_accessed timestamptz,
	uploader   bigint      NOT NULL,
	country    text        NOT NULL,
	at         timestamptz NOT NULL
);
CREATE INDEX sightings_media ON sightings (media_id, id);
CREATE INDEX sightings_case ON sightings (case_id, media_id);
CREATE INDEX sightings_uploader ON sightings (uploader, media_id);

-- Matches are symmetric: each pair is stored once, with a < b.
CREATE TABLE matches (
	a        bigint      NOT NULL REFERENCES media (id) ON DELETE CASCADE,
	b        bigint      NOT NULL REFERENCES media (id) ON DELETE CASCADE,
	kind     text        NOT NULL CHECK (kind IN ('exact', 'near', 'video')),
	distance integer     NOT NULL,
	found    timestamptz NOT NULL,
	PRIMARY KEY (a, b, kind),
	CHECK (a < b)
);
CREATE INDEX matches_b ON matches (b);

CREATE TABLE persons (
	id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	kind            text        NOT NULL CHECK (kind IN ('victim', 'offender')),
	owner           text        NOT NULL,
	visibility      text        NOT NULL CHECK (visibility IN ('network', 'listed', 'owner')),
	shared_with     text[]      NOT NULL,
	code            text        NOT NULL,
	sex             text        NOT NULL,
	age_band        text        NOT NULL,
	status          text        NOT NULL,
	identified_by   text        NOT NULL,
	identified_at   timestamptz,
	likely_location text        NOT NULL,
	notes           text        NOT NULL,
	series_ids      bigint[]    NOT NULL,
	created         timestamptz NOT NULL,
	updated         timestamptz NOT NULL,
	UNIQUE (kind, code)
);
CREATE INDEX persons_series ON persons USING gin (series_ids);

CREATE TABLE clues (
	id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	owner       text        NOT NULL,
	visibility  text        NOT NULL CHECK (visibility IN ('network', 'listed', 'owner')),
	shared_with text[]      NOT NULL,
	media_id    bigint      REFERENCES media (id) ON DELETE CASCADE,
	series_id   bigint,
	region_x    integer,
	region_y    integer,
	region_w    integer,
	region_h    integer,
	kind        text        NOT NULL,
	text        text        NOT NULL,
	tags        text[]      NOT NULL,
	author      bigint      NOT NULL,
	created     timestamptz NOT NULL
);
CREATE INDEX clues_media ON clues (media_id, id) WHERE media_id IS NOT NULL;
CREATE INDEX clues_series ON clues (series_id, id) WHERE series_id IS NOT NULL;

CREATE TABLE alerts (
	id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	country      text        NOT NULL,
	kind         text        NOT NULL,
	media_id     bigint,
	from_country text        NOT NULL,
	message      text        NOT NULL,
	created      timestamptz NOT NULL,
	read_at      timestamptz
);
CREATE INDEX alerts_country ON alerts (country, id);

-- The PDQ change feed the near-duplicate index is built from and kept current with. A row is
-- either a hash that is stored (deleted false) or the removal of one (deleted true, carrying the
-- removed hash). When a hash is removed or replaced, its row is dropped and a removal row
-- appended, so the feed holds every live hash once plus the removals, in seq order. Sequence
-- numbers are drawn only while the transaction holds the store's write lock, so they become
-- visible in the order they were drawn (see the package documentation).
CREATE SEQUENCE pdq_feed_seq AS bigint;
CREATE TABLE pdq_feed (
	seq         bigint  PRIMARY KEY,
	media_id    bigint  NOT NULL,
	frame       integer NOT NULL,
	pdq_hash    bytea   NOT NULL CHECK (octet_length(pdq_hash) = 32),
	pdq_quality integer NOT NULL,
	pdq_flavour text    NOT NULL,
	deleted     boolean NOT NULL
);
CREATE UNIQUE INDEX pdq_feed_live ON pdq_feed (media_id, frame) WHERE NOT deleted;

-- The audit log: events are the leaves of an RFC 6962 Merkle tree whose stored hashes (in
-- golang.org/x/mod/sumdb/tlog's numbering) live in audit_hashes; every transaction that appends
-- events stores a signed checkpoint of the new tree head.
CREATE TABLE audit_events (
	seq      bigint      PRIMARY KEY CHECK (seq >= 0),
	time     timestamptz NOT NULL,
	actor    text        NOT NULL,
	actor_id bigint      NOT NULL,
	country  text        NOT NULL,
	action   text        NOT NULL,
	object   text        NOT NULL,
	details  jsonb
);

CREATE TABLE audit_hashes (
	idx  bigint PRIMARY KEY CHECK (idx >= 0),
	hash bytea  NOT NULL CHECK (octet_length(hash) = 32)
);

CREATE TABLE audit_checkpoints (
	size bigint PRIMARY KEY CHECK (size > 0),
	root bytea  NOT NULL CHECK (octet_length(root) = 32),
	note bytea  NOT NULL
);
