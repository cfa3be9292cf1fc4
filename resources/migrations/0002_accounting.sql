-- 0002: accounting. Torrent terms (freeleech, multipliers) and totals, per-(user, torrent)
-- totals, and the peers' last reported counters: committed in the same transaction as the
-- credit they produced, so a restart knows each peer's baseline (docs/architecture.md).
ALTER TABLE torrents ADD COLUMN freeleech INTEGER NOT NULL DEFAULT 0;
-- freeleech_until: Unix seconds, 0 for no expiry, uploaded/downloaded: as reported.
ALTER TABLE torrents ADD COLUMN freeleech_until INTEGER NOT NULL DEFAULT 0;
ALTER TABLE torrents ADD COLUMN upload_multiplier REAL NOT NULL DEFAULT 1.0;
ALTER TABLE torrents ADD COLUMN download_multiplier REAL NOT NULL DEFAULT 1.0;
ALTER TABLE torrents ADD COLUMN uploaded INTEGER NOT NULL DEFAULT 0;
ALTER TABLE torrents ADD COLUMN downloaded INTEGER NOT NULL DEFAULT 0;
ALTER TABLE torrents ADD COLUMN completed INTEGER NOT NULL DEFAULT 0;

CREATE TABLE user_torrents (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    torrent_id INTEGER NOT NULL REFERENCES torrents (id) ON DELETE CASCADE,
    uploaded INTEGER NOT NULL DEFAULT 0,   -- credited (multipliers, freeleech)
    downloaded INTEGER NOT NULL DEFAULT 0,
    raw_uploaded INTEGER NOT NULL DEFAULT 0, -- as reported
    raw_downloaded INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, torrent_id)
) WITHOUT ROWID;
CREATE INDEX user_torrents_torrent ON user_torrents (torrent_id);

CREATE TABLE peers (
    torrent_id INTEGER NOT NULL REFERENCES torrents (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    peer_id BLOB NOT NULL,
    uploaded INTEGER NOT NULL,  -- the totals the peer last reported, as credited
    downloaded INTEGER NOT NULL,
    left_bytes INTEGER NOT NULL,
    ip BLOB NOT NULL,           -- 4 or 16 bytes
    port INTEGER NOT NULL,
    last_announce INTEGER NOT NULL,
    PRIMARY KEY (torrent_id, user_id, peer_id)
) WITHOUT ROWID;
CREATE INDEX peers_user ON peers (user_id);
CREATE INDEX peers_last_announce ON peers (last_announce);
