#include "adminserver.h"

#include "shared/api/dto.h"

#include <QDateTime>
#include <QFile>
#include <QHttpServerResponder>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QUrlQuery>

#include <cmath>
#include <limits>
#include <utility>
#include <variant>

namespace sk::admin {

using core::DbStatus;

ApiReply apiError(int status, const char *code, const QString &message)
{
    return {status, QJsonObject{{QStringLiteral("error"),
                                 QJsonObject{{QStringLiteral("code"), QLatin1String(code)},
                                             {QStringLiteral("message"), message}}}}};
}

QByteArray presentedToken(const QByteArray &authorization, const QByteArray &xAdminToken)
{
    if (authorization.size() > 7 &&
        authorization.first(7).compare("bearer ", Qt::CaseInsensitive) == 0)
        return authorization.mid(7).trimmed();
    return xAdminToken;
}

// A passkey is a user's announce credential: readonly tokens (dashboards, scripts) never see
// one, in a user object or in the objects of a list.
void hidePasskeys(QJsonObject &body)
{
    body.remove(QStringLiteral("passkey"));
    for (auto it = body.begin(); it != body.end(); ++it) {
        if (!it.value().isArray())
            continue;
        QJsonArray items = it.value().toArray();
        for (auto item = items.begin(); item != items.end(); ++item) {
            QJsonObject o = item->toObject();
            if (o.contains(QStringLiteral("passkey"))) {
                o.remove(QStringLiteral("passkey"));
                *item = o;
            }
        }
        it.value() = items;
    }
}

namespace {

// The reply to a successful DELETE of the row `id`.
ApiReply deletedReply(qint64 id)
{
    return {200, QJsonObject{{QStringLiteral("id"), id}, {QStringLiteral("deleted"), true}}};
}

ApiReply dbError(DbStatus s, const QString &what, const QString &message = {})
{
    switch (s) {
    case DbStatus::Ok:
        break;
    case DbStatus::NotFound:
        return apiError(404, "not_found", what + QStringLiteral(" not found"));
    case DbStatus::Conflict:
        return apiError(409, "conflict", what + QStringLiteral(" already exists"));
    case DbStatus::Error:
        break;
    }
    qWarning("admin: database error: %s", qPrintable(message));
    return apiError(500, "internal", QStringLiteral("database error"));
}

std::optional<core::UserId> parseId(const QString &s)
{
    bool ok = false;
    const qulonglong v = s.toULongLong(&ok);
    if (!ok || v == 0 || v > 0xFFFFFFFFull || s.startsWith(QLatin1Char('+')))
        return std::nullopt;
    return static_cast<core::UserId>(v);
}

api::UserDto toDto(const core::UserRecord &u)
{
    return api::UserDto{u.id,        u.name,        u.passkey.toString(),
                        u.uploaded,  u.downloaded,  u.canLeech,
                        u.createdAt, u.hnrWarnings, u.bonusMillipoints};
}

// The JSON object body of a request, or an error reply. An empty body is an empty object.
std::variant<QJsonObject, ApiReply> jsonBody(const QHttpServerRequest &r,
                                             const QStringList &allowed)
{
    const QByteArray body = r.body();
    if (body.trimmed().isEmpty())
        return QJsonObject{};
    QJsonParseError pe{};
    const QJsonDocument doc = QJsonDocument::fromJson(body, &pe);
    if (pe.error != QJsonParseError::NoError)
        return apiError(400, "invalid_json",
                        QStringLiteral("body is not valid JSON: ") + pe.errorString());
    if (!doc.isObject())
        return apiError(400, "invalid_json", QStringLiteral("body must be a JSON object"));
    const QJsonObject o = doc.object();
    for (auto it = o.begin(); it != o.end(); ++it)
        if (!allowed.contains(it.key()))
            return apiError(422, "unknown_field", QStringLiteral("unknown field: ") + it.key());
    return o;
}

// Longest freeleech or ban the API accepts: bounded like every input.
constexpr qint64 kMaxDurationSeconds = 10LL * 366 * 86400;

// A duration in whole seconds, 1 to kMaxDurationSeconds.
std::optional<qint64> durationValue(const QJsonValue &v)
{
    const double d = v.toDouble(-1);
    if (!v.isDouble() || d != std::floor(d) || d < 1 || d > double(kMaxDurationSeconds))
        return std::nullopt;
    return static_cast<qint64>(d);
}

ApiReply badDuration()
{
    return apiError(
        422, "invalid_value",
        QStringLiteral("duration must be whole seconds, 1 to %1").arg(kMaxDurationSeconds));
}

} // namespace

AdminServer::AdminServer(core::Directory &directory, core::Database &db, core::PeerStore &peers,
                         core::AnnounceService &service, TokenStore &tokens,
                         core::StatsWriter &stats, core::AccessControl &access,
                         core::HitAndRun &hnr, core::Bonus &bonus, core::RateLimiter &limiter,
                         core::ReachabilityCache &reach, Monitor &monitor,
                         const AdminSettings &settings)
    : m_directory(directory), m_db(db), m_peers(peers), m_service(service), m_tokens(tokens),
      m_stats(stats), m_access(access), m_hnr(hnr), m_bonus(bonus), m_limiter(limiter),
      m_reach(reach), m_monitor(monitor), m_settings(settings)
{
    using M = QHttpServerRequest::Method;
    add(M::Get, "/admin/stats", [this](const auto &, const auto &) { return trackerStats(); });
    add(M::Get, "/admin/swarms", [this](const auto &r, const auto &) { return listSwarms(r); });
    add(M::Get, "/admin/users",
        [this](const auto &r, const auto &) { return listUsers(r, false); });
    add(M::Get, "/admin/users/search",
        [this](const auto &r, const auto &) { return listUsers(r, true); });
    add(
        M::Get, "/admin/users/passkey/:pk",
        [this](const auto &, const auto &p) { return userByPasskey(p[0]); }, Role::Moderator);
    add(M::Post, "/admin/users", [this](const auto &r, const auto &) { return createUser(r); });
    add(M::Get, "/admin/users/:id", [this](const auto &, const auto &p) { return getUser(p[0]); });
    add(M::Delete, "/admin/users/:id",
        [this](const auto &, const auto &p) { return deleteUser(p[0]); });
    add(M::Post, "/admin/users/:id/reset",
        [this](const auto &, const auto &p) { return resetUser(p[0]); });
    add(M::Put, "/admin/users/:id/leech",
        [this](const auto &r, const auto &p) { return setLeech(r, p[0]); });
    add(M::Put, "/admin/users/:id/stats",
        [this](const auto &r, const auto &p) { return setUserStats(r, p[0]); });
    add(M::Get, "/admin/torrents", [this](const auto &r, const auto &) { return listTorrents(r); });
    add(M::Post, "/admin/torrents",
        [this](const auto &r, const auto &) { return createTorrent(r); });
    add(M::Get, "/admin/torrents/:id",
        [this](const auto &, const auto &p) { return getTorrent(p[0]); });
    add(M::Delete, "/admin/torrents/:id",
        [this](const auto &, const auto &p) { return deleteTorrent(p[0]); });
    add(M::Post, "/admin/torrents/:id/freeleech",
        [this](const auto &r, const auto &p) { return setFreeleech(r, p[0], true); });
    add(M::Delete, "/admin/torrents/:id/freeleech",
        [this](const auto &r, const auto &p) { return setFreeleech(r, p[0], false); });
    add(M::Put, "/admin/torrents/:id/multipliers",
        [this](const auto &r, const auto &p) { return setMultipliers(r, p[0]); });
    add(M::Put, "/admin/torrents/:id/stats",
        [this](const auto &r, const auto &p) { return setTorrentStats(r, p[0]); });
    add(M::Get, "/admin/freeleech",
        [this](const auto &r, const auto &) { return listFreeleech(r); });
    add(
        M::Post, "/admin/stats/flush",
        [this](const auto &, const auto &) {
            const core::FlushResult f = m_stats.flush();
            if (!f.ok)
                return apiError(503, "flush_failed",
                                QStringLiteral("the database refused the stats batch; %1 rows are "
                                               "kept for the next attempt")
                                    .arg(f.pending));
            return ApiReply{200, QJsonObject{{QStringLiteral("records"), qint64(f.records)},
                                             {QStringLiteral("committed"), qint64(f.committed)}}};
        },
        Role::Admin);
    add(M::Get, "/admin/snatches",
        [this](const auto &r, const auto &) { return listSnatches(r, {}); });
    add(M::Get, "/admin/snatches/:id",
        [this](const auto &, const auto &p) { return getSnatch(p[0]); });
    add(M::Put, "/admin/snatches/:id",
        [this](const auto &r, const auto &p) { return updateSnatch(r, p[0]); });
    add(M::Delete, "/admin/snatches/:id",
        [this](const auto &, const auto &p) { return deleteSnatch(p[0]); });
    add(M::Delete, "/admin/snatches/:id/hnr",
        [this](const auto &, const auto &p) { return clearSnatchHnr(p[0]); });
    add(M::Get, "/admin/users/:id/snatches",
        [this](const auto &r, const auto &p) { return listUserSnatches(r, p[0]); });
    add(M::Get, "/admin/torrents/:id/snatches",
        [this](const auto &r, const auto &p) { return listTorrentSnatches(r, p[0]); });
    add(M::Get, "/admin/hnr", [this](const auto &r, const auto &) {
        core::SnatchFilter f;
        f.hnrOnly = true;
        return listSnatches(r, f);
    });
    add(M::Post, "/admin/hnr/check",
        [this](const auto &, const auto &) { return checkHitAndRuns(); });
    add(M::Post, "/admin/users/:id/warnings/clear",
        [this](const auto &, const auto &p) { return clearWarnings(p[0]); });
    add(M::Get, "/admin/cheats", [this](const auto &r, const auto &) { return listCheats(r); });
    add(M::Delete, "/admin/cheats/:id",
        [this](const auto &, const auto &p) { return deleteCheat(p[0]); });
    add(M::Get, "/admin/ratelimits",
        [this](const auto &, const auto &) { return rateLimitStats(); });
    add(M::Get, "/admin/ratelimits/:ip",
        [this](const auto &, const auto &p) { return rateLimitState(p[0]); });
    add(
        M::Delete, "/admin/ratelimits/:ip",
        [this](const auto &, const auto &p) { return rateLimitReset(p[0]); }, Role::Admin);
    add(M::Get, "/admin/torrents/:id/peers",
        [this](const auto &r, const auto &p) { return listPeers(r, p[0]); });
    add(M::Get, "/admin/verification/stats",
        [this](const auto &, const auto &) { return verificationStats(); });
    add(
        M::Delete, "/admin/verification/cache",
        [this](const auto &, const auto &) { return clearVerificationCache(); }, Role::Admin);
    add(M::Get, "/admin/bonus/stats", [this](const auto &, const auto &) { return bonusStats(); });
    add(M::Post, "/admin/bonus/calculate",
        [this](const auto &, const auto &) { return bonusCalculate(); });
    add(M::Get, "/admin/users/:id/points",
        [this](const auto &, const auto &p) { return getPoints(p[0]); });
    add(M::Post, "/admin/users/:id/points",
        [this](const auto &r, const auto &p) { return changePoints(r, p[0], true); });
    add(M::Delete, "/admin/users/:id/points",
        [this](const auto &r, const auto &p) { return changePoints(r, p[0], false); });
    add(M::Post, "/admin/users/:id/redeem",
        [this](const auto &r, const auto &p) { return redeemPoints(r, p[0]); });
    add(M::Get, "/admin/bans", [this](const auto &r, const auto &) { return listBans(r, false); });
    add(M::Get, "/admin/bans/active",
        [this](const auto &r, const auto &) { return listBans(r, true); });
    add(M::Post, "/admin/bans", [this](const auto &r, const auto &) { return createBan(r); });
    add(M::Post, "/admin/bans/cleanup",
        [this](const auto &, const auto &) { return cleanupBans(); });
    // A range is named "10.0.0.0/8": as one segment with %2F, or as two plain ones.
    const auto rangeOf = [](const QStringList &p) {
        return p.size() == 2 ? p[0] + QLatin1Char('/') + p[1] : p[0];
    };
    for (const char *path : {"/admin/bans/:ip", "/admin/bans/:ip/:prefix"}) {
        add(M::Get, path,
            [this, rangeOf](const auto &, const auto &p) { return getBan(rangeOf(p)); });
        add(M::Put, path,
            [this, rangeOf](const auto &r, const auto &p) { return updateBan(r, rangeOf(p)); });
        add(M::Delete, path,
            [this, rangeOf](const auto &, const auto &p) { return deleteBan(rangeOf(p)); });
    }
    add(M::Get, "/admin/whitelist", [this](const auto &, const auto &) { return listWhitelist(); });
    add(M::Post, "/admin/whitelist",
        [this](const auto &r, const auto &) { return addAllowedClient(r); });
    add(M::Delete, "/admin/whitelist/:prefix",
        [this](const auto &, const auto &p) { return removeAllowedClient(p[0]); });
    add(
        M::Get, "/admin/tokens", [this](const auto &, const auto &) { return listTokens(); },
        Role::Admin);
    add(
        M::Post, "/admin/tokens", [this](const auto &r, const auto &) { return createToken(r); },
        Role::Admin);
    add(
        M::Delete, "/admin/tokens/:id",
        [this](const auto &, const auto &p) { return revokeToken(p[0]); }, Role::Admin);
    add(
        M::Get, "/admin/audit", [this](const auto &r, const auto &) { return listAudit(r); },
        Role::Moderator);
    add(M::Get, "/admin/openapi.json", [](const auto &, const auto &) {
        return ApiReply{200, contract()};
    });
    add(M::Get, "/admin/version", [](const auto &, const auto &) {
        return ApiReply{200,
                        QJsonObject{{QStringLiteral("api_version"), api::apiVersion},
                                    {QStringLiteral("server"), QStringLiteral("swarmkeeperd")}}};
    });

    // Our own router behind the missing handler: one place decides 401, 404, 405 and 413,
    // each as a JSON error, which QHttpServer 6.4's router cannot express.
    m_server.setMissingHandler(
        [this](const QHttpServerRequest &request, QHttpServerResponder &&responder) {
            dispatch(request, std::move(responder));
        });
}

void AdminServer::add(QHttpServerRequest::Method method, const char *path, Handler handler,
                      std::optional<Role> minRole)
{
    const Role least = minRole.value_or(
        method == QHttpServerRequest::Method::Get ? Role::Readonly : Role::Moderator);
    m_routes.push_back({method,
                        QString::fromLatin1(path).split(QLatin1Char('/'), Qt::SkipEmptyParts),
                        std::move(handler), least});
}

const QJsonObject &AdminServer::contract()
{
    static const QJsonObject document = [] {
        QFile f(QStringLiteral(":/admin/openapi.json"));
        const bool opened = f.open(QIODevice::ReadOnly);
        Q_ASSERT_X(opened, "AdminServer::contract", "the OpenAPI resource is not linked in");
        return opened ? QJsonDocument::fromJson(f.readAll()).object() : QJsonObject();
    }();
    return document;
}

std::vector<AdminServer::RouteInfo> AdminServer::routes() const
{
    using M = QHttpServerRequest::Method;
    std::vector<RouteInfo> out;
    for (const Route &r : m_routes) {
        QStringList segments;
        for (const QString &s : r.pattern)
            segments << (s.startsWith(QLatin1Char(':'))
                             ? QLatin1Char('{') + s.mid(1) + QLatin1Char('}')
                             : s);
        QString method;
        switch (r.method) {
        case M::Get:
            method = QStringLiteral("get");
            break;
        case M::Post:
            method = QStringLiteral("post");
            break;
        case M::Put:
            method = QStringLiteral("put");
            break;
        case M::Delete:
            method = QStringLiteral("delete");
            break;
        default:
            method = QStringLiteral("other");
            break;
        }
        out.push_back({method, QLatin1Char('/') + segments.join(QLatin1Char('/')), r.minRole});
    }
    return out;
}

quint16 AdminServer::listen(const QHostAddress &address, quint16 port, QString *error)
{
    const quint16 bound = m_server.listen(address, port);
    if (bound == 0)
        *error = QStringLiteral("cannot listen on %1 port %2").arg(address.toString()).arg(port);
    return bound;
}

bool AdminServer::setTls(const QString &certFile, const QString &keyFile, QString *error)
{
    QFile cf(certFile);
    QFile kf(keyFile);
    if (!cf.open(QIODevice::ReadOnly) || !kf.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read admin.tls_cert %1 or admin.tls_key %2")
                     .arg(certFile, keyFile);
        return false;
    }
    const QList<QSslCertificate> chain = QSslCertificate::fromData(cf.readAll(), QSsl::Pem);
    const QByteArray keyPem = kf.readAll();
    QSslKey key(keyPem, QSsl::Rsa, QSsl::Pem);
    if (key.isNull())
        key = QSslKey(keyPem, QSsl::Ec, QSsl::Pem);
    if (chain.isEmpty() || chain.first().isNull() || key.isNull()) {
        *error = chain.isEmpty() ? QStringLiteral("no PEM certificate in %1").arg(certFile)
                                 : QStringLiteral("no RSA or EC PEM key in %1").arg(keyFile);
        return false;
    }
    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.setLocalCertificateChain(chain);
    tls.setPrivateKey(key);
    tls.setPeerVerifyMode(QSslSocket::VerifyNone); // clients authenticate with tokens
    m_server.sslSetup(tls);
    return true;
}

void AdminServer::dispatch(const QHttpServerRequest &request, QHttpServerResponder &&responder)
{
    // CORS: a listed Origin is named in every answer; a preflight is answered before the
    // token check (browsers send none with it).
    QByteArray allowOrigin;
    if (const QByteArray origin = request.value("origin"); !origin.isEmpty()) {
        if (m_settings.corsOrigins.contains(QStringLiteral("*")))
            allowOrigin = "*";
        else if (m_settings.corsOrigins.contains(QString::fromLatin1(origin)))
            allowOrigin = origin;
    }
    auto send = [&](const ApiReply &reply) {
        const auto status = static_cast<QHttpServerResponder::StatusCode>(reply.status);
        if (allowOrigin.isEmpty())
            responder.write(QJsonDocument(reply.body), status);
        else
            responder.write(QJsonDocument(reply.body),
                            {{"Access-Control-Allow-Origin", allowOrigin}, {"Vary", "Origin"}},
                            status);
    };

    // A flood is refused before anything else, token checks included.
    if (const auto ip = proto::IpAddress::fromHostAddress(request.remoteAddress());
        ip && !m_limiter.allow(*ip, core::RateKind::Admin)) {
        send(apiError(429, "rate_limited",
                      QStringLiteral("too many requests from this address; retry later")));
        return;
    }
    if (!allowOrigin.isEmpty() && request.method() == QHttpServerRequest::Method::Options &&
        !request.value("access-control-request-method").isEmpty()) {
        responder.write(
            {{"Access-Control-Allow-Origin", allowOrigin},
             {"Access-Control-Allow-Methods", "GET, POST, PUT, DELETE"},
             {"Access-Control-Allow-Headers", "Authorization, X-Admin-Token, Content-Type"},
             {"Access-Control-Max-Age", "600"},
             {"Vary", "Origin"}},
            QHttpServerResponder::StatusCode::NoContent);
        return;
    }
    // Authentication first: without a token, nothing about the API is revealed.
    const QByteArray token =
        presentedToken(request.value("authorization"), request.value("x-admin-token"));
    const bool metrics = request.url().path() == QLatin1String("/metrics");
    const std::optional<TokenIdentity> who = m_tokens.verify(token);
    if (metrics && (who || !m_settings.metricsRequireToken)) {
        if (request.method() != QHttpServerRequest::Method::Get)
            send(apiError(405, "method_not_allowed", QStringLiteral("/metrics takes GET only")));
        else
            responder.write(m_monitor.prometheus(), "text/plain; version=0.0.4; charset=utf-8");
        return;
    }
    if (!who) {
        send(apiError(
            401, "unauthorized",
            QStringLiteral("missing or invalid token: send Authorization: Bearer <token>")));
        return;
    }
    if (request.body().size() > m_settings.maxBodyBytes) {
        send(apiError(413, "payload_too_large",
                      QStringLiteral("body larger than %1 bytes").arg(m_settings.maxBodyBytes)));
        return;
    }

    // Split before decoding: an escaped '/' (%2F) stays inside its segment.
    QStringList segments;
    for (const QString &raw :
         request.url().path(QUrl::FullyEncoded).split(QLatin1Char('/'), Qt::SkipEmptyParts))
        segments << QUrl::fromPercentEncoding(raw.toLatin1());
    bool pathMatched = false;
    for (const Route &route : m_routes) {
        if (route.pattern.size() != segments.size())
            continue;
        QStringList params;
        bool match = true;
        for (qsizetype i = 0; i < segments.size() && match; ++i) {
            if (route.pattern[i].startsWith(QLatin1Char(':')))
                params << segments[i];
            else
                match = route.pattern[i] == segments[i];
        }
        if (!match)
            continue;
        pathMatched = true;
        if (route.method != request.method())
            continue;
        ApiReply reply;
        m_callerRole = who->role;
        if (who->role < route.minRole)
            reply = apiError(403, "forbidden",
                             QStringLiteral("the %1 token \"%2\" may not do this (needs %3)")
                                 .arg(roleName(who->role), who->name, roleName(route.minRole)));
        else
            reply = route.handler(request, params);
        if (who->role == Role::Readonly)
            hidePasskeys(reply.body);
        if (request.method() != QHttpServerRequest::Method::Get) {
            recordAudit(request, *who, params, reply);
            if (m_hub && reply.status < 300)
                publishChange(request, *who, segments, params, reply);
        }
        send(reply);
        return;
    }
    if (pathMatched)
        send(
            apiError(405, "method_not_allowed", QStringLiteral("method not allowed on this path")));
    else
        send(apiError(404, "not_found",
                      QStringLiteral("no such endpoint: ") + request.url().path()));
}

// ---- users ----

namespace {
struct Paging
{
    core::Page page;
    std::optional<ApiReply> error;
};

Paging paging(const QHttpServerRequest &r, const AdminSettings &s)
{
    Paging p;
    const QUrlQuery q = r.query();
    bool ok = true;
    p.page.limit = s.defaultPageSize;
    if (q.hasQueryItem(QStringLiteral("limit"))) {
        p.page.limit = q.queryItemValue(QStringLiteral("limit")).toLongLong(&ok);
        if (!ok || p.page.limit < 1 || p.page.limit > s.maxPageSize) {
            p.error = apiError(400, "invalid_parameter",
                               QStringLiteral("limit must be 1..%1").arg(s.maxPageSize));
            return p;
        }
    }
    if (q.hasQueryItem(QStringLiteral("offset"))) {
        p.page.offset = q.queryItemValue(QStringLiteral("offset")).toLongLong(&ok);
        if (!ok || p.page.offset < 0)
            p.error = apiError(400, "invalid_parameter", QStringLiteral("offset must be >= 0"));
    }
    return p;
}

// A page of a list: the items under `key`, with the total and the page that was asked for.
ApiReply pagedReply(const QString &key, const QJsonArray &items, std::int64_t total,
                    core::Page page)
{
    return {200, QJsonObject{{key, items},
                             {QStringLiteral("total"), static_cast<qint64>(total)},
                             {QStringLiteral("limit"), static_cast<qint64>(page.limit)},
                             {QStringLiteral("offset"), static_cast<qint64>(page.offset)}}};
}
} // namespace

namespace {
// `?sort=key` (ascending) or `?sort=-key` (descending), the key one of `keys`; absent: the
// first key, ascending.
template<typename Key>
std::variant<std::pair<Key, bool>, ApiReply>
sortParameter(const QHttpServerRequest &r, const std::vector<std::pair<const char *, Key>> &keys)
{
    const QString value = r.query().queryItemValue(QStringLiteral("sort"));
    if (value.isEmpty())
        return std::pair{keys.front().second, false};
    const bool descending = value.startsWith(QLatin1Char('-'));
    const QString name = descending ? value.mid(1) : value;
    QStringList names;
    for (const auto &[n, key] : keys) {
        if (name == QLatin1String(n))
            return std::pair{key, descending};
        names << QLatin1String(n);
    }
    return apiError(400, "invalid_parameter",
                    QStringLiteral("sort must be one of %1, with - before it for descending")
                        .arg(names.join(QStringLiteral(", "))));
}
} // namespace

ApiReply AdminServer::listUsers(const QHttpServerRequest &r, bool search)
{
    const Paging p = paging(r, m_settings);
    if (p.error)
        return *p.error;
    using S = core::UserSort;
    const auto sort = sortParameter<S>(r, {{"id", S::Id},
                                           {"name", S::Name},
                                           {"uploaded", S::Uploaded},
                                           {"downloaded", S::Downloaded},
                                           {"ratio", S::Ratio},
                                           {"created_at", S::Created},
                                           {"bonus_points", S::Points},
                                           {"hnr_warnings", S::Warnings}});
    if (const auto *e = std::get_if<ApiReply>(&sort))
        return *e;
    core::UserQuery query;
    std::tie(query.sort, query.descending) = std::get<std::pair<S, bool>>(sort);
    if (search) {
        query.text = r.query().queryItemValue(QStringLiteral("q"), QUrl::FullyDecoded);
        if (query.text.isEmpty() || query.text.size() > 255) // names are at most 255 long
            return apiError(400, "invalid_parameter",
                            QStringLiteral("q must be 1 to 255 characters: part of a name, or "
                                           "the start of a passkey"));
        // A passkey prefix is a passkey oracle: only roles that may see passkeys search them.
        query.matchPasskey = m_callerRole >= Role::Moderator;
    }
    const auto users = m_db.findUsers(query, p.page);
    const auto total = m_db.countUsers(query);
    if (!users.ok() || !total.ok())
        return dbError(DbStatus::Error, {}, users.message + total.message);
    QJsonArray items;
    for (const auto &u : users.value)
        items.append(toDto(u).toJson());
    return pagedReply(QStringLiteral("users"), items, total.value, p.page);
}

ApiReply AdminServer::userByPasskey(const QString &passkey)
{
    const auto pk = proto::Passkey::fromText(passkey);
    if (!pk)
        return apiError(400, "invalid_parameter",
                        QStringLiteral("a passkey is 32 characters from [0-9A-Za-z]"));
    const auto u = m_db.userByPasskey(*pk);
    if (!u.ok())
        return dbError(u.status, QStringLiteral("user with this passkey"), u.message);
    return {200, toDto(u.value).toJson()};
}

ApiReply AdminServer::trackerStats()
{
    return {200, m_monitor.current().toJson()};
}

ApiReply AdminServer::listSwarms(const QHttpServerRequest &r)
{
    const Paging p = paging(r, m_settings);
    if (p.error)
        return *p.error;
    enum class K
    {
        Peers,
        Seeders,
        Leechers,
        Completed,
        InfoHash
    };
    const auto sort = sortParameter<K>(r, {{"peers", K::Peers},
                                           {"seeders", K::Seeders},
                                           {"leechers", K::Leechers},
                                           {"completed", K::Completed},
                                           {"info_hash", K::InfoHash}});
    if (const auto *e = std::get_if<ApiReply>(&sort))
        return *e;
    // Without ?sort= the busiest swarms come first; ties by info_hash keep pages stable.
    const bool given = !r.query().queryItemValue(QStringLiteral("sort")).isEmpty();
    const auto [key, descending] = std::get<std::pair<K, bool>>(sort);
    const bool desc = given ? descending : true;
    std::vector<core::SwarmSummary> all = m_peers.swarms();
    const auto value = [key](const core::SwarmSummary &s) -> std::uint64_t {
        switch (key) {
        case K::Peers:
            return std::uint64_t(s.seeders) + s.leechers;
        case K::Seeders:
            return s.seeders;
        case K::Leechers:
            return s.leechers;
        case K::Completed:
            return s.completed;
        case K::InfoHash:
            break;
        }
        return 0;
    };
    std::sort(
        all.begin(), all.end(), [&](const core::SwarmSummary &a, const core::SwarmSummary &b) {
            const std::uint64_t va = value(a), vb = value(b);
            if (va != vb)
                return desc ? va > vb : va < vb;
            return desc && key == K::InfoHash ? b.infoHash < a.infoHash : a.infoHash < b.infoHash;
        });
    QJsonArray items;
    const auto total = static_cast<std::int64_t>(all.size());
    for (std::int64_t i = p.page.offset; i < total && i < p.page.offset + p.page.limit; ++i) {
        items.append(swarmDto(all[std::size_t(i)], m_directory.registry()).toJson());
    }
    return pagedReply(QStringLiteral("swarms"), items, total, p.page);
}

ApiReply AdminServer::createUser(const QHttpServerRequest &r)
{
    auto parsed = jsonBody(r, {QStringLiteral("name"), QStringLiteral("passkey")});
    if (auto *e = std::get_if<ApiReply>(&parsed))
        return *e;
    const QJsonObject o = std::get<QJsonObject>(parsed);
    QString name;
    if (o.contains(QStringLiteral("name"))) {
        if (!o.value(QStringLiteral("name")).isString())
            return apiError(422, "invalid_field", QStringLiteral("name must be a string"));
        name = o.value(QStringLiteral("name")).toString();
        if (name.size() > 255)
            return apiError(422, "invalid_field",
                            QStringLiteral("name is longer than 255 characters"));
    }
    std::optional<proto::Passkey> passkey;
    if (o.contains(QStringLiteral("passkey"))) {
        passkey = proto::Passkey::fromText(o.value(QStringLiteral("passkey")).toString());
        if (!passkey)
            return apiError(422, "invalid_field",
                            QStringLiteral("passkey must be 32 characters from [0-9A-Za-z]"));
    }
    const auto created = m_directory.createUser(name, passkey);
    if (!created.ok())
        return dbError(created.status, QStringLiteral("a user with this passkey"), created.message);
    return {201, toDto(created.value).toJson()};
}

ApiReply AdminServer::getUser(const QString &id)
{
    const auto uid = parseId(id);
    if (!uid)
        return apiError(400, "invalid_parameter",
                        QStringLiteral("user id must be a positive integer"));
    const auto u = m_db.user(*uid);
    if (!u.ok())
        return dbError(u.status, QStringLiteral("user"), u.message);
    return {200, toDto(u.value).toJson()};
}

ApiReply AdminServer::deleteUser(const QString &id)
{
    const auto uid = parseId(id);
    if (!uid)
        return apiError(400, "invalid_parameter",
                        QStringLiteral("user id must be a positive integer"));
    const DbStatus s = m_directory.deleteUser(*uid);
    if (s != DbStatus::Ok)
        return dbError(s, QStringLiteral("user"));
    return deletedReply(*uid);
}

ApiReply AdminServer::resetUser(const QString &id)
{
    const auto uid = parseId(id);
    if (!uid)
        return apiError(400, "invalid_parameter",
                        QStringLiteral("user id must be a positive integer"));
    const auto u = m_directory.resetPasskey(*uid);
    if (!u.ok())
        return dbError(u.status, QStringLiteral("user"), u.message);
    return {200, toDto(u.value).toJson()};
}

ApiReply AdminServer::setLeech(const QHttpServerRequest &r, const QString &id)
{
    auto parsed = jsonBody(r, {QStringLiteral("can_leech")});
    if (auto *e = std::get_if<ApiReply>(&parsed))
        return *e;
    const QJsonValue v = std::get<QJsonObject>(parsed).value(QStringLiteral("can_leech"));
    if (v.isUndefined())
        return apiError(422, "missing_field", QStringLiteral("give \"can_leech\": true or false"));
    if (!v.isBool())
        return apiError(422, "invalid_value", QStringLiteral("can_leech must be true or false"));
    const auto uid = parseId(id);
    if (!uid)
        return apiError(400, "invalid_parameter",
                        QStringLiteral("user id must be a positive integer"));
    const auto u = m_directory.setCanLeech(*uid, v.toBool());
    if (!u.ok())
        return dbError(u.status, QStringLiteral("user"), u.message);
    return {200, toDto(u.value).toJson()};
}

namespace {

// A byte or event count given by an admin: a whole JSON number (exact up to 2^53) or a
// string of decimal digits, at most what the database stores (2^63 - 1).
std::optional<std::uint64_t> countValue(const QJsonValue &v)
{
    constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (v.isDouble()) {
        const double d = v.toDouble();
        if (!std::isfinite(d) || d < 0 || d > 9007199254740992.0 || d != std::floor(d))
            return std::nullopt;
        return static_cast<std::uint64_t>(d);
    }
    if (!v.isString())
        return std::nullopt;
    const QString s = v.toString();
    if (s.isEmpty() || s.size() > 19)
        return std::nullopt;
    for (const QChar c : s)
        if (c < QLatin1Char('0') || c > QLatin1Char('9'))
            return std::nullopt;
    const std::uint64_t n = s.toULongLong();
    return n <= kMax ? std::optional(n) : std::nullopt;
}

// Reads the `keys` present in `o` into `targets` (same order); at least one must be given.
std::optional<ApiReply> readCounts(const QJsonObject &o, const QStringList &keys,
                                   const std::vector<std::uint64_t *> &targets)
{
    bool any = false;
    for (qsizetype i = 0; i < keys.size(); ++i) {
        if (!o.contains(keys[i]))
            continue;
        const auto n = countValue(o.value(keys[i]));
        if (!n)
            return apiError(422, "invalid_value",
                            keys[i] + QStringLiteral(" must be a whole number from 0 to "
                                                     "9223372036854775807 (a string above 2^53)"));
        *targets[std::size_t(i)] = *n;
        any = true;
    }
    if (!any)
        return apiError(422, "missing_field",
                        QStringLiteral("give at least one of: ") + keys.join(QStringLiteral(", ")));
    return std::nullopt;
}

} // namespace

ApiReply AdminServer::setUserStats(const QHttpServerRequest &r, const QString &id)
{
    const QStringList keys{QStringLiteral("uploaded"), QStringLiteral("downloaded")};
    auto parsed = jsonBody(r, keys);
    if (auto *e = std::get_if<ApiReply>(&parsed))
        return *e;
    const auto uid = parseId(id);
    if (!uid)
        return apiError(400, "invalid_parameter",
                        QStringLiteral("user id must be a positive integer"));
    // Under the stats writer's lock: a commit lands wholly before or after the correction.
    return m_stats.exclusive([&]() -> ApiReply {
        const auto current = m_db.user(*uid);
        if (!current.ok())
            return dbError(current.status, QStringLiteral("user"), current.message);
        std::uint64_t up = current.value.uploaded;
        std::uint64_t down = current.value.downloaded;
        if (auto e = readCounts(std::get<QJsonObject>(parsed), keys, {&up, &down}))
            return *e;
        const auto u = m_directory.setUserStats(*uid, up, down);
        if (!u.ok())
            return dbError(u.status, QStringLiteral("user"), u.message);
        return {200, toDto(u.value).toJson()};
    });
}

// ---- torrents ----

namespace {
api::TorrentDto torrentDto(const core::TorrentRecord &t, const core::PeerStore &peers)
{
    const proto::ScrapeEntry e = peers.scrape(t.infoHash);
    api::TorrentDto d{t.id,       t.infoHash,   t.name,      t.createdAt,
                      e.complete, e.incomplete, e.downloaded};
    d.freeleech = t.policy.freeleech;
    d.freeleechUntil = t.policy.freeleechUntil;
    d.uploadMultiplier = t.policy.uploadMultiplier;
    d.downloadMultiplier = t.policy.downloadMultiplier;
    d.uploaded = t.uploaded;
    d.downloaded = t.downloaded;
    return d;
}
} // namespace

ApiReply AdminServer::listTorrents(const QHttpServerRequest &r)
{
    const Paging p = paging(r, m_settings);
    if (p.error)
        return *p.error;
    using S = core::TorrentSort;
    const auto sort = sortParameter<S>(r, {{"id", S::Id},
                                           {"name", S::Name},
                                           {"created_at", S::Created},
                                           {"uploaded", S::Uploaded},
                                           {"downloaded", S::Downloaded},
                                           {"completed", S::Completed}});
    if (const auto *e = std::get_if<ApiReply>(&sort))
        return *e;
    core::TorrentQuery query;
    std::tie(query.sort, query.descending) = std::get<std::pair<S, bool>>(sort);
    const auto torrents = m_db.torrents(query, p.page);
    const auto total = m_db.torrentCount(query);
    if (!torrents.ok() || !total.ok())
        return dbError(DbStatus::Error, {}, torrents.message + total.message);
    QJsonArray items;
    for (const auto &t : torrents.value)
        items.append(torrentDto(t, m_peers).toJson());
    return pagedReply(QStringLiteral("torrents"), items, total.value, p.page);
}

ApiReply AdminServer::createTorrent(const QHttpServerRequest &r)
{
    auto parsed = jsonBody(r, {QStringLiteral("info_hash"), QStringLiteral("name")});
    if (auto *e = std::get_if<ApiReply>(&parsed))
        return *e;
    const QJsonObject o = std::get<QJsonObject>(parsed);
    if (!o.contains(QStringLiteral("info_hash")))
        return apiError(422, "missing_field", QStringLiteral("info_hash is required"));
    const auto ih = proto::InfoHash::fromHex(o.value(QStringLiteral("info_hash")).toString());
    if (!ih)
        return apiError(422, "invalid_field", QStringLiteral("info_hash must be 40 hex digits"));
    if (o.contains(QStringLiteral("name")) && !o.value(QStringLiteral("name")).isString())
        return apiError(422, "invalid_field", QStringLiteral("name must be a string"));
    const QString name = o.value(QStringLiteral("name")).toString();
    if (name.size() > 1024)
        return apiError(422, "invalid_field",
                        QStringLiteral("name is longer than 1024 characters"));
    const auto created = m_directory.createTorrent(*ih, name);
    if (!created.ok())
        return dbError(created.status, QStringLiteral("a torrent with this info_hash"),
                       created.message);
    return {201, torrentDto(created.value, m_peers).toJson()};
}

namespace {
// A torrent is named by its numeric id or its 40-digit hex info_hash.
core::DbResult<core::TorrentRecord> findTorrent(core::Database &db, const QString &key,
                                                bool *badKey)
{
    *badKey = false;
    if (key.size() == 40) {
        if (const auto ih = proto::InfoHash::fromHex(key))
            return db.torrentByHash(*ih);
    }
    if (const auto id = parseId(key))
        return db.torrent(*id);
    *badKey = true;
    return {};
}
} // namespace

std::variant<core::TorrentRecord, ApiReply> AdminServer::lookupTorrent(const QString &idOrHash)
{
    bool bad = false;
    auto t = findTorrent(m_db, idOrHash, &bad);
    if (bad)
        return apiError(400, "invalid_parameter",
                        QStringLiteral("expected a torrent id or a 40-digit hex info_hash"));
    if (!t.ok())
        return dbError(t.status, QStringLiteral("torrent"), t.message);
    return std::move(t.value);
}

ApiReply AdminServer::applyPolicy(core::TorrentId id, const core::TorrentPolicy &policy)
{
    const auto updated = m_directory.setTorrentPolicy(id, policy);
    if (!updated.ok())
        return dbError(updated.status, QStringLiteral("torrent"), updated.message);
    return {200, torrentDto(updated.value, m_peers).toJson()};
}

ApiReply AdminServer::getTorrent(const QString &idOrHash)
{
    const auto found = lookupTorrent(idOrHash);
    if (const auto *e = std::get_if<ApiReply>(&found))
        return *e;
    const core::TorrentRecord &t = std::get<core::TorrentRecord>(found);
    return {200, torrentDto(t, m_peers).toJson()};
}

ApiReply AdminServer::deleteTorrent(const QString &idOrHash)
{
    const auto found = lookupTorrent(idOrHash);
    if (const auto *e = std::get_if<ApiReply>(&found))
        return *e;
    const core::TorrentRecord &t = std::get<core::TorrentRecord>(found);
    const DbStatus s = m_directory.deleteTorrent(t.id);
    if (s != DbStatus::Ok)
        return dbError(s, QStringLiteral("torrent"));
    return {200, QJsonObject{{QStringLiteral("id"), static_cast<qint64>(t.id)},
                             {QStringLiteral("info_hash"), t.infoHash.toHexString()},
                             {QStringLiteral("deleted"), true}}};
}

// Largest multiplier the API accepts.
constexpr double kMaxMultiplier = 100.0;

ApiReply AdminServer::setFreeleech(const QHttpServerRequest &r, const QString &idOrHash, bool on)
{
    auto parsed = jsonBody(r, on ? QStringList{QStringLiteral("duration")} : QStringList{});
    if (auto *e = std::get_if<ApiReply>(&parsed))
        return *e;
    const QJsonObject o = std::get<QJsonObject>(parsed);
    const auto found = lookupTorrent(idOrHash);
    if (const auto *e = std::get_if<ApiReply>(&found))
        return *e;
    const core::TorrentRecord &t = std::get<core::TorrentRecord>(found);
    core::TorrentPolicy policy = t.policy;
    policy.freeleech = on;
    policy.freeleechUntil = 0;
    if (on && o.contains(QStringLiteral("duration"))) {
        const auto seconds = durationValue(o.value(QStringLiteral("duration")));
        if (!seconds)
            return badDuration();
        policy.freeleechUntil = m_service.now() + *seconds;
    }
    return applyPolicy(t.id, policy);
}

ApiReply AdminServer::setMultipliers(const QHttpServerRequest &r, const QString &idOrHash)
{
    auto parsed = jsonBody(r, {QStringLiteral("upload"), QStringLiteral("download")});
    if (auto *e = std::get_if<ApiReply>(&parsed))
        return *e;
    const QJsonObject o = std::get<QJsonObject>(parsed);
    if (o.isEmpty())
        return apiError(422, "missing_field",
                        QStringLiteral("give \"upload\", \"download\" or both"));
    const auto found = lookupTorrent(idOrHash);
    if (const auto *e = std::get_if<ApiReply>(&found))
        return *e;
    const core::TorrentRecord &t = std::get<core::TorrentRecord>(found);
    core::TorrentPolicy policy = t.policy;
    for (const auto &[key, target] :
         {std::pair{QStringLiteral("upload"), &policy.uploadMultiplier},
          std::pair{QStringLiteral("download"), &policy.downloadMultiplier}}) {
        if (!o.contains(key))
            continue;
        const QJsonValue v = o.value(key);
        const double m = v.toDouble(-1);
        if (!v.isDouble() || !std::isfinite(m) || m < 0 || m > kMaxMultiplier)
            return apiError(
                422, "invalid_value",
                key + QStringLiteral(" must be a number from 0 to %1").arg(kMaxMultiplier));
        *target = m;
    }
    return applyPolicy(t.id, policy);
}

ApiReply AdminServer::setTorrentStats(const QHttpServerRequest &r, const QString &idOrHash)
{
    const QStringList keys{QStringLiteral("uploaded"), QStringLiteral("downloaded"),
                           QStringLiteral("completed")};
    auto parsed = jsonBody(r, keys);
    if (auto *e = std::get_if<ApiReply>(&parsed))
        return *e;
    return m_stats.exclusive([&]() -> ApiReply {
        const auto found = lookupTorrent(idOrHash);
        if (const auto *e = std::get_if<ApiReply>(&found))
            return *e;
        const core::TorrentRecord &t = std::get<core::TorrentRecord>(found);
        std::uint64_t up = t.uploaded;
        std::uint64_t down = t.downloaded;
        std::uint64_t completed = t.completed;
        if (auto e = readCounts(std::get<QJsonObject>(parsed), keys, {&up, &down, &completed}))
            return *e;
        const auto updated = m_directory.setTorrentStats(t.id, up, down, completed);
        if (!updated.ok())
            return dbError(updated.status, QStringLiteral("torrent"), updated.message);
        return {200, torrentDto(updated.value, m_peers).toJson()};
    });
}

ApiReply AdminServer::listFreeleech(const QHttpServerRequest &r)
{
    const Paging p = paging(r, m_settings);
    if (p.error)
        return *p.error;
    core::TorrentQuery query;
    query.freeleechAt = m_service.now(); // the moment the announce path would judge
    const auto torrents = m_db.torrents(query, p.page);
    const auto total = m_db.torrentCount(query);
    if (!torrents.ok() || !total.ok())
        return dbError(DbStatus::Error, {}, torrents.message + total.message);
    QJsonArray items;
    for (const auto &t : torrents.value)
        items.append(torrentDto(t, m_peers).toJson());
    return pagedReply(QStringLiteral("torrents"), items, total.value, p.page);
}

// ---- IP bans ----

namespace {

// A ban reason is a note for moderators, not a document; it is shown in every ban listing.
constexpr int kMaxReasonChars = 1024;

api::BanDto banDto(const core::Ban &b, std::int64_t now)
{
    return {b.range.toString(), b.reason, b.createdAt, b.expiresAt, b.activeAt(now)};
}

// `text` is not a ban's name: 400 in the path, 422 in a body; says what was meant when only
// the host bits are wrong.
ApiReply badRange(int status, const QString &what, const QString &text)
{
    const char *code = status == 400 ? "invalid_parameter" : "invalid_value";
    if (const auto meant = proto::IpRange::parse(text, true))
        return apiError(status, code,
                        QStringLiteral("%1 %2 has host bits set; the range is %3")
                            .arg(what, text.left(64), meant->toString()));
    return apiError(status, code,
                    what + QStringLiteral(" must be an IPv4 or IPv6 address or a CIDR range, "
                                          "e.g. 203.0.113.7 or 10.0.0.0/8"));
}

// Reads "reason" into `reason` when present: a string of at most kMaxReasonChars.
std::optional<ApiReply> readReason(const QJsonObject &o, std::optional<QString> &reason)
{
    if (!o.contains(QStringLiteral("reason")))
        return std::nullopt;
    const QJsonValue v = o.value(QStringLiteral("reason"));
    if (!v.isString() || v.toString().size() > kMaxReasonChars)
        return apiError(422, "invalid_value",
                        QStringLiteral("reason must be a string of at most %1 characters")
                            .arg(kMaxReasonChars));
    reason = v.toString();
    return std::nullopt;
}

} // namespace

ApiReply AdminServer::listBans(const QHttpServerRequest &r, bool activeOnly)
{
    const Paging p = paging(r, m_settings);
    if (p.error)
        return *p.error;
    const std::int64_t now = m_access.now();
    std::vector<core::Ban> bans = m_access.bans().all();
    if (activeOnly)
        std::erase_if(bans, [now](const core::Ban &b) { return !b.activeAt(now); });
    QJsonArray items;
    const auto total = static_cast<std::int64_t>(bans.size());
    for (std::int64_t i = p.page.offset; i < total && i < p.page.offset + p.page.limit; ++i)
        items.append(banDto(bans[std::size_t(i)], now).toJson());
    return pagedReply(QStringLiteral("bans"), items, total, p.page);
}

ApiReply AdminServer::getBan(const QString &ip)
{
    const auto range = proto::IpRange::parse(ip);
    if (!range)
        return badRange(400, QStringLiteral("the address"), ip);
    const std::int64_t now = m_access.now();
    // The ban in force on exactly this address or range; for an address, else the ban in
    // force covering it; else an expired one on exactly it (until cleanup).
    auto ban = m_access.bans().find(*range);
    if ((!ban || !ban->activeAt(now)) && range->isHost())
        if (auto covering = m_access.bans().match(range->network, now))
            ban = covering;
    if (!ban)
        return apiError(404, "not_found", QStringLiteral("no ban on or covering ") + ip);
    return {200, banDto(*ban, now).toJson()};
}

ApiReply AdminServer::createBan(const QHttpServerRequest &r)
{
    auto parsed =
        jsonBody(r, {QStringLiteral("ip"), QStringLiteral("reason"), QStringLiteral("duration")});
    if (auto *e = std::get_if<ApiReply>(&parsed))
        return *e;
    const QJsonObject o = std::get<QJsonObject>(parsed);
    const QJsonValue ipValue = o.value(QStringLiteral("ip"));
    if (ipValue.isUndefined())
        return apiError(422, "missing_field", QStringLiteral("ip is required"));
    const auto range = proto::IpRange::parse(ipValue.toString());
    if (!ipValue.isString() || !range)
        return badRange(422, QStringLiteral("ip"), ipValue.toString());
    std::optional<QString> reason;
    if (auto e = readReason(o, reason))
        return *e;
    std::int64_t expiresAt = 0;
    if (o.contains(QStringLiteral("duration"))) {
        const auto seconds = durationValue(o.value(QStringLiteral("duration")));
        if (!seconds)
            return badDuration();
        expiresAt = m_access.now() + *seconds;
    }
    const auto ban = m_access.addBan(*range, reason.value_or(QString()), expiresAt);
    if (!ban.ok())
        return dbError(ban.status, QStringLiteral("a ban on ") + range->toString(), ban.message);
    return {201, banDto(ban.value, m_access.now()).toJson()};
}

ApiReply AdminServer::updateBan(const QHttpServerRequest &r, const QString &ip)
{
    auto parsed = jsonBody(r, {QStringLiteral("reason"), QStringLiteral("duration")});
    if (auto *e = std::get_if<ApiReply>(&parsed))
        return *e;
    const QJsonObject o = std::get<QJsonObject>(parsed);
    const auto range = proto::IpRange::parse(ip);
    if (!range)
        return badRange(400, QStringLiteral("the address"), ip);
    if (o.isEmpty())
        return apiError(422, "missing_field",
                        QStringLiteral("give \"reason\", \"duration\" (seconds from now, or null "
                                       "for a permanent ban) or both"));
    std::optional<QString> reason;
    if (auto e = readReason(o, reason))
        return *e;
    std::optional<std::int64_t> expiresAt;
    if (o.contains(QStringLiteral("duration"))) {
        const QJsonValue v = o.value(QStringLiteral("duration"));
        if (v.isNull()) {
            expiresAt = 0;
        } else {
            const auto seconds = durationValue(v);
            if (!seconds)
                return badDuration();
            expiresAt = m_access.now() + *seconds;
        }
    }
    const auto ban = m_access.updateBan(*range, reason, expiresAt);
    if (!ban.ok())
        return dbError(ban.status, QStringLiteral("a ban on ") + range->toString(), ban.message);
    return {200, banDto(ban.value, m_access.now()).toJson()};
}

ApiReply AdminServer::deleteBan(const QString &ip)
{
    const auto range = proto::IpRange::parse(ip);
    if (!range)
        return badRange(400, QStringLiteral("the address"), ip);
    const DbStatus s = m_access.removeBan(*range);
    if (s != DbStatus::Ok)
        return dbError(s, QStringLiteral("a ban on ") + range->toString());
    return {200, QJsonObject{{QStringLiteral("ip"), range->toString()},
                             {QStringLiteral("deleted"), true}}};
}

ApiReply AdminServer::cleanupBans()
{
    const auto removed = m_access.removeExpiredBans();
    if (!removed.ok())
        return dbError(removed.status, {}, removed.message);
    return {200, QJsonObject{{QStringLiteral("removed"), qint64(removed.value)}}};
}

// ---- client whitelist ----

namespace {
api::AllowedClientDto clientDto(const core::AllowedClient &c)
{
    return {QString::fromLatin1(c.prefix), c.name, c.createdAt};
}

// The prefix as peer_id bytes, if it is a valid one (ASCII only: no character may fold).
std::optional<QByteArray> prefixBytes(const QString &text)
{
    for (const QChar ch : text)
        if (ch.unicode() > 0x7E)
            return std::nullopt;
    const QByteArray bytes = text.toLatin1();
    return core::AllowedClient::validPrefix(bytes) ? std::optional(bytes) : std::nullopt;
}

ApiReply badPrefix(int status)
{
    return apiError(status, status == 400 ? "invalid_parameter" : "invalid_value",
                    QStringLiteral("prefix must be 1 to %1 printable ASCII characters without "
                                   "spaces, e.g. -TR or -qB")
                        .arg(core::AllowedClient::kMaxPrefix));
}
} // namespace

ApiReply AdminServer::listWhitelist()
{
    const std::vector<core::AllowedClient> clients = m_access.clients().all();
    QJsonArray items;
    for (const core::AllowedClient &c : clients)
        items.append(clientDto(c).toJson());
    const bool enforced = m_service.settings().enforceClientWhitelist && !clients.empty();
    return {200, QJsonObject{{QStringLiteral("clients"), items},
                             {QStringLiteral("total"), qint64(clients.size())},
                             {QStringLiteral("enforced"), enforced}}};
}

ApiReply AdminServer::addAllowedClient(const QHttpServerRequest &r)
{
    auto parsed = jsonBody(r, {QStringLiteral("prefix"), QStringLiteral("name")});
    if (auto *e = std::get_if<ApiReply>(&parsed))
        return *e;
    const QJsonObject o = std::get<QJsonObject>(parsed);
    const QJsonValue prefixValue = o.value(QStringLiteral("prefix"));
    if (prefixValue.isUndefined())
        return apiError(422, "missing_field", QStringLiteral("prefix is required"));
    const QString prefixText = prefixValue.toString();
    const auto prefix = prefixBytes(prefixText);
    if (!prefixValue.isString() || !prefix)
        return badPrefix(422);
    const QJsonValue nameValue = o.value(QStringLiteral("name"));
    if (!nameValue.isUndefined() && (!nameValue.isString() || nameValue.toString().size() > 255))
        return apiError(422, "invalid_value",
                        QStringLiteral("name must be a string of at most 255 characters"));
    const auto added = m_access.allowClient(*prefix, nameValue.toString());
    if (!added.ok())
        return dbError(added.status, QStringLiteral("the prefix ") + prefixText, added.message);
    return {201, clientDto(added.value).toJson()};
}

ApiReply AdminServer::removeAllowedClient(const QString &prefixText)
{
    const auto prefix = prefixBytes(prefixText);
    if (!prefix)
        return badPrefix(400);
    const DbStatus s = m_access.removeClient(*prefix);
    if (s != DbStatus::Ok)
        return dbError(s, QStringLiteral("the prefix ") + prefixText);
    return {200,
            QJsonObject{{QStringLiteral("prefix"), prefixText}, {QStringLiteral("deleted"), true}}};
}

// ---- snatches and hit-and-run ----

namespace {
std::optional<std::int64_t> parseRowId(const QString &s)
{
    bool ok = false;
    const qlonglong v = s.toLongLong(&ok);
    if (!ok || v < 1 || s.startsWith(QLatin1Char('+')))
        return std::nullopt;
    return v;
}

ApiReply badSnatchId()
{
    return apiError(400, "invalid_parameter",
                    QStringLiteral("snatch id must be a positive integer"));
}

ApiReply badUserId()
{
    return apiError(400, "invalid_parameter", QStringLiteral("user id must be a positive integer"));
}
} // namespace

api::SnatchDto AdminServer::snatchDto(const core::SnatchRecord &s) const
{
    api::SnatchDto d;
    d.id = s.id;
    d.userId = s.user;
    d.torrentId = s.torrent;
    d.infoHash = s.infoHash;
    d.completedAt = s.completedAt;
    d.seedtime = s.seedtime;
    d.lastSeen = s.lastSeen;
    d.uploaded = s.uploaded;
    d.downloaded = s.downloaded;
    d.rawUploaded = s.rawUploaded;
    d.rawDownloaded = s.rawDownloaded;
    d.hnr = s.hnr;
    d.hnrExempt = s.hnrExempt;
    d.seeding = m_peers.isSeeding(s.infoHash, s.user);
    return d;
}

ApiReply AdminServer::listSnatches(const QHttpServerRequest &r, core::SnatchFilter filter)
{
    const Paging p = paging(r, m_settings);
    if (p.error)
        return *p.error;
    const QUrlQuery q = r.query();
    const auto hnr = q.queryItemValue(QStringLiteral("hnr"));
    if (q.hasQueryItem(QStringLiteral("hnr")) && hnr != QLatin1String("true") &&
        hnr != QLatin1String("false"))
        return apiError(400, "invalid_parameter", QStringLiteral("hnr must be true or false"));
    filter.hnrOnly = filter.hnrOnly || hnr == QLatin1String("true");
    using S = core::SnatchSort;
    const auto sort = sortParameter<S>(r, {{"id", S::Id},
                                           {"completed_at", S::Completed},
                                           {"last_seen", S::LastSeen},
                                           {"seedtime", S::Seedtime},
                                           {"uploaded", S::Uploaded},
                                           {"downloaded", S::Downloaded}});
    if (const auto *e = std::get_if<ApiReply>(&sort))
        return *e;
    std::tie(filter.sort, filter.descending) = std::get<std::pair<S, bool>>(sort);
    const auto snatches = m_db.snatches(filter, p.page);
    const auto total = m_db.snatchCount(filter);
    if (!snatches.ok() || !total.ok())
        return dbError(DbStatus::Error, {}, snatches.message + total.message);
    QJsonArray items;
    for (const auto &s : snatches.value)
        items.append(snatchDto(s).toJson());
    return pagedReply(QStringLiteral("snatches"), items, total.value, p.page);
}

ApiReply AdminServer::listUserSnatches(const QHttpServerRequest &r, const QString &id)
{
    const auto uid = parseId(id);
    if (!uid)
        return badUserId();
    const auto u = m_db.user(*uid);
    if (!u.ok())
        return dbError(u.status, QStringLiteral("user"), u.message);
    core::SnatchFilter f;
    f.user = *uid;
    return listSnatches(r, f);
}

ApiReply AdminServer::listTorrentSnatches(const QHttpServerRequest &r, const QString &idOrHash)
{
    const auto found = lookupTorrent(idOrHash);
    if (const auto *e = std::get_if<ApiReply>(&found))
        return *e;
    core::SnatchFilter f;
    f.torrent = std::get<core::TorrentRecord>(found).id;
    return listSnatches(r, f);
}

ApiReply AdminServer::getSnatch(const QString &id)
{
    const auto sid = parseRowId(id);
    if (!sid)
        return badSnatchId();
    const auto s = m_db.snatch(*sid);
    if (!s.ok())
        return dbError(s.status, QStringLiteral("snatch"), s.message);
    return {200, snatchDto(s.value).toJson()};
}

ApiReply AdminServer::updateSnatch(const QHttpServerRequest &r, const QString &id)
{
    auto parsed = jsonBody(r, {QStringLiteral("seedtime"), QStringLiteral("hnr")});
    if (auto *e = std::get_if<ApiReply>(&parsed))
        return *e;
    const QJsonObject o = std::get<QJsonObject>(parsed);
    const auto sid = parseRowId(id);
    if (!sid)
        return badSnatchId();
    if (o.isEmpty())
        return apiError(
            422, "missing_field",
            QStringLiteral("give \"seedtime\" (seconds), \"hnr\" (true/false) or both"));
    std::optional<std::uint64_t> seedtime;
    if (o.contains(QStringLiteral("seedtime"))) {
        seedtime = countValue(o.value(QStringLiteral("seedtime")));
        if (!seedtime)
            return apiError(422, "invalid_value",
                            QStringLiteral("seedtime must be a whole number of seconds"));
    }
    std::optional<bool> hnr;
    if (o.contains(QStringLiteral("hnr"))) {
        if (!o.value(QStringLiteral("hnr")).isBool())
            return apiError(422, "invalid_value", QStringLiteral("hnr must be true or false"));
        hnr = o.value(QStringLiteral("hnr")).toBool();
    }
    // Under the stats writer's lock: a pending seeding delta lands before or on top of it.
    return m_stats.exclusive([&] { return applySnatch(*sid, seedtime, hnr); });
}

ApiReply AdminServer::applySnatch(std::int64_t id, std::optional<std::uint64_t> seedtime,
                                  std::optional<bool> hnr)
{
    // updateSnatch re-reads the row: NotFound when the id names none.
    const auto s = m_db.updateSnatch(id, seedtime, hnr);
    if (!s.ok())
        return dbError(s.status, QStringLiteral("snatch"), s.message);
    return {200, snatchDto(s.value).toJson()};
}

ApiReply AdminServer::clearSnatchHnr(const QString &id)
{
    const auto sid = parseRowId(id);
    if (!sid)
        return badSnatchId();
    return applySnatch(*sid, std::nullopt, false);
}

ApiReply AdminServer::deleteSnatch(const QString &id)
{
    const auto sid = parseRowId(id);
    if (!sid)
        return badSnatchId();
    const DbStatus s = m_db.deleteSnatch(*sid);
    if (s != DbStatus::Ok)
        return dbError(s, QStringLiteral("snatch"));
    return deletedReply(*sid);
}

ApiReply AdminServer::checkHitAndRuns()
{
    const auto report = m_hnr.check();
    if (!report.ok())
        return dbError(report.status, {}, report.message);
    QJsonArray disabled;
    for (const core::UserId u : report.value.leechDisabled)
        disabled.append(qint64(u));
    const core::HitAndRunSettings &s = m_hnr.settings();
    return {200, QJsonObject{{QStringLiteral("enabled"), s.minSeedtime > 0},
                             {QStringLiteral("candidates"), qint64(report.value.candidates)},
                             {QStringLiteral("spared_seeding"), qint64(report.value.seeding)},
                             {QStringLiteral("flagged"), qint64(report.value.flagged)},
                             {QStringLiteral("leech_disabled"), disabled},
                             {QStringLiteral("min_seedtime"), qint64(s.minSeedtime)},
                             {QStringLiteral("grace_period"), qint64(s.gracePeriod)},
                             {QStringLiteral("max_warnings"), qint64(s.maxWarnings)}}};
}

ApiReply AdminServer::clearWarnings(const QString &id)
{
    const auto uid = parseId(id);
    if (!uid)
        return badUserId();
    const auto u = m_hnr.clearWarnings(*uid);
    if (!u.ok())
        return dbError(u.status, QStringLiteral("user"), u.message);
    return {200, toDto(u.value).toJson()};
}

// ---- bonus points ----

namespace {

// Thousandths of this still fit a double exactly (< 2^53) and an int64 many times over.
constexpr double kMaxPoints = 1e12;

// A positive number of points with at most three decimals, as thousandths.
std::optional<std::int64_t> pointsValue(const QJsonValue &v)
{
    if (!v.isDouble())
        return std::nullopt;
    const double p = v.toDouble();
    if (!std::isfinite(p) || p <= 0 || p > kMaxPoints)
        return std::nullopt;
    const double millis = p * 1000.0;
    if (std::fabs(millis - std::round(millis)) > 1e-6 * std::max(1.0, millis))
        return std::nullopt;
    return api::millipointsOf(p);
}

QJsonObject pointsJson(const core::UserRecord &u)
{
    return QJsonObject{{QStringLiteral("user_id"), qint64(u.id)},
                       {QStringLiteral("points"), api::pointsOf(u.bonusMillipoints)}};
}

ApiReply badPoints(const QJsonValue &v)
{
    if (v.isUndefined())
        return apiError(422, "missing_field", QStringLiteral("give \"points\": a number > 0"));
    return apiError(422, "invalid_value",
                    QStringLiteral("points must be a number above 0 and at most 1e12, with at "
                                   "most three decimals"));
}

ApiReply insufficientPoints()
{
    return apiError(409, "insufficient_points",
                    QStringLiteral("the user has fewer points than that"));
}

struct PointsRequest
{
    core::UserId user = 0;
    std::int64_t millis = 0;
};

// The user and the points (as thousandths) of a `{"points": n}` request, or its error reply.
std::variant<PointsRequest, ApiReply> readPointsRequest(const QHttpServerRequest &r,
                                                        const QString &id)
{
    auto parsed = jsonBody(r, {QStringLiteral("points")});
    if (auto *e = std::get_if<ApiReply>(&parsed))
        return *e;
    const QJsonValue v = std::get<QJsonObject>(parsed).value(QStringLiteral("points"));
    const auto uid = parseId(id);
    if (!uid)
        return badUserId();
    const auto millis = pointsValue(v);
    if (!millis)
        return badPoints(v);
    return PointsRequest{*uid, *millis};
}

} // namespace

ApiReply AdminServer::bonusStats()
{
    const core::BonusSettings &s = m_bonus.settings();
    const core::BonusAward &last = m_bonus.lastAward();
    return {200,
            QJsonObject{{QStringLiteral("enabled"), s.pointsPerHour > 0},
                        {QStringLiteral("points_per_hour"), s.pointsPerHour},
                        {QStringLiteral("interval"), qint64(s.interval)},
                        {QStringLiteral("bytes_per_point"), qint64(s.bytesPerPoint)},
                        {QStringLiteral("awards"), qint64(m_bonus.awards())},
                        {QStringLiteral("last_award_at"),
                         m_bonus.awards() ? QJsonValue(api::isoTime(m_bonus.lastAwardAt()))
                                          : QJsonValue(QJsonValue::Null)},
                        // the next award pays the time since this moment
                        {QStringLiteral("counting_since"), api::isoTime(m_bonus.lastAwardAt())},
                        {QStringLiteral("last_award"),
                         QJsonObject{{QStringLiteral("users"), qint64(last.users)},
                                     {QStringLiteral("torrents"), qint64(last.torrents)},
                                     {QStringLiteral("points"), api::pointsOf(last.millipoints)},
                                     {QStringLiteral("elapsed"), qint64(last.elapsed)}}}}};
}

ApiReply AdminServer::bonusCalculate()
{
    const auto r = m_bonus.award();
    if (!r.ok())
        return dbError(r.status, {}, r.message);
    return {200, QJsonObject{{QStringLiteral("users"), qint64(r.value.users)},
                             {QStringLiteral("torrents"), qint64(r.value.torrents)},
                             {QStringLiteral("points"), api::pointsOf(r.value.millipoints)},
                             {QStringLiteral("elapsed"), qint64(r.value.elapsed)}}};
}

ApiReply AdminServer::getPoints(const QString &id)
{
    const auto uid = parseId(id);
    if (!uid)
        return badUserId();
    const auto u = m_db.user(*uid);
    if (!u.ok())
        return dbError(u.status, QStringLiteral("user"), u.message);
    return {200, pointsJson(u.value)};
}

ApiReply AdminServer::changePoints(const QHttpServerRequest &r, const QString &id, bool add)
{
    const auto req = readPointsRequest(r, id);
    if (const auto *e = std::get_if<ApiReply>(&req))
        return *e;
    const auto [uid, millis] = std::get<PointsRequest>(req);
    const auto u = m_bonus.addPoints(uid, add ? millis : -millis);
    if (u.status == DbStatus::Conflict)
        return insufficientPoints();
    if (!u.ok())
        return dbError(u.status, QStringLiteral("user"), u.message);
    return {200, pointsJson(u.value)};
}

ApiReply AdminServer::redeemPoints(const QHttpServerRequest &r, const QString &id)
{
    const auto req = readPointsRequest(r, id);
    if (const auto *e = std::get_if<ApiReply>(&req))
        return *e;
    const auto [uid, millis] = std::get<PointsRequest>(req);
    // Under the stats writer's lock: the credit lands once, before or on top of pending deltas.
    return m_stats.exclusive([&]() -> ApiReply {
        const auto u = m_bonus.redeem(uid, millis);
        if (u.status == DbStatus::Conflict)
            return insufficientPoints();
        if (!u.ok())
            return dbError(u.status, QStringLiteral("user"), u.message);
        QJsonObject o = pointsJson(u.value);
        o.insert(QStringLiteral("redeemed"), api::pointsOf(millis));
        o.insert(QStringLiteral("credited_bytes"), qint64(m_bonus.bytesFor(millis)));
        o.insert(QStringLiteral("uploaded"),
                 toDto(u.value).toJson().value(QStringLiteral("uploaded")));
        return {200, o};
    });
}

// ---- peers and connectability ----

ApiReply AdminServer::listPeers(const QHttpServerRequest &r, const QString &idOrHash)
{
    const Paging p = paging(r, m_settings);
    if (p.error)
        return *p.error;
    const auto found = lookupTorrent(idOrHash);
    if (const auto *e = std::get_if<ApiReply>(&found))
        return *e;
    const std::vector<core::PeerInfo> peers =
        m_peers.peers(std::get<core::TorrentRecord>(found).infoHash);
    QJsonArray items;
    const auto total = static_cast<std::int64_t>(peers.size());
    for (std::int64_t i = p.page.offset; i < total && i < p.page.offset + p.page.limit; ++i) {
        const core::PeerInfo &pi = peers[std::size_t(i)];
        api::PeerDto d;
        d.userId = pi.userId;
        d.peerId = pi.peerId.toHexString();
        d.client = api::clientOf(pi.peerId);
        d.ip = pi.endpoint.ip().toString();
        d.port = pi.endpoint.port();
        d.uploaded = pi.uploaded;
        d.downloaded = pi.downloaded;
        d.left = pi.left;
        d.seeder = pi.seeder;
        if (pi.reachability != core::Reachability::Unknown)
            d.connectable = pi.reachability == core::Reachability::Connectable;
        d.lastAnnounce = pi.lastAnnounce;
        items.append(d.toJson());
    }
    return pagedReply(QStringLiteral("peers"), items, total, p.page);
}

ApiReply AdminServer::verificationStats()
{
    const core::ReachabilityStats st = m_reach.stats();
    const core::VerificationSettings &s = m_reach.settings();
    return {200, QJsonObject{
                     {QStringLiteral("enabled"), s.enabled},
                     {QStringLiteral("connect_timeout_ms"), s.connectTimeoutMs},
                     {QStringLiteral("cache_ttl"), qint64(s.cacheTtl)},
                     {QStringLiteral("max_concurrent"), s.maxConcurrent},
                     {QStringLiteral("cache"),
                      QJsonObject{{QStringLiteral("entries"), qint64(st.cached)},
                                  {QStringLiteral("connectable"), qint64(st.connectable)},
                                  {QStringLiteral("unreachable"), qint64(st.unreachable)},
                                  {QStringLiteral("max"), qint64(s.maxCached)},
                                  {QStringLiteral("max_per_address"), qint64(s.maxPerAddress)},
                                  {QStringLiteral("hits"), qint64(st.hits)},
                                  {QStringLiteral("misses"), qint64(st.misses)}}},
                     {QStringLiteral("probes"),
                      QJsonObject{{QStringLiteral("queued"), qint64(st.queued)},
                                  {QStringLiteral("in_flight"), qint64(st.inFlight())},
                                  {QStringLiteral("max_queue"), qint64(s.maxQueue)},
                                  {QStringLiteral("requested"), qint64(st.requested)},
                                  {QStringLiteral("dropped"), qint64(st.dropped)},
                                  {QStringLiteral("connectable"), qint64(st.answeredConnectable)},
                                  {QStringLiteral("unreachable"), qint64(st.answeredUnreachable)},
                                  {QStringLiteral("timed_out"), qint64(st.timedOut)},
                                  {QStringLiteral("failed"), qint64(st.failed)}}},
                 }};
}

ApiReply AdminServer::clearVerificationCache()
{
    return {200, QJsonObject{{QStringLiteral("cleared"), qint64(m_reach.clear())}}};
}

// ---- rate limits ----

ApiReply AdminServer::rateLimitStats()
{
    const core::RateLimiter::Stats st = m_limiter.stats();
    const core::RateLimitSettings &s = m_limiter.settings();
    QJsonObject limits;
    for (int k = 0; k < core::kRateKinds; ++k) {
        const core::Bucket &b = s.buckets[std::size_t(k)];
        limits.insert(QLatin1String(core::rateKindName(core::RateKind(k))),
                      QJsonObject{{QStringLiteral("rate"), b.rate},
                                  {QStringLiteral("burst"), b.burst},
                                  {QStringLiteral("limited"), qint64(st.limited[std::size_t(k)])}});
    }
    QJsonArray exempt;
    for (const proto::IpRange &r : m_limiter.exemptRanges())
        exempt.append(r.toString());
    return {200, QJsonObject{{QStringLiteral("enabled"), s.enabled},
                             {QStringLiteral("tracked"), qint64(st.tracked)},
                             {QStringLiteral("max_tracked"), qint64(s.maxTracked)},
                             {QStringLiteral("untracked"), qint64(st.untracked)},
                             {QStringLiteral("exempt"), exempt},
                             {QStringLiteral("limits"), limits}}};
}

namespace {
std::optional<proto::IpAddress> plainAddress(const QString &text)
{
    const auto r = proto::IpRange::parse(text);
    if (!r || !r->isHost())
        return std::nullopt;
    return r->network;
}

ApiReply badAddress()
{
    return apiError(400, "invalid_parameter",
                    QStringLiteral("expected one IPv4 or IPv6 address, e.g. 203.0.113.7"));
}
} // namespace

ApiReply AdminServer::rateLimitState(const QString &ip)
{
    const auto address = plainAddress(ip);
    if (!address)
        return badAddress();
    const auto state = m_limiter.state(*address);
    QJsonObject tokens;
    for (int k = 0; k < core::kRateKinds; ++k)
        tokens.insert(QLatin1String(core::rateKindName(core::RateKind(k))),
                      state ? state->tokens[std::size_t(k)]
                            : m_limiter.settings().buckets[std::size_t(k)].burst);
    return {200, QJsonObject{{QStringLiteral("ip"), address->toString()},
                             {QStringLiteral("exempt"), m_limiter.exempt(*address)},
                             {QStringLiteral("tracked"), state.has_value()},
                             {QStringLiteral("tokens"), tokens}}};
}

ApiReply AdminServer::rateLimitReset(const QString &ip)
{
    const auto address = plainAddress(ip);
    if (!address)
        return badAddress();
    if (!m_limiter.reset(*address))
        return apiError(404, "not_found",
                        QStringLiteral("no rate-limit state for ") + address->toString());
    return {200, QJsonObject{{QStringLiteral("ip"), address->toString()},
                             {QStringLiteral("reset"), true}}};
}

// ---- cheat flags ----

ApiReply AdminServer::listCheats(const QHttpServerRequest &r)
{
    const Paging p = paging(r, m_settings);
    if (p.error)
        return *p.error;
    const QUrlQuery q = r.query();
    core::UserId user = 0;
    core::TorrentId torrent = 0;
    if (q.hasQueryItem(QStringLiteral("user"))) {
        const auto id = parseId(q.queryItemValue(QStringLiteral("user")));
        if (!id)
            return badUserId();
        user = *id;
    }
    if (q.hasQueryItem(QStringLiteral("torrent"))) {
        const auto found = lookupTorrent(q.queryItemValue(QStringLiteral("torrent")));
        if (const auto *e = std::get_if<ApiReply>(&found))
            return *e;
        torrent = std::get<core::TorrentRecord>(found).id;
    }
    const auto flags = m_db.cheatFlags(user, torrent, p.page);
    const auto total = m_db.cheatFlagCount(user, torrent);
    if (!flags.ok() || !total.ok())
        return dbError(DbStatus::Error, {}, flags.message + total.message);
    QJsonArray items;
    for (const core::CheatFlag &f : flags.value)
        items.append(api::CheatFlagDto{
            f.id, f.user, f.torrent, QString::fromLatin1(core::cheatKindName(f.kind)),
            f.peerId.toHexString(), f.ip.toString(), f.uploaded, f.seconds, f.leechers, f.at}
                         .toJson());
    return pagedReply(QStringLiteral("cheats"), items, total.value, p.page);
}

ApiReply AdminServer::deleteCheat(const QString &id)
{
    const auto cid = parseRowId(id);
    if (!cid)
        return apiError(400, "invalid_parameter",
                        QStringLiteral("cheat flag id must be a positive integer"));
    const DbStatus s = m_db.deleteCheatFlag(*cid);
    if (s != DbStatus::Ok)
        return dbError(s, QStringLiteral("cheat flag"));
    return deletedReply(*cid);
}

// ---- tokens and the audit log ----

namespace {
api::TokenDto tokenDto(const core::AdminTokenRecord &t, const QString &secret = {})
{
    return api::TokenDto{t.id, t.name, t.role, t.createdAt, secret};
}

// A request body for the audit log: compact JSON with credentials replaced, bounded.
QString auditSummary(const QByteArray &body, int maxChars)
{
    if (body.trimmed().isEmpty())
        return {};
    QJsonParseError pe{};
    const QJsonDocument doc = QJsonDocument::fromJson(body, &pe);
    QString out;
    if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
        out = QStringLiteral("(not a JSON object: %1 bytes)").arg(body.size());
    } else {
        QJsonObject o = doc.object();
        for (const char *secret : {"passkey", "token", "secret"})
            if (o.contains(QLatin1String(secret)))
                o.insert(QLatin1String(secret), QStringLiteral("***"));
        out = QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
    }
    if (out.size() > maxChars)
        out = out.left(maxChars - 1) + QChar(0x2026);
    return out;
}

// ?since= and ?until=: ISO 8601 moments; 0 when absent or empty, nothing when malformed.
std::optional<std::int64_t> timeParameter(const QUrlQuery &q, const QString &key)
{
    const QString text = q.queryItemValue(key, QUrl::FullyDecoded);
    if (text.isEmpty())
        return 0;
    QDateTime t = QDateTime::fromString(text, Qt::ISODate);
    if (!t.isValid())
        return std::nullopt;
    if (t.timeSpec() == Qt::LocalTime)
        t.setTimeSpec(Qt::UTC); // no offset given: UTC, as every time the API shows
    return t.toSecsSinceEpoch();
}
} // namespace

