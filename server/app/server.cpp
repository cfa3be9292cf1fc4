#include "server.h"

#include "server/admin/adminserver.h"
#include "server/admin/eventhub.h"
#include "server/admin/monitor.h"
#include "server/admin/tokenstore.h"
#include "server/core/accesscontrol.h"
#include "server/core/announceservice.h"
#include "server/core/bonus.h"
#include "server/core/directory.h"
#include "server/core/hitandrun.h"
#include "server/core/metrics.h"
#include "server/core/periodicjob.h"
#include "server/core/statswriter.h"
#include "server/net/peerprober.h"
#include "server/net/workerpool.h"
#include "server/peers/memorypeerstore.h"
#include "server/storage/sqldatabase.h"
#include "shared/api/dto.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QProcessEnvironment>
#include <QSocketNotifier>
#include <QThread>
#include <QTimer>

#include <csignal>
#include <cstdio>
#include <sys/socket.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace sk::app {

// How soon a token made or revoked with `swarmkeeperd token` takes effect in a running server.
constexpr int kTokenReloadSeconds = 5;
// How often the flusher drains the workers' ledger buffers between two commits.
constexpr std::chrono::milliseconds kAbsorbInterval{250};

struct Server::Parts
{
    core::SystemClock clock;
    core::Registry registry;
    core::BanList bans;
    core::ClientWhitelist clients;
    std::unique_ptr<core::RateLimiter> limiter;
    core::CheatLog cheats;
    std::unique_ptr<storage::SqlDatabase> db;
    std::unique_ptr<peers::MemoryPeerStore> peers;
    std::unique_ptr<core::ReachabilityCache> reach;
    std::unique_ptr<net::PeerProber> prober; // after peers and reach: stopped before them
    core::StatsLedger ledger;
    std::unique_ptr<core::StatsWriter> stats;
    std::unique_ptr<core::AnnounceService> service;
    std::unique_ptr<core::Directory> directory;
    std::unique_ptr<core::AccessControl> access;
    std::unique_ptr<core::HitAndRun> hnr;
    std::unique_ptr<core::Bonus> bonus;
    std::unique_ptr<admin::TokenStore> tokens;
    std::unique_ptr<core::TrackerMetrics> metrics;
    std::unique_ptr<admin::Monitor> monitor;
    std::unique_ptr<admin::EventHub> hub; // before admin: the server's routes point into it
    std::unique_ptr<admin::AdminServer> admin;
    std::unique_ptr<net::ConnectionIds> ids;
    std::unique_ptr<net::WorkerPool> workers;
    QTimer reaper;
    QTimer hnrTimer;
    QTimer bonusTimer;
    QTimer tokenTimer; // reads the tokens again: `swarmkeeperd token` changes take effect
    QTimer auditTimer; // drops audit entries past admin.audit_keep_days
    QTimer sampler;    // the Monitor's sample once a second (rates, the live feed's tick)
    std::size_t maxSwarmChanges = 1000;
    // Commits the stats off the main thread, so that the admin API, /metrics and the live
    // feed's tick never wait for a commit. Declared last: it stops before the parts it uses go.
    std::unique_ptr<core::PeriodicJob> flusher;

    // Once a second: the rates, the live feed's `stats` tick and its coalesced `swarm` changes.
    void tick()
    {
        const api::TrackerStatsDto &s = monitor->sample();
        hub->publish(QStringLiteral("stats"), s.toJson());
        if (!hub->wanted(QStringLiteral("swarm"))) {
            monitor->forgetSwarms();
            return;
        }
        QJsonObject changes = monitor->swarmChanges(maxSwarmChanges);
        if (!changes.isEmpty())
            hub->publish(QStringLiteral("swarm"), std::move(changes));
    }

