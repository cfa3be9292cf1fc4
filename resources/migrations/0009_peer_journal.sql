-- 0009: the peer journal (docs/architecture.md, "Peer journal"). The peers' last reported
-- totals were one row each, rewritten by the commit after every announce: a B-tree write per
-- announce, most of the stats thread's time under load. Now each commit appends its peers as
-- one blob of fixed-size entries to peer_log, and a snapshot of the peer store, staged part
-- by part under a new generation, replaces the log once a later commit makes it current. The
-- old peers table is read at the first start after this migration and emptied by the
-- snapshot that start writes.
CREATE TABLE peer_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: a snapshot names the log it covers
    entries BLOB NOT NULL
);
CREATE TABLE peer_snapshot (
    id INTEGER PRIMARY KEY,
    generation INTEGER NOT NULL,
    entries BLOB NOT NULL
);
CREATE INDEX peer_snapshot_generation ON peer_snapshot (generation);
CREATE TABLE peer_journal (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL -- the current snapshot's; 0: none yet
);
INSERT INTO peer_journal (id, generation) VALUES (1, 0);