namespace {
// Routes take GET, POST, PUT and DELETE, and GET is never recorded or published.
QString changeMethod(const QHttpServerRequest &r)
{
    using M = QHttpServerRequest::Method;
    return r.method() == M::Post  ? QStringLiteral("POST")
           : r.method() == M::Put ? QStringLiteral("PUT")
                                  : QStringLiteral("DELETE");
}

// What a call changed or created: the id in a successful reply (a torrent named by its
// info_hash is logged by its id), else what the path named, else the reply's address or prefix.
QString changeTarget(const QStringList &params, const ApiReply &reply)
{
    QString target;
    if (reply.status < 300 && reply.body.value(QStringLiteral("id")).isDouble())
        target = QString::number(reply.body.value(QStringLiteral("id")).toInteger());
    else
        target = params.join(QLatin1Char('/'));
    if (target.isEmpty() && reply.status < 300) {
        for (const char *key : {"ip", "prefix"}) {
            target = reply.body.value(QLatin1String(key)).toString();
            if (!target.isEmpty())
                break;
        }
    }
    return target;
}
} // namespace

void AdminServer::setEventHub(EventHub *hub)
{
    m_hub = hub;
    if (hub)
        hub->attach(m_server);
}

void AdminServer::publishChange(const QHttpServerRequest &r, const TokenIdentity &who,
                                const QStringList &segments, const QStringList &params,
                                const ApiReply &reply)
{
    // /admin/<collection>/...: the live feed's event type for each collection it reports.
    static const QHash<QString, QString> types{
        {QStringLiteral("users"), QStringLiteral("user")},
        {QStringLiteral("torrents"), QStringLiteral("torrent")},
        {QStringLiteral("bans"), QStringLiteral("ban")},
        {QStringLiteral("whitelist"), QStringLiteral("whitelist")},
        {QStringLiteral("snatches"), QStringLiteral("snatch")},
        {QStringLiteral("hnr"), QStringLiteral("hnr")}};
    const QString type = segments.size() > 1 ? types.value(segments[1]) : QString();
    if (type.isEmpty())
        return;
    m_hub->publish(type, QJsonObject{{QStringLiteral("method"), changeMethod(r)},
                                     {QStringLiteral("path"), r.url().path()},
                                     {QStringLiteral("target"), changeTarget(params, reply)},
                                     {QStringLiteral("by"), who.name},
                                     {QStringLiteral("data"), reply.body}});
}