    // The live feed's `snatch` event: completions in a commit (at most kMaxSnatchEvents
    // listed, `total` counts all). Collected on the flushing thread, published on the main one.
    void postSnatches(const core::StatsBatch &b)
    {
        constexpr qsizetype kMaxSnatchEvents = 1000; // bounds one message
        QJsonArray done;
        qint64 total = 0;
        for (const auto &[key, d] : b.userTorrents) {
            if (!d.completedAt)
                continue;
            ++total;
            if (done.size() < kMaxSnatchEvents)
                done.append(
                    QJsonObject{{QStringLiteral("user_id"), qint64(key.first)},
                                {QStringLiteral("torrent_id"), qint64(key.second)},
                                {QStringLiteral("completed_at"), api::isoTime(d.completedAt)}});
        }
        if (total == 0 || !hub)
            return;
        QMetaObject::invokeMethod(
            hub.get(),
            [h = hub.get(), done = std::move(done), total] {
                if (h->wanted(QStringLiteral("snatch")))
                    h->publish(QStringLiteral("snatch"),
                               QJsonObject{{QStringLiteral("completed"), done},
                                           {QStringLiteral("total"), total}});
            },
            Qt::QueuedConnection);
    }
    quint16 adminPort = 0;
    QString generatedToken;

    void flushNow()
    {
        stats->flush();
        writeCheatFlags();
    }

    // The flusher's run, every kAbsorbInterval: a commit once stats.flush_interval has passed
    // or stats.flush_records are waiting, else only an absorb (core::StatsWriter::absorb).
    // Only the flusher's thread touches nextFlush.
    std::chrono::steady_clock::duration flushInterval{};
    std::size_t flushRecords = 0;
    std::chrono::steady_clock::time_point nextFlush{};
    std::atomic<bool> flushDue{false};
    void flushTick()
    {
        const auto now = std::chrono::steady_clock::now();
        if (flushDue.exchange(false) || now >= nextFlush ||
            stats->absorb() + ledger.pending() >= flushRecords) {
            flushNow();
            // On the interval's grid (the ticks would otherwise add up to one per commit).
            nextFlush += flushInterval;
            if (nextFlush <= now)
                nextFlush = now + flushInterval;
        }
    }

    // Queued cheat flags go to the database; kept for the next try if it refuses.
    void writeCheatFlags()
    {
        std::vector<core::CheatFlag> flags = cheats.takeAll();
        if (flags.empty())
            return;
        if (db->insertCheatFlags(flags) != core::DbStatus::Ok) {
            qWarning("swarmkeeperd: cannot store %zu cheat flags; kept for the next flush",
                     flags.size());
            cheats.putBack(std::move(flags));
        }
    }
};

Server::Server(const Config &config) : m_config(config) {}

Server::~Server()
{
    stop();
}

