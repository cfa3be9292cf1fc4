#include "config.h"

#include <QDir>
#include <QFile>
#include <QHostAddress>
#include <QUrl>

#include <toml++/toml.h>

#include <cmath>
#include <functional>
#include <limits>
#include <vector>

namespace sk::app {

QString Config::databaseFile() const
{
    return QDir(dataDir).absoluteFilePath(databasePath);
}

namespace {

enum class Kind
{
    Int,
    Double,
    Bool,
    String
};

// One row per configuration key: its TOML path, documentation, type and bounds. The same
// table reads TOML, environment and flags, and prints the defaults and --help.
struct Field
{
    QString key; // "section.name", or "name" at the top level
    QString doc;
    Kind kind;
    qint64 min = 0;
    qint64 max = 0;
    std::function<QString(const Config &)> show;
    std::function<void(Config &, qint64)> setInt;
    std::function<void(Config &, bool)> setBool;
    std::function<QString(Config &, const QString &)> setString; // returns an error or ""
    double dmin = 0;
    double dmax = 0;
    std::function<void(Config &, double)> setDouble;
};

template<typename Get>
Field intField(const char *key, qint64 min, qint64 max, const char *doc, Get get)
{
    Field f{QLatin1String(key), QLatin1String(doc), Kind::Int, min, max, {}, {}, {}, {}, 0, 0, {}};
    f.show = [get](const Config &c) { return QString::number(get(const_cast<Config &>(c))); };
    f.setInt = [get](Config &c, qint64 v) {
        get(c) = static_cast<std::remove_reference_t<decltype(get(c))>>(v);
    };
    return f;
}

template<typename Get>
Field doubleField(const char *key, double min, double max, const char *doc, Get get)
{
    Field f{QLatin1String(key), QLatin1String(doc), Kind::Double, 0, 0, {}, {}, {}, {}, 0, 0, {}};
    f.dmin = min;
    f.dmax = max;
    f.show = [get](const Config &c) {
        // Always with a decimal point: TOML reads "1" as an integer.
        QString s = QString::number(get(const_cast<Config &>(c)), 'g', 15);
        if (!s.contains(QLatin1Char('.')) && !s.contains(QLatin1Char('e')))
            s += QStringLiteral(".0");
        return s;
    };
    f.setDouble = [get](Config &c, double v) { get(c) = v; };
    return f;
}

QString applyDouble(const Field &f, Config &c, double v)
{
    if (!std::isfinite(v) || v < f.dmin || v > f.dmax)
        return QStringLiteral("%1 is out of range %2..%3").arg(v).arg(f.dmin).arg(f.dmax);
    f.setDouble(c, v);
    return {};
}

template<typename Get> Field boolField(const char *key, const char *doc, Get get)
{
    Field f{QLatin1String(key), QLatin1String(doc), Kind::Bool, 0, 0, {}, {}, {}, {}, 0, 0, {}};
    f.show = [get](const Config &c) {
        return get(const_cast<Config &>(c)) ? QStringLiteral("true") : QStringLiteral("false");
    };
    f.setBool = [get](Config &c, bool v) { get(c) = v; };
    return f;
}

template<typename Get>
Field stringField(const char *key, const char *doc, Get get,
                  std::function<QString(const QString &)> validate = {})
{
    Field f{QLatin1String(key), QLatin1String(doc), Kind::String, 0, 0, {}, {}, {}, {}, 0, 0, {}};
    f.show = [get](const Config &c) -> QString { // explicit: a builder would outlive `v`
        QString v = get(const_cast<Config &>(c));
        v.replace(QLatin1Char('\\'), QLatin1String("\\\\"))
            .replace(QLatin1Char('"'), QLatin1String("\\\""));
        return QLatin1Char('"') + v + QLatin1Char('"');
    };
    f.setString = [get, validate](Config &c, const QString &v) {
        if (validate) {
            const QString e = validate(v);
            if (!e.isEmpty())
                return e;
        }
        get(c) = v;
        return QString();
    };
    return f;
}

QString validateAddress(const QString &v)
{
    QHostAddress a;
    return a.setAddress(v) ? QString() : QStringLiteral("not an IP address");
}

// admin.cors_origins: empty, "*", or origins (scheme://host[:port]) separated by commas.
QString validateOrigins(const QString &v)
{
    for (const QString &raw : v.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString o = raw.trimmed();
        if (o == QLatin1String("*"))
            continue;
        const QUrl u(o, QUrl::StrictMode);
        if (!u.isValid() ||
            (u.scheme() != QLatin1String("http") && u.scheme() != QLatin1String("https")) ||
            u.host().isEmpty() || !u.path().isEmpty() || u.hasQuery() || u.hasFragment() ||
            !u.userInfo().isEmpty())
            return QStringLiteral("\"%1\" is not an origin like https://console.example.org")
                .arg(o);
    }
    return {};
}

constexpr qint64 kMaxU32 = std::numeric_limits<std::uint32_t>::max();

const std::vector<Field> &fields()
{
    static const std::vector<Field> table = [] {
        std::vector<Field> t;
        t.push_back(stringField("data_dir", "Directory for the database and runtime state.",
                                [](Config &c) -> QString & { return c.dataDir; }));
        t.push_back(intField("workers", 0, 256,
                             "Tracker worker threads, each with its own HTTP and UDP socket "
                             "(SO_REUSEPORT). 0 = one per CPU core.",
                             [](Config &c) -> int & { return c.workers; }));

        t.push_back(stringField(
            "tracker.bind",
            "Address the tracker ports listen on. \"::\" is "
            "dual-stack (IPv4 and IPv6).",
            [](Config &c) -> QString & { return c.trackerBind; }, validateAddress));
        t.push_back(intField("tracker.http_port", -1, 65535,
                             "HTTP announce/scrape port. 0 = any free port, -1 = disabled.",
                             [](Config &c) -> int & { return c.httpPort; }));
        t.push_back(intField("tracker.udp_port", -1, 65535,
                             "UDP (BEP 15) port. 0 = any free port, -1 = disabled.",
                             [](Config &c) -> int & { return c.udpPort; }));
        t.push_back(
            intField("tracker.announce_interval", 60, 86400,
                     "Seconds between announces that clients are told (`interval`).",
                     [](Config &c) -> std::uint32_t & { return c.tracker.announceInterval; }));
        t.push_back(
            intField("tracker.min_announce_interval", 0, 86400,
                     "Seconds a client must wait before announcing again (`min interval`).",
                     [](Config &c) -> std::uint32_t & { return c.tracker.minAnnounceInterval; }));
        t.push_back(
            intField("tracker.interval_jitter_percent", 0, 50,
                     "Each reply's interval is shortened by up to this share, so a "
                     "restarted swarm does not re-announce in lockstep.",
                     [](Config &c) -> std::uint32_t & { return c.tracker.intervalJitterPercent; }));
        t.push_back(intField("tracker.peer_timeout", 60, 2 * 86400,
                             "Seconds without an announce after which a peer is dropped.",
                             [](Config &c) -> std::uint32_t & { return c.tracker.peerTimeout; }));
        t.push_back(intField("tracker.reap_interval", 1, 3600,
                             "Seconds between sweeps that drop timed-out peers.",
                             [](Config &c) -> int & { return c.reapInterval; }));
        t.push_back(
            intField("tracker.default_numwant", 0, 1000,
                     "Peers returned when a client does not say how many it wants.",
                     [](Config &c) -> std::uint32_t & { return c.tracker.defaultNumwant; }));
        t.push_back(intField("tracker.max_numwant", 1, 1000,
                             "Most peers in one reply, whatever the client asks for.",
                             [](Config &c) -> std::uint32_t & { return c.tracker.maxNumwant; }));
        t.push_back(boolField("tracker.enforce_registration",
                              "Refuse announces for torrents not registered via the admin API.",
                              [](Config &c) -> bool & { return c.tracker.enforceRegistration; }));
        t.push_back(boolField("tracker.trust_client_ip",
                              "Use the address a client claims (ip=, ipv4=, ipv6=, UDP IP field) "
                              "instead of the packet's source address.",
                              [](Config &c) -> bool & { return c.tracker.trustClientIp; }));

        t.push_back(boolField("tracker.exclude_own_peers",
                              "Never return a user's own clients as peers (the announcing client "
                              "itself is never returned).",
                              [](Config &c) -> bool & { return c.tracker.excludeOwnPeers; }));
        t.push_back(boolField("tracker.global_freeleech",
                              "Credit no download on any torrent (uploads still count).",
                              [](Config &c) -> bool & { return c.tracker.globalFreeleech; }));
        t.push_back(doubleField(
            "policy.min_ratio", 0.0, 100.0,
            "Minimum ratio (credited upload / download) to leech; below it a user may only "
            "seed. 0 turns the rule off.",
            [](Config &c) -> double & { return c.tracker.minRatio; }));
        t.push_back(
            intField("policy.ratio_grace_bytes", 0, std::numeric_limits<qint64>::max(),
                     "Bytes a user may download before the minimum ratio applies.",
                     [](Config &c) -> std::uint64_t & { return c.tracker.ratioGraceBytes; }));
        t.push_back(intField(
            "policy.seedtime_max_gap", 60, 86400,
            "Seeding time accrues between two announces of a seeding client, each gap counted "
            "up to this many seconds (a client that vanished accrues nothing).",
            [](Config &c) -> std::uint32_t & { return c.tracker.seedtimeMaxGap; }));
        t.push_back(boolField(
            "policy.client_whitelist",
            "Refuse clients whose peer_id matches no prefix of the client whitelist (managed "
            "with /admin/whitelist; an empty whitelist allows every client).",
            [](Config &c) -> bool & { return c.tracker.enforceClientWhitelist; }));
        t.push_back(intField(
            "policy.cheat_min_bytes", 0, std::numeric_limits<qint64>::max(),
            "Flag an announce reporting at least this much upload while no other leecher is in "
            "the swarm (for review in /admin/cheats; stats are never changed). 0: off.",
            [](Config &c) -> std::uint64_t & { return c.tracker.cheatMinBytes; }));
        t.push_back(intField(
            "policy.cheat_max_upload_rate", 0, std::numeric_limits<qint64>::max(),
            "Flag an announce whose upload since the previous one is faster than this many "
            "bytes per second. 0: off.",
            [](Config &c) -> std::uint64_t & { return c.tracker.cheatMaxUploadRate; }));
        t.push_back(intField("hnr.min_seedtime", 0, 31536000,
                             "Seconds of seeding a snatch needs; once the grace period after "
                             "completion has passed, a snatch short of it whose user is not "
                             "seeding is a hit-and-run. 0 turns the rule off.",
                             [](Config &c) -> std::uint32_t & { return c.hnr.minSeedtime; }));
        t.push_back(intField("hnr.grace_period", 0, 31536000,
                             "Seconds after completing a torrent before the rule looks at it.",
                             [](Config &c) -> std::uint32_t & { return c.hnr.gracePeriod; }));
        t.push_back(intField("hnr.max_warnings", 0, 1000,
                             "Hit-and-run warnings that disable a user's leeching. 0: never.",
                             [](Config &c) -> std::uint32_t & { return c.hnr.maxWarnings; }));
        t.push_back(intField("hnr.check_interval", 1, 86400,
                             "Seconds between hit-and-run checks (POST /admin/hnr/check runs "
                             "one now).",
                             [](Config &c) -> std::uint32_t & { return c.hnr.checkInterval; }));
        t.push_back(doubleField(
            "bonus.points_per_hour", 0.0, 1000000.0,
            "Bonus points per hour for each torrent a user seeds (counted at every award). 0 "
            "turns awards off.",
            [](Config &c) -> double & { return c.bonus.pointsPerHour; }));
        t.push_back(intField("bonus.interval", 60, 86400,
                             "Seconds between bonus awards (POST /admin/bonus/calculate awards "
                             "the time since the last one now).",
                             [](Config &c) -> std::uint32_t & { return c.bonus.interval; }));
        t.push_back(intField("bonus.bytes_per_point", 1, std::int64_t(1) << 50,
                             "Upload credit in bytes one point redeems for.",
                             [](Config &c) -> std::uint64_t & { return c.bonus.bytesPerPoint; }));
        t.push_back(boolField("ratelimit.enabled",
                              "Token buckets per client address for announces, scrapes and the "
                              "admin API; over the limit: a failure reason, or HTTP 429.",
                              [](Config &c) -> bool & { return c.rateLimit.enabled; }));
        t.push_back(doubleField("ratelimit.announce_rate", 0.01, 100000.0,
                                "Announces per second one address may sustain.",
                                [](Config &c) -> double & { return c.rateLimit.buckets[0].rate; }));
        t.push_back(
            doubleField("ratelimit.announce_burst", 1.0, 1000000.0,
                        "Announces one address may send at once (bucket size).",
                        [](Config &c) -> double & { return c.rateLimit.buckets[0].burst; }));
        t.push_back(doubleField("ratelimit.scrape_rate", 0.01, 100000.0,
                                "Scrapes per second one address may sustain.",
                                [](Config &c) -> double & { return c.rateLimit.buckets[1].rate; }));
        t.push_back(
            doubleField("ratelimit.scrape_burst", 1.0, 1000000.0,
                        "Scrapes one address may send at once (bucket size).",
                        [](Config &c) -> double & { return c.rateLimit.buckets[1].burst; }));
        t.push_back(doubleField("ratelimit.admin_rate", 0.01, 100000.0,
                                "Admin requests per second one address may sustain.",
                                [](Config &c) -> double & { return c.rateLimit.buckets[2].rate; }));
        t.push_back(
            doubleField("ratelimit.admin_burst", 1.0, 1000000.0,
                        "Admin requests one address may send at once (bucket size).",
                        [](Config &c) -> double & { return c.rateLimit.buckets[2].burst; }));
        t.push_back(stringField(
            "ratelimit.exempt", "Comma-separated addresses and CIDR ranges that are never limited.",
            [](Config &c) -> QString & { return c.rateLimit.exempt; },
            [](const QString &v) {
                return core::parseRangeList(v) ? QString()
                                               : QStringLiteral("not a list of addresses or "
                                                                "ranges (e.g. 127.0.0.0/8, ::1)");
            }));
        t.push_back(intField("ratelimit.max_tracked", 1000, 100000000,
                             "Addresses whose buckets are held at once; when full (after "
                             "dropping idle ones) new addresses pass untracked.",
                             [](Config &c) -> std::size_t & { return c.rateLimit.maxTracked; }));
        t.push_back(boolField(
            "verification.enabled",
            "Probe whether peers accept TCP connections on the address and port they announce "
            "(one connect per endpoint, cached); connectable peers are preferred in replies.",
            [](Config &c) -> bool & { return c.verification.enabled; }));
        t.push_back(intField("verification.connect_timeout_ms", 100, 60000,
                             "Milliseconds a probe waits for the connection.",
                             [](Config &c) -> int & { return c.verification.connectTimeoutMs; }));
        t.push_back(intField("verification.cache_ttl", 60, 7 * 86400,
                             "Seconds a probe's answer stands; an endpoint announcing after that "
                             "is probed again.",
                             [](Config &c) -> std::uint32_t & { return c.verification.cacheTtl; }));
        t.push_back(intField("verification.max_concurrent", 1, 10000,
                             "Connection attempts under way at once.",
                             [](Config &c) -> int & { return c.verification.maxConcurrent; }));
        t.push_back(intField("verification.max_queue", 1, 10000000,
                             "Probes waiting for a free slot; past it new endpoints go unprobed "
                             "until their next announce.",
                             [](Config &c) -> std::size_t & { return c.verification.maxQueue; }));
        t.push_back(intField("verification.max_cached", 1000, 100000000,
                             "Endpoints whose answer is remembered; past it new endpoints go "
                             "unprobed until old answers expire.",
                             [](Config &c) -> std::size_t & { return c.verification.maxCached; }));
        t.push_back(intField(
            "verification.max_per_address", 1, 1000000,
            "Endpoints of one IPv4 address or IPv6 /64 remembered at once; past it that "
            "address's new endpoints go unprobed (one host or user cannot fill the cache).",
            [](Config &c) -> std::uint32_t & { return c.verification.maxPerAddress; }));
        t.push_back(boolField("verification.warn_unreachable",
                              "HTTP announces of a peer that refused the probe carry a `warning "
                              "message` saying so.",
                              [](Config &c) -> bool & { return c.verification.warnUnreachable; }));

        t.push_back(intField("http.max_connections", 1, 1000000,
                             "Open tracker HTTP connections per worker; more are refused.",
                             [](Config &c) -> int & { return c.http.maxConnections; }));
        t.push_back(intField("http.idle_timeout", 1, 3600,
                             "Seconds an HTTP connection may stay silent before it is closed.",
                             [](Config &c) -> int & { return c.http.idleTimeout; }));
        t.push_back(intField("http.max_request_line", 256, 65536,
                             "Longest request line in bytes (414 beyond).",
                             [](Config &c) -> int & { return c.http.maxRequestLine; }));
        t.push_back(intField("http.max_headers", 1, 256, "Most header lines (431 beyond).",
                             [](Config &c) -> int & { return c.http.maxHeaders; }));
        t.push_back(intField("http.max_header_bytes", 256, 65536, "Most header bytes (431 beyond).",
                             [](Config &c) -> int & { return c.http.maxHeaderBytes; }));
        t.push_back(intField("http.max_scrape_hashes", 1, 1000,
                             "Most info_hashes in one HTTP scrape.",
                             [](Config &c) -> int & { return c.http.maxScrapeHashes; }));

        t.push_back(intField("udp.max_scrape_hashes", 1, 74,
                             "Most info_hashes in one UDP scrape (BEP 15: about 74 fit).",
                             [](Config &c) -> std::uint32_t & { return c.udp.maxScrapeHashes; }));
        t.push_back(intField("udp.max_peers_v4", 1, 200,
                             "Most peers in a UDP reply to an IPv4 client (200 keeps it in one "
                             "1500-byte packet).",
                             [](Config &c) -> std::uint32_t & { return c.udp.maxPeersV4; }));
        t.push_back(intField("udp.max_peers_v6", 1, 80,
                             "Most peers in a UDP reply to an IPv6 client (80 keeps it in one "
                             "1500-byte packet).",
                             [](Config &c) -> std::uint32_t & { return c.udp.maxPeersV6; }));
        t.push_back(boolField("udp.anonymous_scrape",
                              "Serve UDP scrapes without a passkey (BEP 41 data cannot follow a "
                              "scrape); unregistered torrents scrape as zeros.",
                              [](Config &c) -> bool & { return c.udp.anonymousScrape; }));

        t.push_back(intField("stats.flush_interval", 1, 3600,
                             "Seconds between accounting commits. Credit reported in the last "
                             "interval is in memory only, and a client's next announce "
                             "re-reports it after a crash.",
                             [](Config &c) -> int & { return c.statsFlushInterval; }));
        t.push_back(intField("stats.flush_records", 1, 100000000,
                             "Announces waiting for the accounting commit that trigger one at "
                             "once, before the interval ends (bounds the memory a burst takes).",
                             [](Config &c) -> int & { return c.statsFlushRecords; }));
        t.push_back(intField("stats.snapshot_log_mib", 0, 1 << 20,
                             "Peer journal: the log of peers' last reported totals is folded "
                             "into a new snapshot of the swarms once it holds this many MiB and "
                             "stats.snapshot_log_ratio times the last snapshot (0: the ratio "
                             "alone).",
                             [](Config &c) -> int & { return c.statsSnapshotLogMib; }));
        t.push_back(intField("stats.snapshot_log_ratio", 1, 64,
                             "Peer journal: how many times the last snapshot the log must hold "
                             "before it is folded. Higher writes less (a snapshot rewrites every "
                             "peer: 1/ratio of the log's writes), but the database holds and a "
                             "start reads up to ratio + 1 snapshots' worth of peers.",
                             [](Config &c) -> int & { return c.statsSnapshotLogRatio; }));

        t.push_back(stringField(
            "admin.bind",
            "Address of the admin API. Keep it on loopback unless a TLS "
            "proxy fronts it.",
            [](Config &c) -> QString & { return c.adminBind; }, validateAddress));
        t.push_back(intField("admin.port", 0, 65535, "Admin API port. 0 = any free port.",
                             [](Config &c) -> int & { return c.adminPort; }));
        t.push_back(intField("admin.max_body_bytes", 1024, 16 << 20,
                             "Largest admin request body (413 beyond).",
                             [](Config &c) -> int & { return c.adminMaxBodyBytes; }));
        t.push_back(intField("admin.audit_keep_days", 1, 36500,
                             "Days the audit log keeps each mutating admin call (older entries "
                             "are deleted once an hour).",
                             [](Config &c) -> int & { return c.auditKeepDays; }));
        t.push_back(stringField(
            "admin.cors_origins",
            "Browser origins allowed to call the admin API (CORS), comma-separated, or \"*\"; "
            "empty: CORS off.",
            [](Config &c) -> QString & { return c.corsOrigins; }, validateOrigins));
        t.push_back(
            stringField("admin.tls_cert",
                        "PEM certificate (chain) for HTTPS and WSS on the admin listener; with "
                        "admin.tls_key. Empty: plain HTTP.",
                        [](Config &c) -> QString & { return c.adminTlsCert; }));
        t.push_back(stringField("admin.tls_key", "PEM private key (RSA or EC) for admin.tls_cert.",
                                [](Config &c) -> QString & { return c.adminTlsKey; }));
        t.push_back(boolField("admin.metrics_require_token",
                              "Ask for a token (any role) at /metrics on the admin listener; "
                              "false lets a Prometheus on the same host scrape without one.",
                              [](Config &c) -> bool & { return c.metricsRequireToken; }));
        t.push_back(intField("ws.max_clients", 1, 10000,
                             "Most clients of the /ws live feed at once.",
                             [](Config &c) -> int & { return c.feed.maxClients; }));
        t.push_back(intField("ws.max_queued_bytes", 4096, 256 << 20,
                             "Unsent bytes a /ws client may fall behind before it is closed as "
                             "too slow.",
                             [](Config &c) -> qint64 & { return c.feed.maxQueuedBytes; }));
        t.push_back(intField("ws.ping_interval", 1, 3600, "Seconds between pings to /ws clients.",
                             [](Config &c) -> int & { return c.feed.pingInterval; }));
        t.push_back(intField("ws.idle_timeout", 2, 86400,
                             "Seconds a /ws client may answer neither a ping nor anything else "
                             "before it is dropped.",
                             [](Config &c) -> int & { return c.feed.idleTimeout; }));
        t.push_back(intField("ws.max_swarm_changes", 1, 1000000,
                             "Swarms in one `swarm` event (more changed: the rest follow a "
                             "second later).",
                             [](Config &c) -> int & { return c.feed.maxSwarmChanges; }));

        t.push_back(stringField(
            "database.driver", "Database: \"sqlite\".",
            [](Config &c) -> QString & { return c.databaseDriver; },
            [](const QString &v) {
                return v == QLatin1String("sqlite") ? QString()
                                                    : QStringLiteral("supported: sqlite");
            }));
        t.push_back(stringField("database.path", "SQLite file; a relative path is inside data_dir.",
                                [](Config &c) -> QString & { return c.databasePath; }));
        return t;
    }();
    return table;
}

const Field *findField(const QString &key)
{
    for (const Field &f : fields())
        if (f.key == key)
            return &f;
    return nullptr;
}

QString envName(const QString &key)
{
    QString n = QStringLiteral("SWARMKEEPER_") + key.toUpper();
    n.replace(QLatin1Char('.'), QLatin1Char('_'));
    return n;
}

// Applies a textual value (environment, flags) to a field.
QString applyText(Config &c, const Field &f, const QString &text)
{
    switch (f.kind) {
    case Kind::Int: {
        bool ok = false;
        const qint64 v = text.trimmed().toLongLong(&ok);
        if (!ok)
            return QStringLiteral("expected an integer, got \"%1\"").arg(text);
        if (v < f.min || v > f.max)
            return QStringLiteral("%1 is out of range %2..%3").arg(v).arg(f.min).arg(f.max);
        f.setInt(c, v);
        return {};
    }
    case Kind::Double: {
        bool ok = false;
        const double v = text.trimmed().toDouble(&ok);
        if (!ok)
            return QStringLiteral("expected a number, got \"%1\"").arg(text);
        return applyDouble(f, c, v);
    }
    case Kind::Bool: {
        const QString t = text.trimmed().toLower();
        if (t == QLatin1String("true") || t == QLatin1String("1") || t == QLatin1String("yes"))
            f.setBool(c, true);
        else if (t == QLatin1String("false") || t == QLatin1String("0") || t == QLatin1String("no"))
            f.setBool(c, false);
        else
            return QStringLiteral("expected true or false, got \"%1\"").arg(text);
        return {};
    }
    case Kind::String:
        return f.setString(c, text);
    }
    return {};
}

QString applyToml(Config &c, const Field &f, const toml::node &node)
{
    switch (f.kind) {
    case Kind::Int: {
        const auto v = node.value<std::int64_t>();
        if (!node.is_integer() || !v)
            return QStringLiteral("expected an integer");
        if (*v < f.min || *v > f.max)
            return QStringLiteral("%1 is out of range %2..%3").arg(*v).arg(f.min).arg(f.max);
        f.setInt(c, *v);
        return {};
    }
    case Kind::Double: {
        // An integer is a number too (min_ratio = 1).
        const auto v = node.value<double>();
        if (!(node.is_floating_point() || node.is_integer()) || !v)
            return QStringLiteral("expected a number");
        return applyDouble(f, c, *v);
    }
    case Kind::Bool:
        if (!node.is_boolean())
            return QStringLiteral("expected true or false");
        f.setBool(c, *node.value<bool>());
        return {};
    case Kind::String:
        if (!node.is_string())
            return QStringLiteral("expected a string");
        return f.setString(c, QString::fromStdString(*node.value<std::string>()));
    }
    return {};
}

bool loadToml(Config &c, const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("%1: cannot read: %2").arg(path, file.errorString());
        return false;
    }
    const QByteArray text = file.readAll();
    toml::table root;
    try {
        root =
            toml::parse(std::string_view(text.constData(), static_cast<std::size_t>(text.size())),
                        path.toStdString());
    } catch (const toml::parse_error &e) {
        *error = QStringLiteral("%1:%2: %3")
                     .arg(path)
                     .arg(e.source().begin.line)
                     .arg(QString::fromUtf8(e.description().data(),
                                            static_cast<qsizetype>(e.description().size())));
        return false;
    }
    auto fail = [&](const toml::node &n, const QString &key, const QString &msg) {
        *error = QStringLiteral("%1:%2: %3: %4").arg(path).arg(n.source().begin.line).arg(key, msg);
        return false;
    };
    for (const auto &[k, node] : root) {
        const QString top = QString::fromStdString(std::string(k.str()));
        if (const toml::table *section = node.as_table()) {
            bool known = false;
            for (const Field &f : fields())
                known = known || f.key.startsWith(top + QLatin1Char('.'));
            if (!known) // also an empty [section]: a typo must not pass silently
                return fail(node, top, QStringLiteral("unknown section"));
            for (const auto &[k2, node2] : *section) {
                const QString key =
                    top + QLatin1Char('.') + QString::fromStdString(std::string(k2.str()));
                const Field *f = findField(key);
                if (!f)
                    return fail(node2, key, QStringLiteral("unknown key"));
                const QString e = applyToml(c, *f, node2);
                if (!e.isEmpty())
                    return fail(node2, key, e);
            }
            continue;
        }
        const Field *f = findField(top);
        if (!f)
            return fail(node, top, QStringLiteral("unknown key"));
        const QString e = applyToml(c, *f, node);
        if (!e.isEmpty())
            return fail(node, top, e);
    }
    return true;
}

bool validate(const Config &c, QString *error)
{
    if (c.tracker.minAnnounceInterval > c.tracker.announceInterval) {
        *error = QStringLiteral(
            "tracker.min_announce_interval must not exceed tracker.announce_interval");
        return false;
    }
    if (c.tracker.peerTimeout <= c.tracker.announceInterval) {
        *error = QStringLiteral("tracker.peer_timeout must exceed tracker.announce_interval, or "
                                "peers that announce on time would be dropped");
        return false;
    }
    if (c.tracker.defaultNumwant > c.tracker.maxNumwant) {
        *error = QStringLiteral("tracker.default_numwant must not exceed tracker.max_numwant");
        return false;
    }
    if (c.httpPort < 0 && c.udpPort < 0) {
        *error = QStringLiteral("both tracker ports are disabled");
        return false;
    }
    return true;
}

// Flags that name a key directly; any key can also be set with --set key=value.
struct FlagAlias
{
    const char *flag;
    const char *key;
};
constexpr FlagAlias kAliases[] = {
    {"--data-dir", "data_dir"},           {"--workers", "workers"},
    {"--http-port", "tracker.http_port"}, {"--udp-port", "tracker.udp_port"},
    {"--admin-port", "admin.port"},       {"--bind", "tracker.bind"},
    {"--admin-bind", "admin.bind"},
};

// Environment variables that are not configuration keys.
const QStringList kSpecialEnv = {QStringLiteral("SWARMKEEPER_ADMIN_TOKEN"),
                                 QStringLiteral("SWARMKEEPER_CONFIG")};

} // namespace

