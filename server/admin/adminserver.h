// AdminServer: the /admin REST API on its own QHttpServer listener (loopback by default).
#pragma once

#include "eventhub.h"
#include "monitor.h"
#include "server/core/accesscontrol.h"
#include "server/core/announceservice.h"
#include "server/core/bonus.h"
#include "server/core/directory.h"
#include "server/core/hitandrun.h"
#include "server/core/statswriter.h"
#include "shared/api/dto.h"
#include "tokenstore.h"

#include <QHostAddress>
#include <QHttpServer>
#include <QJsonObject>

#include <functional>
#include <optional>
#include <variant>
#include <vector>

namespace sk::admin {

struct AdminSettings
{
    int maxBodyBytes = 64 * 1024;
    int defaultPageSize = 100;
    int maxPageSize = 1000;          // bounds one reply; scripts page with offset
    int maxSummaryChars = 1024;      // an audit entry keeps at most this much of a request body
    bool metricsRequireToken = true; // /metrics without a token when false
    QStringList corsOrigins;         // origins answered with CORS headers; "*": any; empty: none
};

// A handler's answer: status and JSON body. Errors use apiError().
struct ApiReply
{
    int status = 200;
    QJsonObject body;
};

ApiReply apiError(int status, const char *code, const QString &message);

// The token a request presents: `Authorization: Bearer <token>`, else `X-Admin-Token`.
QByteArray presentedToken(const QByteArray &authorization, const QByteArray &xAdminToken);

// Removes `passkey` from an object and from the objects of its arrays: readonly tokens never
// see one (a passkey is a user's announce credential).
void hidePasskeys(QJsonObject &body);

class AdminServer
{
public:
    AdminServer(core::Directory &directory, core::Database &db, core::PeerStore &peers,
                core::AnnounceService &service, TokenStore &tokens, core::StatsWriter &stats,
                core::AccessControl &access, core::HitAndRun &hnr, core::Bonus &bonus,
                core::RateLimiter &limiter, core::ReachabilityCache &reach, Monitor &monitor,
                const AdminSettings &settings);

    // Serves the live feed at /ws and publishes each successful change to users, torrents,
    // bans, the whitelist, snatches and hit-and-runs to it.
    void setEventHub(EventHub *hub);

    // HTTPS (and WSS) with this PEM certificate (chain) and key; before listen().
    bool setTls(const QString &certFile, const QString &keyFile, QString *error);

    // Returns the bound port, or 0 with `error` set.
    quint16 listen(const QHostAddress &address, quint16 port, QString *error);

    // The API's contract, the OpenAPI 3 document served at /admin/openapi.json (compiled in
    // from server/admin/openapi.json; docs/admin-api.md is generated from it).
    static const QJsonObject &contract();
    // The routes as OpenAPI names them ("get", "/admin/users/{id}") with the least role:
    // the contract lists exactly these (tst_adminserver).
    struct RouteInfo
    {
        QString method;
        QString path;
        Role minRole;
    };
    std::vector<RouteInfo> routes() const;

private:
    using Handler = std::function<ApiReply(const QHttpServerRequest &, const QStringList &)>;
    struct Route
    {
        QHttpServerRequest::Method method;
        QStringList pattern; // path segments; ":x" captures one segment
        Handler handler;
        Role minRole; // the least role that may call it
    };
    // GET routes are open to every role, the others to moderators, unless `minRole` says.
    void add(QHttpServerRequest::Method method, const char *path, Handler handler,
             std::optional<Role> minRole = std::nullopt);
    void dispatch(const QHttpServerRequest &request, QHttpServerResponder &&responder);
    // Records a mutating call (any method but GET) in the audit log.
    void recordAudit(const QHttpServerRequest &r, const TokenIdentity &who,
                     const QStringList &params, const ApiReply &reply);
    void publishChange(const QHttpServerRequest &r, const TokenIdentity &who,
                       const QStringList &segments, const QStringList &params,
                       const ApiReply &reply);

    ApiReply listTokens();
    ApiReply createToken(const QHttpServerRequest &r);
    ApiReply revokeToken(const QString &idOrName);
    ApiReply listAudit(const QHttpServerRequest &r);