bool Server::start(const QByteArray &adminToken, QString *error)
{
    auto p = std::make_unique<Parts>();
    if (!QDir().mkpath(m_config.dataDir)) {
        *error = QStringLiteral("cannot create data directory %1").arg(m_config.dataDir);
        return false;
    }
    storage::StorageSettings ss;
    ss.path = m_config.databaseFile();
    p->db = storage::SqlDatabase::open(ss, error);
    if (!p->db)
        return false;

    p->peers = std::make_unique<peers::MemoryPeerStore>();
    p->limiter = std::make_unique<core::RateLimiter>(m_config.rateLimit);
    p->reach = std::make_unique<core::ReachabilityCache>(m_config.verification);
    const bool verify = m_config.verification.enabled;
    p->service = std::make_unique<core::AnnounceService>(
        p->registry, *p->peers, p->clock, m_config.tracker, &p->ledger,
        core::AccessLists{&p->bans, &p->clients, p->limiter.get(), &p->cheats,
                          verify ? p->reach.get() : nullptr});
    p->directory = std::make_unique<core::Directory>(*p->db, p->registry, *p->peers, p->clock);
    if (p->directory->load(error) != core::DbStatus::Ok)
        return false;
    p->access = std::make_unique<core::AccessControl>(*p->db, p->bans, p->clients, p->clock);
    if (p->access->load(error) != core::DbStatus::Ok)
        return false;
    const auto restored = p->directory->restorePeers(p->clock.now() - m_config.tracker.peerTimeout);
    if (!restored.ok()) {
        *error = QStringLiteral("cannot restore peers: ") + restored.message;
        return false;
    }
    core::JournalSettings journal;
    journal.minLogBytes = std::int64_t(m_config.statsSnapshotLogMib) << 20;
    journal.logRatio = m_config.statsSnapshotLogRatio;
    p->stats = std::make_unique<core::StatsWriter>(p->ledger, *p->db, p->clock, *p->peers,
                                                   p->registry, journal);
    // The restored peers become the journal's snapshot before anything is served: the log
    // then only ever holds this run's announces (see core::StatsWriter::snapshot).
    if (!p->stats->snapshot()) {
        *error = QStringLiteral("cannot write the peer snapshot: ") + p->db->lastError();
        return false;
    }
    p->flushInterval = std::chrono::seconds(m_config.statsFlushInterval);
    p->flushRecords = std::size_t(m_config.statsFlushRecords);
    p->stats->setBatchHint(p->flushRecords);
    p->nextFlush = std::chrono::steady_clock::now() + p->flushInterval;
    p->flusher = std::make_unique<core::PeriodicJob>(QStringLiteral("stats"),
                                                     [parts = p.get()] { parts->flushTick(); });
    // A burst past stats.flush_records is committed at once, on the flushing thread.
    p->ledger.setHighWater(p->flushRecords, [parts = p.get()] {
        parts->flushDue.store(true);
        parts->flusher->trigger();
    });
    // The ratio rule reads committed totals from memory: each commit patches them (the
    // registry takes its own lock); the live feed hears of completions.
    p->stats->setCommitObserver([parts = p.get()](const core::StatsBatch &b) {
        parts->registry.addUserTotals(b.users);
        parts->postSnatches(b);
    });

    p->hnr = std::make_unique<core::HitAndRun>(*p->db, p->registry, *p->peers, p->clock,
                                               m_config.hnr, p->stats.get());
    p->bonus =
        std::make_unique<core::Bonus>(*p->db, p->registry, *p->peers, p->clock, m_config.bonus);
    p->tokens = std::make_unique<admin::TokenStore>(*p->db);
    if (!p->tokens->load(adminToken, &p->generatedToken, error))
        return false;
    const int workerCount = m_config.workers > 0 ? m_config.workers : QThread::idealThreadCount();
    p->metrics = std::make_unique<core::TrackerMetrics>(std::size_t(std::max(1, workerCount)));
    p->monitor = std::make_unique<admin::Monitor>(
        admin::MonitorSources{*p->metrics, *p->peers, p->registry, p->ledger, *p->stats, p->bans,
                              p->clients, *p->limiter, p->clock});
    admin::AdminSettings as;
    as.maxBodyBytes = m_config.adminMaxBodyBytes;
    as.metricsRequireToken = m_config.metricsRequireToken;
    for (const QString &o : m_config.corsOrigins.split(QLatin1Char(','), Qt::SkipEmptyParts))
        as.corsOrigins << o.trimmed();
    p->admin = std::make_unique<admin::AdminServer>(
        *p->directory, *p->db, *p->peers, *p->service, *p->tokens, *p->stats, *p->access, *p->hnr,
        *p->bonus, *p->limiter, *p->reach, *p->monitor, as);
    p->hub = std::make_unique<admin::EventHub>(*p->tokens, *p->limiter, m_config.feed);
    p->admin->setEventHub(p->hub.get());
    p->monitor->setFeed([hub = p->hub.get()] { return hub->stats(); });
    p->maxSwarmChanges = std::size_t(m_config.feed.maxSwarmChanges);
    if (m_config.adminTlsCert.isEmpty() != m_config.adminTlsKey.isEmpty()) {
        *error = QStringLiteral("admin.tls_cert and admin.tls_key go together");
        return false;
    }
    if (!m_config.adminTlsCert.isEmpty() &&
        !p->admin->setTls(m_config.adminTlsCert, m_config.adminTlsKey, error))
        return false;
    p->adminPort = p->admin->listen(QHostAddress(m_config.adminBind),
                                    static_cast<quint16>(m_config.adminPort), error);
    if (p->adminPort == 0)
        return false;

    if (verify) {
        p->prober = std::make_unique<net::PeerProber>(*p->reach, *p->peers, p->clock);
        p->prober->start();
    }

    p->ids = std::make_unique<net::ConnectionIds>();
    p->workers =
        std::make_unique<net::WorkerPool>(*p->service, p->clock, *p->ids, p->metrics.get());
    net::ListenSettings ls;
    ls.workers = workerCount;
    ls.bind = QHostAddress(m_config.trackerBind);
    ls.httpPort = m_config.httpPort;
    ls.udpPort = m_config.udpPort;
    ls.http = m_config.http;
    ls.udp = m_config.udp;
    if (!p->workers->start(ls, error))
        return false;

    Parts *raw = p.get();
    const std::int64_t timeout = m_config.tracker.peerTimeout;
    QObject::connect(&p->reaper, &QTimer::timeout, [raw, timeout] {
        raw->peers->expire(raw->clock.now() - timeout);
#ifdef __GLIBC__
        // Swarm vectors grow and shrink by reallocation; glibc keeps the freed blocks
        // resident inside its arenas. Hand whole free pages back so RSS follows live peers.
        malloc_trim(0); // about 1-3 ms with 1M peers, measured under load
#endif
        raw->limiter->sweep(); // idle addresses: their buckets are full again
        raw->reach->sweep(raw->clock.now());
        // Expired bans stopped applying at their expiry; here their rows go.
        const auto removed = raw->access->removeExpiredBans();
        if (!removed.ok())
            qWarning("swarmkeeperd: cannot remove expired bans: %s", qPrintable(removed.message));
    });
    p->reaper.start(m_config.reapInterval * 1000);
    p->flusher->start(kAbsorbInterval);
    if (m_config.hnr.minSeedtime > 0) {
        QObject::connect(&p->hnrTimer, &QTimer::timeout, [raw] {
            const auto r = raw->hnr->check();
            if (!r.ok())
                qWarning("swarmkeeperd: hit-and-run check failed: %s", qPrintable(r.message));
            else if (r.value.flagged > 0) {
                QJsonArray disabled;
                for (core::UserId u : r.value.leechDisabled)
                    disabled.append(qint64(u));
                raw->hub->publish(
                    QStringLiteral("hnr"),
                    QJsonObject{{QStringLiteral("candidates"), qint64(r.value.candidates)},
                                {QStringLiteral("flagged"), qint64(r.value.flagged)},
                                {QStringLiteral("leech_disabled"), disabled}});
            }
        });
        p->hnrTimer.start(int(m_config.hnr.checkInterval) * 1000);
    }
    if (m_config.bonus.pointsPerHour > 0) {
        QObject::connect(&p->bonusTimer, &QTimer::timeout, [raw] {
            const auto r = raw->bonus->award();
            if (!r.ok())
                qWarning("swarmkeeperd: bonus award failed: %s", qPrintable(r.message));
        });
        p->bonusTimer.start(int(m_config.bonus.interval) * 1000);
    }
    QObject::connect(&p->tokenTimer, &QTimer::timeout, [raw] {
        QString err;
        if (!raw->tokens->reload(&err))
            qWarning("swarmkeeperd: cannot read admin tokens: %s", qPrintable(err));
    });
    p->tokenTimer.start(kTokenReloadSeconds * 1000);
    const std::int64_t keep = std::int64_t(m_config.auditKeepDays) * 86400;
    const auto pruneAudit = [raw, keep] {
        const auto r = raw->db->pruneAudit(raw->clock.now() - keep);
        if (!r.ok())
            qWarning("swarmkeeperd: cannot prune the audit log: %s", qPrintable(r.message));
    };
    pruneAudit();
    QObject::connect(&p->auditTimer, &QTimer::timeout, pruneAudit);
    p->auditTimer.start(3600 * 1000);
    QObject::connect(&p->sampler, &QTimer::timeout, [raw] { raw->tick(); });
    p->sampler.start(1000);
    m_parts = std::move(p);
    return true;
}

