-- 0004: who may use the tracker. IP bans by canonical range text ("203.0.113.7",
-- "10.0.0.0/8", "2001:db8::/32"), and the client whitelist by peer_id prefix.
CREATE TABLE ip_bans (
    ip TEXT PRIMARY KEY,            -- IpRange::toString(); the API names a ban by it
    reason TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,    -- Unix seconds
    expires_at INTEGER NOT NULL DEFAULT 0 -- Unix seconds; 0: never
);

CREATE TABLE client_whitelist (
    prefix BLOB PRIMARY KEY,        -- 1 to 20 bytes a peer_id starts with
    name TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
