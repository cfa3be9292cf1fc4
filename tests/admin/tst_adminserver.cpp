// Tests AdminServer against its contract: every route it serves is in the OpenAPI document
// (server/admin/openapi.json, compiled in and served at /admin/openapi.json) with the same
// least role, and the document names no route the server lacks. tst_admincontract walks the
// same document through the real binary.
#include "server/admin/adminserver.h"
#include "server/admin/monitor.h"
#include "server/admin/tokenstore.h"
#include "server/core/accesscontrol.h"
#include "server/core/announceservice.h"
#include "server/core/bonus.h"
#include "server/core/directory.h"
#include "server/core/hitandrun.h"
#include "server/core/metrics.h"
#include "server/core/statswriter.h"
#include "server/peers/memorypeerstore.h"
#include "server/storage/sqldatabase.h"
#include "shared/api/dto.h"

#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace sk;

namespace {
const QStringList kMethods{QStringLiteral("get"), QStringLiteral("put"), QStringLiteral("post"),
                           QStringLiteral("delete"), QStringLiteral("patch")};
// Served by the admin listener but not through the router: /metrics and the /ws upgrade.
const QStringList kOutsideRouter{QStringLiteral("/metrics"), QStringLiteral("/ws")};

// "get /admin/users/{id}" → the operation's x-role, for every operation of the contract.
QHash<QString, QString> documentedOperations()
{
    QHash<QString, QString> ops;
    const QJsonObject paths =
        admin::AdminServer::contract().value(QStringLiteral("paths")).toObject();
    for (auto p = paths.begin(); p != paths.end(); ++p) {
        if (kOutsideRouter.contains(p.key()))
            continue;
        const QJsonObject item = p.value().toObject();
        for (const QString &m : kMethods)
            if (item.contains(m))
                ops.insert(m + QLatin1Char(' ') + p.key(),
                           item.value(m).toObject().value(QStringLiteral("x-role")).toString());
    }
    return ops;
}
} // namespace

class TestAdminServer : public QObject
{
    Q_OBJECT

    // The real parts an AdminServer is built on, over a fresh SQLite file.
    struct Parts
    {
        QTemporaryDir dir;
        core::SystemClock clock;
        core::Registry registry;
        core::BanList bans;
        core::ClientWhitelist clients;
        core::StatsLedger ledger;
        core::TrackerSettings tracker;
        core::HitAndRunSettings hnrSettings;
        core::BonusSettings bonusSettings;
        std::unique_ptr<storage::SqlDatabase> db;
        peers::MemoryPeerStore peers;
        core::RateLimiter limiter{core::RateLimitSettings{}};
        core::ReachabilityCache reach{core::VerificationSettings{}};
        core::TrackerMetrics metrics{1};
        std::unique_ptr<core::AnnounceService> service;
        std::unique_ptr<core::Directory> directory;
        std::unique_ptr<core::AccessControl> access;
        std::unique_ptr<core::StatsWriter> stats;
        std::unique_ptr<core::HitAndRun> hnr;
        std::unique_ptr<core::Bonus> bonus;
        std::unique_ptr<admin::TokenStore> tokens;
        std::unique_ptr<admin::Monitor> monitor;
        std::unique_ptr<admin::AdminServer> admin;
    };
    std::unique_ptr<Parts> m_parts;

private Q_SLOTS:
    void initTestCase()
    {
        m_parts = std::make_unique<Parts>();
        Parts &p = *m_parts;
        QVERIFY(p.dir.isValid());
        storage::StorageSettings ss;
        ss.path = p.dir.filePath(QStringLiteral("sk.db"));
        QString error;
        p.db = storage::SqlDatabase::open(ss, &error);
        QVERIFY2(p.db, qPrintable(error));
        p.service = std::make_unique<core::AnnounceService>(p.registry, p.peers, p.clock, p.tracker,
                                                            &p.ledger);
        p.directory = std::make_unique<core::Directory>(*p.db, p.registry, p.peers, p.clock);
        p.access = std::make_unique<core::AccessControl>(*p.db, p.bans, p.clients, p.clock);
        p.stats =
            std::make_unique<core::StatsWriter>(p.ledger, *p.db, p.clock, p.peers, p.registry);
        p.hnr = std::make_unique<core::HitAndRun>(*p.db, p.registry, p.peers, p.clock,
                                                  p.hnrSettings, p.stats.get());
        p.bonus =
            std::make_unique<core::Bonus>(*p.db, p.registry, p.peers, p.clock, p.bonusSettings);
        p.tokens = std::make_unique<admin::TokenStore>(*p.db);
        p.monitor = std::make_unique<admin::Monitor>(
            admin::MonitorSources{p.metrics, p.peers, p.registry, p.ledger, *p.stats, p.bans,
                                  p.clients, p.limiter, p.clock});
        p.admin = std::make_unique<admin::AdminServer>(
            *p.directory, *p.db, p.peers, *p.service, *p.tokens, *p.stats, *p.access, *p.hnr,
            *p.bonus, p.limiter, p.reach, *p.monitor, admin::AdminSettings{});
    }
    void cleanupTestCase() { m_parts.reset(); }

    void contractIsTheApiVersion()
    {
        const QJsonObject info =
            admin::AdminServer::contract().value(QStringLiteral("info")).toObject();
        QCOMPARE(info.value(QStringLiteral("version")).toString(),
                 QString::number(api::apiVersion));
        QCOMPARE(admin::AdminServer::contract().value(QStringLiteral("openapi")).toString(),
                 QStringLiteral("3.0.3"));
    }

    void everyRouteIsDocumented_data()
    {
        QTest::addColumn<QString>("operation");
        QTest::addColumn<QString>("role");
        for (const auto &r : m_parts->admin->routes()) {
            const QString op = r.method + QLatin1Char(' ') + r.path;
            QTest::newRow(qPrintable(op)) << op << admin::roleName(r.minRole);
        }
    }
    void everyRouteIsDocumented()
    {
        QFETCH(QString, operation);
        QFETCH(QString, role);
        const QHash<QString, QString> documented = documentedOperations();
        QVERIFY2(documented.contains(operation),
                 qPrintable(operation + QStringLiteral(" is served but not in openapi.json")));
        QCOMPARE(documented.value(operation), role);
    }

    void everyDocumentedOperationIsServed_data()
    {
        QTest::addColumn<QString>("operation");
        const QHash<QString, QString> documented = documentedOperations();
        QVERIFY(documented.size() > 50);
        for (auto it = documented.begin(); it != documented.end(); ++it)
            QTest::newRow(qPrintable(it.key())) << it.key();
    }
    void everyDocumentedOperationIsServed()
    {
        QFETCH(QString, operation);
        bool served = false;
        for (const auto &r : m_parts->admin->routes())
            served = served || r.method + QLatin1Char(' ') + r.path == operation;
        QVERIFY2(served, qPrintable(operation + QStringLiteral(" is documented but not served")));
    }
};

QTEST_GUILESS_MAIN(TestAdminServer)
#include "tst_adminserver.moc"