void Server::stop()
{
    if (!m_parts)
        return;
    m_parts->reaper.stop();
    m_parts->flusher->stop(); // waits for a running commit
    m_parts->hnrTimer.stop();
    m_parts->bonusTimer.stop();
    m_parts->tokenTimer.stop();
    m_parts->auditTimer.stop();
    m_parts->sampler.stop();
    m_parts->workers->stop(); // no announce may run while the parts below go away
    if (m_parts->prober)
        m_parts->prober->stop();
    // Every credit reported before the stop is committed; a database that keeps failing is
    // logged by each attempt (the clients' next announces re-report it after a restart).
    if (!m_parts->stats->flushAll(5))
        std::fprintf(stderr, "swarmkeeperd: stats not fully flushed at shutdown\n");
    m_parts->writeCheatFlags();
    m_parts.reset();
}

quint16 Server::httpPort() const
{
    return m_parts ? m_parts->workers->httpPort() : 0;
}
quint16 Server::udpPort() const
{
    return m_parts ? m_parts->workers->udpPort() : 0;
}
quint16 Server::adminPort() const
{
    return m_parts ? m_parts->adminPort : 0;
}
QString Server::generatedToken() const
{
    return m_parts ? m_parts->generatedToken : QString();
}

namespace {
int g_signalPipe[2] = {-1, -1};

void onSignal(int sig)
{
    const char c = static_cast<char>(sig);
    [[maybe_unused]] const auto n = ::write(g_signalPipe[1], &c, 1); // async-signal-safe
}
} // namespace

