-- 0008: the audit log of every mutating admin call: who (the token's name, unique since 0001),
-- what, when, from where, and how it ended.

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,            -- Unix seconds
    token TEXT NOT NULL,            -- the token's name
    role TEXT NOT NULL,
    ip TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    target TEXT NOT NULL,           -- what the call names or created (an id, a range, ...)
    status INTEGER NOT NULL,        -- the HTTP status answered
    summary TEXT NOT NULL           -- the request body as JSON, secrets left out
);
CREATE INDEX audit_log_at ON audit_log (at);
