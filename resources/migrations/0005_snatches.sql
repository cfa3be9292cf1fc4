-- 0005: snatches and hit-and-run. Seeding time and last activity accrue on the
-- (user, torrent) row the stats writer already commits; a snatch (one per user and torrent,
-- recorded by the commit that carries the `completed` event) names that row and carries the
-- hit-and-run flag; users count their warnings.
-- seedtime: seconds; last_seen: Unix seconds.
ALTER TABLE user_torrents ADD COLUMN seedtime INTEGER NOT NULL DEFAULT 0;
ALTER TABLE user_torrents ADD COLUMN last_seen INTEGER NOT NULL DEFAULT 0;

CREATE TABLE snatches (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    torrent_id INTEGER NOT NULL REFERENCES torrents (id) ON DELETE CASCADE,
    completed_at INTEGER NOT NULL, -- Unix seconds
    hnr INTEGER NOT NULL DEFAULT 0, -- flagged as a hit-and-run
    hnr_exempt INTEGER NOT NULL DEFAULT 0, -- a moderator cleared the flag: never flagged again
    UNIQUE (user_id, torrent_id)
);
CREATE INDEX snatches_torrent ON snatches (torrent_id);

ALTER TABLE users ADD COLUMN hnr_warnings INTEGER NOT NULL DEFAULT 0;
