// Tests Config parsing: defaults, TOML, environment, flags, precedence and every refusal.
#include "server/app/config.h"

#include <QTemporaryDir>
#include <QTest>

using namespace sk;

namespace {
QString writeFile(QTemporaryDir &dir, const QByteArray &text)
{
    const QString path = dir.filePath(QStringLiteral("c.toml"));
    QFile f(path);
    f.open(QIODevice::WriteOnly | QIODevice::Truncate);
    f.write(text);
    return path;
}
} // namespace

class TestConfig : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void defaults()
    {
        QString err;
        const auto cl = app::parseCommandLine({}, {}, &err);
        QVERIFY2(cl, qPrintable(err));
        QCOMPARE(cl->config.httpPort, 8080);
        QCOMPARE(cl->config.udpPort, 8081);
        QCOMPARE(cl->config.adminPort, 8082);
        QCOMPARE(cl->config.adminBind, QStringLiteral("127.0.0.1"));
        QCOMPARE(cl->config.tracker.defaultNumwant, 50u);
        QVERIFY(cl->config.tracker.enforceRegistration);
    }

    void precedence()
    {
        QTemporaryDir dir;
        const QString path =
            writeFile(dir, "workers = 3\n[tracker]\nhttp_port = 1000\nudp_port = 1001\n");
        QString err;
        const auto cl = app::parseCommandLine(
            {QStringLiteral("--config"), path, QStringLiteral("--udp-port=3001")},
            {QStringLiteral("SWARMKEEPER_TRACKER_HTTP_PORT=2000"),
             QStringLiteral("SWARMKEEPER_TRACKER_UDP_PORT=2001"), QStringLiteral("PATH=/bin")},
            &err);
        QVERIFY2(cl, qPrintable(err));
        QCOMPARE(cl->config.workers, 3);     // file
        QCOMPARE(cl->config.httpPort, 2000); // env over file
        QCOMPARE(cl->config.udpPort, 3001);  // flag over env
    }

    void flags_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("value");
        QTest::newRow("--data-dir")
            << QStringList{QStringLiteral("--data-dir"), QStringLiteral("/x")}
            << QStringLiteral("data_dir") << QStringLiteral("/x");
        QTest::newRow("--workers=") << QStringList{QStringLiteral("--workers=4")}
                                    << QStringLiteral("workers") << QStringLiteral("4");
        QTest::newRow("--admin-port")
            << QStringList{QStringLiteral("--admin-port"), QStringLiteral("0")}
            << QStringLiteral("admin.port") << QStringLiteral("0");
        QTest::newRow("--set bool")
            << QStringList{QStringLiteral("--set"),
                           QStringLiteral("tracker.enforce_registration=false")}
            << QStringLiteral("tracker.enforce_registration") << QStringLiteral("false");
        QTest::newRow("--set int")
            << QStringList{QStringLiteral("--set=tracker.announce_interval=1200")}
            << QStringLiteral("tracker.announce_interval") << QStringLiteral("1200");
        QTest::newRow("--set double")
            << QStringList{QStringLiteral("--set=policy.min_ratio=0.75")}
            << QStringLiteral("policy.min_ratio") << QStringLiteral("0.75");
        QTest::newRow("--set double, integer text")
            << QStringList{QStringLiteral("--set=policy.min_ratio=1")}
            << QStringLiteral("policy.min_ratio") << QStringLiteral("1");
        QTest::newRow("--set snapshot ratio")
            << QStringList{QStringLiteral("--set=stats.snapshot_log_ratio=8")}
            << QStringLiteral("stats.snapshot_log_ratio") << QStringLiteral("8");
        QTest::newRow("--set 64-bit int")
            << QStringList{QStringLiteral("--set=policy.ratio_grace_bytes=10000000000")}
            << QStringLiteral("policy.ratio_grace_bytes") << QStringLiteral("10000000000");
    }
    void flags()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, key);
        QFETCH(QString, value);
        QString err;
        const auto cl = app::parseCommandLine(args, {}, &err);
        QVERIFY2(cl, qPrintable(err));
        const auto &c = cl->config;
        const QMap<QString, QString> seen{
            {QStringLiteral("data_dir"), c.dataDir},
            {QStringLiteral("workers"), QString::number(c.workers)},
            {QStringLiteral("admin.port"), QString::number(c.adminPort)},
            {QStringLiteral("tracker.enforce_registration"),
             c.tracker.enforceRegistration ? QStringLiteral("true") : QStringLiteral("false")},
            {QStringLiteral("tracker.announce_interval"),
             QString::number(c.tracker.announceInterval)},
            {QStringLiteral("policy.min_ratio"), QString::number(c.tracker.minRatio)},
            {QStringLiteral("stats.snapshot_log_ratio"), QString::number(c.statsSnapshotLogRatio)},
            {QStringLiteral("policy.ratio_grace_bytes"),
             QString::number(c.tracker.ratioGraceBytes)},
        };
        QCOMPARE(seen.value(key), value);
    }

    void refusals_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QStringList>("env");
        QTest::addColumn<QByteArray>("toml");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("port out of range")
            << QStringList{QStringLiteral("--http-port"), QStringLiteral("70000")} << QStringList{}
            << QByteArray() << QStringLiteral("out of range");
        QTest::newRow("port not a number")
            << QStringList{QStringLiteral("--udp-port=abc")} << QStringList{} << QByteArray()
            << QStringLiteral("integer");
        QTest::newRow("unknown flag") << QStringList{QStringLiteral("--bogus")} << QStringList{}
                                      << QByteArray() << QStringLiteral("--bogus");
        QTest::newRow("flag without value")
            << QStringList{QStringLiteral("--http-port")} << QStringList{} << QByteArray()
            << QStringLiteral("needs a value");
        QTest::newRow("unknown --set key")
            << QStringList{QStringLiteral("--set"), QStringLiteral("nope.key=1")} << QStringList{}
            << QByteArray() << QStringLiteral("nope.key");
        QTest::newRow("unknown env")
            << QStringList{} << QStringList{QStringLiteral("SWARMKEEPER_BOGUS=1")} << QByteArray()
            << QStringLiteral("SWARMKEEPER_BOGUS");
        QTest::newRow("bad env bool")
            << QStringList{}
            << QStringList{QStringLiteral("SWARMKEEPER_TRACKER_TRUST_CLIENT_IP=maybe")}
            << QByteArray() << QStringLiteral("true or false");
        QTest::newRow("toml unknown key")
            << QStringList{} << QStringList{} << QByteArray("[tracker]\nhttp_port = 1\nbogus = 2\n")
            << QStringLiteral(":3: tracker.bogus: unknown key");
        QTest::newRow("toml unknown section key")
            << QStringList{} << QStringList{} << QByteArray("[nope]\nx = 1\n")
            << QStringLiteral(":1: nope: unknown section");
        QTest::newRow("toml empty unknown section")
            << QStringList{} << QStringList{} << QByteArray("[tracker]\nhttp_port = 1\n\n[bogus]\n")
            << QStringLiteral(":4: bogus: unknown section");
        QTest::newRow("toml wrong type")
            << QStringList{} << QStringList{} << QByteArray("[tracker]\nhttp_port = \"80\"\n")
            << QStringLiteral("expected an integer");
        QTest::newRow("ratio out of range")
            << QStringList{QStringLiteral("--set=policy.min_ratio=101")} << QStringList{}
            << QByteArray() << QStringLiteral("out of range 0..100");
        QTest::newRow("snapshot ratio zero")
            << QStringList{QStringLiteral("--set=stats.snapshot_log_ratio=0")} << QStringList{}
            << QByteArray() << QStringLiteral("out of range 1..64");
        QTest::newRow("ratio not a number")
            << QStringList{QStringLiteral("--set=policy.min_ratio=high")} << QStringList{}
            << QByteArray() << QStringLiteral("expected a number");
        QTest::newRow("ratio nan")
            << QStringList{} << QStringList{QStringLiteral("SWARMKEEPER_POLICY_MIN_RATIO=nan")}
            << QByteArray() << QStringLiteral("out of range");
        QTest::newRow("toml ratio wrong type")
            << QStringList{} << QStringList{} << QByteArray("[policy]\nmin_ratio = \"1\"\n")
            << QStringLiteral("expected a number");
        QTest::newRow("toml ratio negative")
            << QStringList{} << QStringList{} << QByteArray("[policy]\nmin_ratio = -0.5\n")
            << QStringLiteral("out of range");
        QTest::newRow("toml syntax")
            << QStringList{} << QStringList{} << QByteArray("[tracker\n") << QStringLiteral(":1:");
        QTest::newRow("bad address")
            << QStringList{QStringLiteral("--bind"), QStringLiteral("not-an-ip")} << QStringList{}
            << QByteArray() << QStringLiteral("IP address");
        QTest::newRow("timeout below interval")
            << QStringList{QStringLiteral("--set"), QStringLiteral("tracker.peer_timeout=600")}
            << QStringList{} << QByteArray() << QStringLiteral("peer_timeout");
        QTest::newRow("both ports off")
            << QStringList{QStringLiteral("--http-port=-1"), QStringLiteral("--udp-port=-1")}
            << QStringList{} << QByteArray() << QStringLiteral("disabled");
        QTest::newRow("cors origin with a path")
            << QStringList{QStringLiteral("--set"),
                           QStringLiteral("admin.cors_origins=https://a.example/x")}
            << QStringList{} << QByteArray() << QStringLiteral("not an origin");
        QTest::newRow("cors origin without scheme")
            << QStringList{QStringLiteral("--set"),
                           QStringLiteral("admin.cors_origins=https://a.example, b.example")}
            << QStringList{} << QByteArray() << QStringLiteral("b.example");
        QTest::newRow("ws queue below its floor")
            << QStringList{QStringLiteral("--set"), QStringLiteral("ws.max_queued_bytes=100")}
            << QStringList{} << QByteArray() << QStringLiteral("out of range");
    }
    void refusals()
    {
        QFETCH(QStringList, args);
        QFETCH(QStringList, env);
        QFETCH(QByteArray, toml);
        QFETCH(QString, mentions);
        QTemporaryDir dir;
        if (!toml.isEmpty())
            args << QStringLiteral("--config") << writeFile(dir, toml);
        QString err;
        QVERIFY(!app::parseCommandLine(args, env, &err));
        QVERIFY2(err.contains(mentions), qPrintable(err));
    }

    void defaultConfigRoundTrips()
    {
        QTemporaryDir dir;
        const QString path = writeFile(dir, app::defaultConfigToml().toUtf8());
        QString err;
        const auto cl = app::parseCommandLine({QStringLiteral("--config"), path}, {}, &err);
        QVERIFY2(cl, qPrintable(err));
        QCOMPARE(cl->config.httpPort, 8080);
    }

    void documentationMatches()
    {
        // docs/configuration.md holds the printed defaults: regenerate it when a key changes.
        QFile doc(QStringLiteral(SK_SOURCE_DIR "/docs/configuration.md"));
        QVERIFY(doc.open(QIODevice::ReadOnly));
        QVERIFY2(QString::fromUtf8(doc.readAll()).contains(app::defaultConfigToml()),
                 "docs/configuration.md is stale: regenerate it from --print-default-config");
    }

    void helpListsFlags()
    {
        const QString help = app::helpText();
        for (const char *flag :
             {"--config", "--data-dir", "--http-port", "--udp-port", "--admin-port", "--workers",
              "--print-default-config", "--set", "tracker.max_numwant"})
            QVERIFY2(help.contains(QLatin1String(flag)), flag);
    }
};

QTEST_GUILESS_MAIN(TestConfig)
#include "tst_config.moc"