    ApiReply trackerStats();
    ApiReply listSwarms(const QHttpServerRequest &r);
    ApiReply listUsers(const QHttpServerRequest &r, bool search);
    ApiReply userByPasskey(const QString &passkey);
    ApiReply createUser(const QHttpServerRequest &r);
    ApiReply getUser(const QString &id);
    ApiReply deleteUser(const QString &id);
    ApiReply resetUser(const QString &id);
    ApiReply setLeech(const QHttpServerRequest &r, const QString &id);
    ApiReply setUserStats(const QHttpServerRequest &r, const QString &id);
    ApiReply listTorrents(const QHttpServerRequest &r);
    ApiReply createTorrent(const QHttpServerRequest &r);
    // The torrent named by an id or hex info_hash, or the error reply that says why not.
    std::variant<core::TorrentRecord, ApiReply> lookupTorrent(const QString &idOrHash);
    ApiReply applyPolicy(core::TorrentId id, const core::TorrentPolicy &policy);
    ApiReply getTorrent(const QString &idOrHash);
    ApiReply setFreeleech(const QHttpServerRequest &r, const QString &idOrHash, bool on);
    ApiReply setMultipliers(const QHttpServerRequest &r, const QString &idOrHash);
    ApiReply listFreeleech(const QHttpServerRequest &r);
    ApiReply deleteTorrent(const QString &idOrHash);
    ApiReply setTorrentStats(const QHttpServerRequest &r, const QString &idOrHash);
    api::SnatchDto snatchDto(const core::SnatchRecord &s) const;
    ApiReply listSnatches(const QHttpServerRequest &r, core::SnatchFilter filter);
    ApiReply listUserSnatches(const QHttpServerRequest &r, const QString &id);
    ApiReply listTorrentSnatches(const QHttpServerRequest &r, const QString &idOrHash);
    ApiReply getSnatch(const QString &id);
    ApiReply updateSnatch(const QHttpServerRequest &r, const QString &id);
    ApiReply applySnatch(std::int64_t id, std::optional<std::uint64_t> seedtime,
                         std::optional<bool> hnr);
    ApiReply clearSnatchHnr(const QString &id);
    ApiReply deleteSnatch(const QString &id);
    ApiReply checkHitAndRuns();
    ApiReply clearWarnings(const QString &id);
    ApiReply listCheats(const QHttpServerRequest &r);
    ApiReply deleteCheat(const QString &id);
    ApiReply rateLimitStats();
    ApiReply rateLimitState(const QString &ip);
    ApiReply rateLimitReset(const QString &ip);
    ApiReply verificationStats();
    ApiReply clearVerificationCache();
    ApiReply listPeers(const QHttpServerRequest &r, const QString &idOrHash);
    ApiReply bonusStats();
    ApiReply bonusCalculate();
    ApiReply getPoints(const QString &id);
    ApiReply changePoints(const QHttpServerRequest &r, const QString &id, bool add);
    ApiReply redeemPoints(const QHttpServerRequest &r, const QString &id);
    ApiReply listBans(const QHttpServerRequest &r, bool activeOnly);
    ApiReply getBan(const QString &ip);
    ApiReply createBan(const QHttpServerRequest &r);
    ApiReply updateBan(const QHttpServerRequest &r, const QString &ip);
    ApiReply deleteBan(const QString &ip);
    ApiReply cleanupBans();
    ApiReply listWhitelist();
    ApiReply addAllowedClient(const QHttpServerRequest &r);
    ApiReply removeAllowedClient(const QString &prefix);

    core::Directory &m_directory;
    core::Database &m_db;
    core::PeerStore &m_peers;
    core::AnnounceService &m_service;
    TokenStore &m_tokens;
    core::StatsWriter &m_stats;
    core::AccessControl &m_access;
    core::HitAndRun &m_hnr;
    core::Bonus &m_bonus;
    core::RateLimiter &m_limiter;
    core::ReachabilityCache &m_reach;
    Monitor &m_monitor;
    EventHub *m_hub = nullptr;
    AdminSettings m_settings;
    Role m_callerRole = Role::Readonly; // the role of the call being dispatched
    QHttpServer m_server;
    std::vector<Route> m_routes;
};

} // namespace sk::admin