void installSignalHandlers()
{
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, g_signalPipe) != 0)
        return;
    auto *notifier = new QSocketNotifier(g_signalPipe[0], QSocketNotifier::Read, qApp);
    QObject::connect(notifier, &QSocketNotifier::activated, qApp, [] {
        char c = 0;
        [[maybe_unused]] const auto n = ::read(g_signalPipe[0], &c, 1);
        std::fprintf(stdout, "swarmkeeperd: signal %d, shutting down\n", int(c));
        std::fflush(stdout);
        QCoreApplication::quit();
    });
    struct sigaction sa
    {};
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    ::sigaction(SIGTERM, &sa, nullptr);
    ::sigaction(SIGINT, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
}

namespace {

// `swarmkeeperd token create NAME --role ROLE | list | revoke NAME|ID [options]`: manages
// admin tokens in the database of the configured data directory, with or without a running
// server (which reads the tokens again every kTokenReloadSeconds).
int runTokenCommand(QStringList args, const QProcessEnvironment &env)
{
    const auto usage = [] {
        std::fputs("usage: swarmkeeperd token create NAME --role admin|moderator|readonly\n"
                   "       swarmkeeperd token list\n"
                   "       swarmkeeperd token revoke NAME|ID\n"
                   "  (plus --data-dir, --config or --set to find the database)\n",
                   stderr);
        return 2;
    };
    if (args.isEmpty())
        return usage();
    const QString verb = args.takeFirst();
    QString role;
    QStringList words;
    QStringList options;
    for (int i = 0; i < args.size(); ++i) {
        const QString &a = args[i];
        if (a == QLatin1String("-h") || a == QLatin1String("--help") ||
            a == QLatin1String("--version") || a == QLatin1String("--print-default-config"))
            return usage(); // none of them mean anything here; never act on the defaults
        // Every other option (--config, --set, --data-dir and the like) takes a value.
        if (a == QLatin1String("--role") && i + 1 < args.size())
            role = args[++i];
        else if (a.startsWith(QLatin1String("--role=")))
            role = a.mid(7);
        else if (a.startsWith(QLatin1String("-"))) {
            options << a;
            if (!a.contains(QLatin1Char('=')) && i + 1 < args.size())
                options << args[++i];
        } else
            words << a;
    }
    QString error;
    const auto cl = parseCommandLine(options, env.toStringList(), &error);
    if (!cl) {
        std::fprintf(stderr, "swarmkeeperd token: %s\n", qPrintable(error));
        return 2;
    }
    const bool create = verb == QLatin1String("create");
    const bool revoke = verb == QLatin1String("revoke");
    if ((create || revoke) ? words.size() != 1
                           : (verb != QLatin1String("list") || !words.isEmpty()))
        return usage();
    if (create && role.isEmpty()) {
        std::fputs("swarmkeeperd token: create needs --role admin|moderator|readonly\n", stderr);
        return 2;
    }
    const auto parsedRole = admin::roleFromName(create ? role : QStringLiteral("readonly"));
    if (!parsedRole) {
        std::fprintf(stderr, "swarmkeeperd token: unknown role %s\n", qPrintable(role));
        return 2;
    }
    if (create && !admin::TokenStore::validName(words[0])) {
        std::fputs("swarmkeeperd token: a name is 1 to 64 characters from [A-Za-z0-9._-], not "
                   "all digits and not \"env\"\n",
                   stderr);
        return 2;
    }
    // Only `create` may make the database (tokens before the first start); a mistyped data
    // directory must not look like an empty token list or a missing token.
    if (!create && !QFileInfo::exists(cl->config.databaseFile())) {
        std::fprintf(stderr, "swarmkeeperd token: no database at %s (see --data-dir)\n",
                     qPrintable(cl->config.databaseFile()));
        return 1;
    }
    if (!QDir().mkpath(cl->config.dataDir)) {
        std::fprintf(stderr, "swarmkeeperd token: cannot create data directory %s\n",
                     qPrintable(cl->config.dataDir));
        return 1;
    }
    storage::StorageSettings ss;
    ss.path = cl->config.databaseFile();
    auto db = storage::SqlDatabase::open(ss, &error);
    if (!db) {
        std::fprintf(stderr, "swarmkeeperd token: %s\n", qPrintable(error));
        return 1;
    }
    admin::TokenStore tokens(*db);
    if (create) {
        const auto made = tokens.create(words[0], *parsedRole, QDateTime::currentSecsSinceEpoch());
        if (made.status == core::DbStatus::Conflict) {
            std::fprintf(stderr, "swarmkeeperd token: a token named %s exists already\n",
                         qPrintable(words[0]));
            return 1;
        }
        if (!made.ok()) {
            std::fprintf(stderr, "swarmkeeperd token: %s\n", qPrintable(made.message));
            return 1;
        }
        std::printf("created %s token \"%s\" (id %lld) in %s; its secret, shown once:\n%s\n",
                    qPrintable(role), qPrintable(words[0]),
                    static_cast<long long>(made.value.record.id),
                    qPrintable(QFileInfo(cl->config.databaseFile()).absoluteFilePath()),
                    qPrintable(made.value.secret));
        return 0;
    }
    if (revoke) {
        const auto gone = tokens.revoke(words[0]);
        if (!gone.ok()) {
            std::fprintf(stderr, "swarmkeeperd token: %s\n",
                         gone.status == core::DbStatus::NotFound ? "no such token"
                                                                 : qPrintable(gone.message));
            return 1;
        }
        std::printf("revoked token \"%s\" (id %lld)\n", qPrintable(gone.value.name),
                    static_cast<long long>(gone.value.id));
        return 0;
    }
    const auto all = tokens.list();
    if (!all.ok()) {
        std::fprintf(stderr, "swarmkeeperd token: %s\n", qPrintable(all.message));
        return 1;
    }
    std::printf("%-6s %-24s %-10s %s\n", "id", "name", "role", "created");
    for (const auto &t : all.value)
        std::printf("%-6lld %-24s %-10s %s\n", static_cast<long long>(t.id), qPrintable(t.name),
                    qPrintable(t.role), qPrintable(api::isoTime(t.createdAt)));
    return 0;
}

} // namespace

