-- 0003: fewer indexes on the tables every stats commit writes. A flush writes as many peer
-- and (user, torrent) rows as peers announced, and keeping three more B-trees in step cost
-- more than the rows themselves. Stale peer rows are swept by a periodic scan instead, and
-- deleting a user or a torrent (rare, admin-only) scans for its rows.
DROP INDEX peers_user;
DROP INDEX peers_last_announce;
DROP INDEX user_torrents_torrent;