std::optional<CommandLine> parseCommandLine(const QStringList &args, const QStringList &env,
                                            QString *error)
{
    CommandLine cl;
    QString configPath;
    std::vector<std::pair<const Field *, QString>> flagValues;

    for (const QString &e : env) {
        if (e.startsWith(QLatin1String("SWARMKEEPER_CONFIG=")))
            configPath = e.mid(19);
    }
    for (int i = 0; i < args.size(); ++i) {
        const QString &a = args[i];
        auto value = [&](QString *out) {
            const int eq = a.indexOf(QLatin1Char('='));
            if (eq > 0) {
                *out = a.mid(eq + 1);
                return true;
            }
            if (i + 1 >= args.size()) {
                *error = QStringLiteral("%1 needs a value").arg(a);
                return false;
            }
            *out = args[++i];
            return true;
        };
        const QString name = a.section(QLatin1Char('='), 0, 0);
        if (a == QLatin1String("-h") || a == QLatin1String("--help")) {
            cl.help = true;
        } else if (a == QLatin1String("--version")) {
            cl.version = true;
        } else if (a == QLatin1String("--print-default-config")) {
            cl.printDefaultConfig = true;
        } else if (name == QLatin1String("--config")) {
            if (!value(&configPath))
                return std::nullopt;
        } else if (name == QLatin1String("--set")) {
            QString kv;
            if (!value(&kv))
                return std::nullopt;
            const int eq = kv.indexOf(QLatin1Char('='));
            const Field *f = eq > 0 ? findField(kv.left(eq)) : nullptr;
            if (!f) {
                *error =
                    QStringLiteral("--set %1: unknown key (see --print-default-config)").arg(kv);
                return std::nullopt;
            }
            flagValues.emplace_back(f, kv.mid(eq + 1));
        } else {
            const Field *f = nullptr;
            for (const FlagAlias &al : kAliases)
                if (name == QLatin1String(al.flag))
                    f = findField(QLatin1String(al.key));
            if (!f) {
                *error = QStringLiteral("unknown option %1 (see --help)").arg(a);
                return std::nullopt;
            }
            QString v;
            if (!value(&v))
                return std::nullopt;
            flagValues.emplace_back(f, v);
        }
    }
    if (cl.help || cl.version || cl.printDefaultConfig)
        return cl;

    if (!configPath.isEmpty() && !loadToml(cl.config, configPath, error))
        return std::nullopt;

    for (const QString &e : env) {
        if (!e.startsWith(QLatin1String("SWARMKEEPER_")))
            continue;
        const QString name = e.section(QLatin1Char('='), 0, 0);
        const QString v = e.mid(name.size() + 1);
        if (kSpecialEnv.contains(name))
            continue;
        const Field *f = nullptr;
        for (const Field &candidate : fields())
            if (envName(candidate.key) == name)
                f = &candidate;
        if (!f) {
            *error =
                QStringLiteral("environment variable %1 is not a setting (see --help)").arg(name);
            return std::nullopt;
        }
        const QString err = applyText(cl.config, *f, v);
        if (!err.isEmpty()) {
            *error = QStringLiteral("%1: %2").arg(name, err);
            return std::nullopt;
        }
    }
    for (const auto &[f, v] : flagValues) {
        const QString err = applyText(cl.config, *f, v);
        if (!err.isEmpty()) {
            *error = QStringLiteral("%1: %2").arg(f->key, err);
            return std::nullopt;
        }
    }
    if (!validate(cl.config, error))
        return std::nullopt;
    return cl;
}