void AdminServer::recordAudit(const QHttpServerRequest &r, const TokenIdentity &who,
                              const QStringList &params, const ApiReply &reply)
{
    core::AuditEntry e;
    e.at = QDateTime::currentSecsSinceEpoch();
    e.token = who.name;
    e.role = roleName(who.role);
    e.ip = r.remoteAddress().toString();
    e.method = changeMethod(r);
    e.path = r.url().path();
    e.target = changeTarget(params, reply);
    e.status = reply.status;
    e.summary = auditSummary(r.body(), m_settings.maxSummaryChars);
    if (m_db.insertAudit(e) != DbStatus::Ok)
        qWarning("admin: cannot write the audit entry for %s %s by %s", qPrintable(e.method),
                 qPrintable(e.path), qPrintable(e.token));
}

ApiReply AdminServer::listTokens()
{
    const auto tokens = m_tokens.list();
    if (!tokens.ok())
        return dbError(tokens.status, QStringLiteral("tokens"), tokens.message);
    QJsonArray items;
    for (const auto &t : tokens.value)
        items.append(tokenDto(t).toJson());
    return {200, QJsonObject{{QStringLiteral("tokens"), items}}};
}

ApiReply AdminServer::createToken(const QHttpServerRequest &r)
{
    auto parsed = jsonBody(r, {QStringLiteral("name"), QStringLiteral("role")});
    if (auto *e = std::get_if<ApiReply>(&parsed))
        return *e;
    const QJsonObject o = std::get<QJsonObject>(parsed);
    for (const char *field : {"name", "role"})
        if (!o.contains(QLatin1String(field)))
            return apiError(422, "missing_field",
                            QStringLiteral("%1 is required").arg(QLatin1String(field)));
    const QString name = o.value(QStringLiteral("name")).toString();
    if (!o.value(QStringLiteral("name")).isString() || !TokenStore::validName(name))
        return apiError(422, "invalid_field",
                        QStringLiteral("name must be 1 to 64 characters from [A-Za-z0-9._-], not "
                                       "all digits, not \"env\""));
    const auto role = roleFromName(o.value(QStringLiteral("role")).toString());
    if (!o.value(QStringLiteral("role")).isString() || !role)
        return apiError(422, "invalid_field",
                        QStringLiteral("role must be \"admin\", \"moderator\" or \"readonly\""));
    const auto made = m_tokens.create(name, *role, QDateTime::currentSecsSinceEpoch());
    if (!made.ok())
        return dbError(made.status, QStringLiteral("a token named ") + name, made.message);
    return {201, tokenDto(made.value.record, made.value.secret).toJson()};
}