int run(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("swarmkeeperd"));
    QCoreApplication::setApplicationVersion(QStringLiteral(SK_VERSION));

    QStringList args = QCoreApplication::arguments();
    args.removeFirst();
    const QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    if (!args.isEmpty() && args.first() == QLatin1String("token"))
        return runTokenCommand(args.mid(1), env);
    QString error;
    const auto cl = parseCommandLine(args, env.toStringList(), &error);
    if (!cl) {
        std::fprintf(stderr, "swarmkeeperd: %s\n", qPrintable(error));
        return 2;
    }
    if (cl->help) {
        std::fputs(qPrintable(helpText()), stdout);
        return 0;
    }
    if (cl->version) {
        std::printf("swarmkeeperd %s\n", SK_VERSION);
        return 0;
    }
    if (cl->printDefaultConfig) {
        std::fputs(qPrintable(defaultConfigToml()), stdout);
        return 0;
    }

    installSignalHandlers();
    Server server(cl->config);
    if (!server.start(env.value(QStringLiteral("SWARMKEEPER_ADMIN_TOKEN")).toUtf8(), &error)) {
        std::fprintf(stderr, "swarmkeeperd: cannot start: %s\n", qPrintable(error));
        return 1;
    }
    if (!server.generatedToken().isEmpty()) {
        std::printf(
            "swarmkeeperd: first start: admin token (shown once, stored hashed):\n"
            "    %s\n"
            "  use it as: curl -H 'Authorization: Bearer <token>' http://%s:%u/admin/users\n",
            qPrintable(server.generatedToken()), qPrintable(cl->config.adminBind),
            server.adminPort());
    }
    // One machine-readable line: tests and scripts read the bound ports from it.
    std::printf("swarmkeeperd: listening http=%u udp=%u admin=%s:%u data=%s\n", server.httpPort(),
                server.udpPort(), qPrintable(cl->config.adminBind), server.adminPort(),
                qPrintable(QDir(cl->config.dataDir).absolutePath()));
    std::fflush(stdout);

    const int rc = QCoreApplication::exec();
    server.stop();
    std::printf("swarmkeeperd: stopped\n");
    return rc;
}

} // namespace sk::app
