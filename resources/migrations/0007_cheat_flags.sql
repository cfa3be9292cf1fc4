-- 0007: cheat flags for moderators: announces whose reported upload could not have happened
-- (no other leecher in the swarm) or was faster than the configured cap. Flags never change
-- anyone's stats.
CREATE TABLE cheat_flags (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    torrent_id INTEGER NOT NULL REFERENCES torrents (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,          -- upload_without_leechers, upload_too_fast
    peer_id BLOB NOT NULL,
    ip TEXT NOT NULL,
    uploaded INTEGER NOT NULL,   -- bytes reported since the previous announce
    seconds INTEGER NOT NULL,    -- since the previous announce
    leechers INTEGER NOT NULL,   -- other leechers in the swarm then
    created_at INTEGER NOT NULL
);
CREATE INDEX cheat_flags_user ON cheat_flags (user_id);