QString defaultConfigToml()
{
    const Config defaults;
    QString out = QStringLiteral("# swarmkeeperd configuration: every key with its default.\n"
                                 "# Environment: SWARMKEEPER_<SECTION>_<KEY>, e.g. "
                                 "SWARMKEEPER_TRACKER_HTTP_PORT=8080.\n");
    QString section;
    for (const Field &f : fields()) {
        const int dot = f.key.indexOf(QLatin1Char('.'));
        const QString s = dot < 0 ? QString() : f.key.left(dot);
        if (s != section) {
            out += QStringLiteral("\n[%1]\n").arg(s);
            section = s;
        }
        out += QStringLiteral("# %1\n%2 = %3\n").arg(f.doc, f.key.mid(dot + 1), f.show(defaults));
    }
    return out;
}

QString helpText()
{
    QString out = QStringLiteral(
        "Usage: swarmkeeperd [options]\n"
        "       swarmkeeperd token create NAME --role admin|moderator|readonly [options]\n"
        "       swarmkeeperd token list [options]\n"
        "       swarmkeeperd token revoke NAME|ID [options]\n"
        "\n"
        "Private BitTorrent tracker: HTTP and UDP announce/scrape with passkeys, admin API.\n"
        "Settings come from built-in defaults, then the TOML file given with --config (or\n"
        "SWARMKEEPER_CONFIG), then SWARMKEEPER_* environment variables, then flags.\n"
        "\n"
        "Options:\n"
        "  --config FILE           read settings from a TOML file\n"
        "  --set KEY=VALUE         set any key, e.g. --set tracker.announce_interval=900\n"
        "  --print-default-config  print every key with its default and documentation\n"
        "  --help, -h              this text\n"
        "  --version               print the version\n"
        "\n"
        "Tokens: `token` manages admin API tokens in the database of the data directory\n"
        "(the same options find it). A new token's secret is printed once; a running server\n"
        "picks up new and revoked tokens within 5 seconds.\n");
    for (const FlagAlias &al : kAliases)
        out += QStringLiteral("  %1 VALUE%2same as --set %3=VALUE\n")
                   .arg(QLatin1String(al.flag))
                   .arg(QString(qMax(1, 18 - int(qstrlen(al.flag))), QLatin1Char(' ')))
                   .arg(QLatin1String(al.key));
    out += QStringLiteral(
        "\nEnvironment:\n"
        "  SWARMKEEPER_ADMIN_TOKEN  use this admin token (kept in memory, hashed) instead of\n"
        "                           generating one at first start\n"
        "  SWARMKEEPER_CONFIG       path of the TOML file, like --config\n"
        "  SWARMKEEPER_<KEY>        any setting, e.g. SWARMKEEPER_TRACKER_UDP_PORT=6969\n"
        "\nSettings (key: default):\n");
    const Config defaults;
    for (const Field &f : fields())
        out += QStringLiteral("  %1 = %2\n      %3\n").arg(f.key, f.show(defaults), f.doc);
    return out;
}

} // namespace sk::app