ApiReply AdminServer::revokeToken(const QString &id)
{
    const auto tid = parseRowId(id);
    if (!tid)
        return apiError(400, "invalid_parameter",
                        QStringLiteral("token id must be a positive integer"));
    const auto revoked = m_tokens.revoke(QString::number(*tid));
    if (revoked.status == DbStatus::Conflict)
        return apiError(409, "conflict", revoked.message);
    if (!revoked.ok())
        return dbError(revoked.status, QStringLiteral("token"), revoked.message);
    return deletedReply(revoked.value.id);
}

ApiReply AdminServer::listAudit(const QHttpServerRequest &r)
{
    const Paging p = paging(r, m_settings);
    if (p.error)
        return *p.error;
    const QUrlQuery q = r.query();
    core::AuditFilter filter;
    filter.token = q.queryItemValue(QStringLiteral("token"), QUrl::FullyDecoded);
    filter.target = q.queryItemValue(QStringLiteral("target"), QUrl::FullyDecoded);
    const auto since = timeParameter(q, QStringLiteral("since"));
    const auto until = timeParameter(q, QStringLiteral("until"));
    if (!since || !until)
        return apiError(400, "invalid_parameter",
                        QStringLiteral("since and until must be ISO 8601 times, "
                                       "e.g. 2026-11-24T12:00:00Z"));
    filter.since = *since;
    filter.until = *until;
    const auto entries = m_db.audit(filter, p.page);
    const auto total = m_db.auditCount(filter);
    if (!entries.ok() || !total.ok())
        return dbError(DbStatus::Error, {}, entries.message + total.message);
    QJsonArray items;
    for (const auto &e : entries.value)
        items.append(api::AuditEntryDto{e.id, e.at, e.token, e.role, e.ip, e.method, e.path,
                                        e.target, e.status, e.summary}
                         .toJson());
    return pagedReply(QStringLiteral("entries"), items, total.value, p.page);
}

} // namespace sk::admin
