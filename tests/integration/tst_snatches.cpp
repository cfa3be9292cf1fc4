// Snatches and hit-and-run through the real swarmkeeperd: a completed download records one
// snatch, seeding announces accrue seedtime, the admin API lists, corrects and deletes
// snatches, POST /admin/hnr/check flags a user who stopped seeding and disables leeching at
// max_warnings, flags and warnings clear, and all of it survives a restart.
#include "trackerprocess.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QTest>
#include <QThread>

using namespace sk;
using itest::TrackerProcess;

class TestSnatches : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void snatchAndSeedtime();
    void snatchRequests_data();
    void snatchRequests();
    void hitAndRun();
    void restartKeepsSnatches();
    void sortSnatches_data();
    void sortSnatches(); // last: its snatches would change the counts above
    void cleanupTestCase();

private:
    // The failure reason of an announce; empty when it succeeded.
    QByteArray announce(const QString &passkey, const QByteArray &q)
    {
        const auto reply = m_server.announce(passkey, q);
        if (!reply || !reply->isDict())
            return "no reply";
        return reply->find("failure reason") ? itest::dictBytes(*reply, "failure reason") : "";
    }
    bool flush()
    {
        return m_server.adminRequest("POST", QStringLiteral("/admin/stats/flush")).status == 200;
    }
    QJsonArray snatchesOf(qint64 user)
    {
        return m_server.adminRequest("GET", QStringLiteral("/admin/users/%1/snatches").arg(user))
            .json.value(QStringLiteral("snatches"))
            .toArray();
    }

    TrackerProcess m_server;
    QString m_leecher; // passkeys
    qint64 m_leecherId = 0;
    proto::InfoHash m_torrent;
    proto::InfoHash m_other;
    qint64 m_snatchId = 0;
    qint64 m_seedtime = 0;
};

void TestSnatches::initTestCase()
{
    // Flushes only on request; every snatch is due at once and 1 h of seeding is required.
    QVERIFY(m_server.start({QStringLiteral("--set"), QStringLiteral("stats.flush_interval=3600"),
                            QStringLiteral("--set"), QStringLiteral("hnr.grace_period=0"),
                            QStringLiteral("--set"), QStringLiteral("hnr.min_seedtime=3600"),
                            QStringLiteral("--set"), QStringLiteral("hnr.max_warnings=1")}));
    const QJsonObject u = m_server.createUser(QStringLiteral("leecher"));
    m_leecher = u.value(QStringLiteral("passkey")).toString();
    m_leecherId = u.value(QStringLiteral("id")).toInteger();
    m_torrent = itest::randomInfoHash();
    m_other = itest::randomInfoHash();
    QVERIFY(!m_server.createTorrent(m_torrent).isEmpty());
    QVERIFY(!m_server.createTorrent(m_other).isEmpty());
}

void TestSnatches::snatchAndSeedtime()
{
    QCOMPARE(announce(m_leecher, itest::counterQuery(m_torrent, "-IT0001-a", 0, 100, "started")),
             QByteArray());
    QCOMPARE(announce(m_leecher, itest::counterQuery(m_torrent, "-IT0001-a", 0, 0, "completed")),
             QByteArray());
    QVERIFY(flush());
    QJsonArray list = snatchesOf(m_leecherId);
    QCOMPARE(list.size(), 1);
    QJsonObject s = list[0].toObject();
    QCOMPARE(s.value(QStringLiteral("info_hash")).toString(), m_torrent.toHexString());
    QCOMPARE(s.value(QStringLiteral("seedtime")).toInteger(), 0);
    QVERIFY(s.value(QStringLiteral("seeding")).toBool());
    QVERIFY(!s.value(QStringLiteral("hnr")).toBool());
    QVERIFY(s.value(QStringLiteral("completed_at")).toString().endsWith(QLatin1Char('Z')));
    m_snatchId = s.value(QStringLiteral("id")).toInteger();

    // Seeding announces at least two seconds apart accrue what passed between them.
    QElapsedTimer seeding;
    seeding.start();
    QThread::msleep(1100);
    QCOMPARE(announce(m_leecher, itest::counterQuery(m_torrent, "-IT0001-a", 0, 0)), QByteArray());
    QThread::msleep(1100);
    QCOMPARE(announce(m_leecher, itest::counterQuery(m_torrent, "-IT0001-a", 0, 0)), QByteArray());
    // A second completion (another client of the same user) is no second snatch.
    QCOMPARE(announce(m_leecher, itest::counterQuery(m_torrent, "-IT0001-b", 0, 5, "started")),
             QByteArray());
    QCOMPARE(announce(m_leecher, itest::counterQuery(m_torrent, "-IT0001-b", 0, 0, "completed")),
             QByteArray());
    QVERIFY(flush());
    list = snatchesOf(m_leecherId);
    QCOMPARE(list.size(), 1);
    s = list[0].toObject();
    m_seedtime = s.value(QStringLiteral("seedtime")).toInteger();
    QVERIFY2(m_seedtime >= 2 && m_seedtime <= seeding.elapsed() / 1000 + 1,
             qPrintable(QString::number(m_seedtime)));
    QVERIFY(s.value(QStringLiteral("last_seen")).isString());

    // The same snatch by id and by torrent (id or info_hash).
    const auto byId =
        m_server.adminRequest("GET", QStringLiteral("/admin/snatches/%1").arg(m_snatchId));
    QCOMPARE(byId.status, 200);
    QCOMPARE(byId.json.value(QStringLiteral("seedtime")).toInteger(), m_seedtime);
    const auto byTorrent = m_server.adminRequest(
        "GET", QStringLiteral("/admin/torrents/%1/snatches").arg(m_torrent.toHexString()));
    QCOMPARE(byTorrent.status, 200);
    QCOMPARE(byTorrent.json.value(QStringLiteral("total")).toInteger(), 1);
    const auto all = m_server.adminRequest("GET", QStringLiteral("/admin/snatches?limit=10"));
    QCOMPARE(all.json.value(QStringLiteral("total")).toInteger(), 1);
}

void TestSnatches::snatchRequests_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    QTest::newRow("get: bad id") << QByteArray("GET") << QStringLiteral("/admin/snatches/x")
                                 << QByteArray() << 400 << "invalid_parameter";
    QTest::newRow("get: zero id") << QByteArray("GET") << QStringLiteral("/admin/snatches/0")
                                  << QByteArray() << 400 << "invalid_parameter";
    QTest::newRow("get: unknown") << QByteArray("GET") << QStringLiteral("/admin/snatches/999999")
                                  << QByteArray() << 404 << "not_found";
    QTest::newRow("put: unknown") << QByteArray("PUT") << QStringLiteral("/admin/snatches/999999")
                                  << QByteArray(R"({"seedtime":5})") << 404 << "not_found";
    QTest::newRow("put: nothing") << QByteArray("PUT") << QStringLiteral("/admin/snatches/%1")
                                  << QByteArray("{}") << 422 << "missing_field";
    QTest::newRow("put: negative seedtime")
        << QByteArray("PUT") << QStringLiteral("/admin/snatches/%1")
        << QByteArray(R"({"seedtime":-1})") << 422 << "invalid_value";
    QTest::newRow("put: hnr not a bool")
        << QByteArray("PUT") << QStringLiteral("/admin/snatches/%1") << QByteArray(R"({"hnr":1})")
        << 422 << "invalid_value";
    QTest::newRow("put: unknown field") << QByteArray("PUT") << QStringLiteral("/admin/snatches/%1")
                                        << QByteArray(R"({"user_id":1})") << 422 << "unknown_field";
    QTest::newRow("put: not JSON") << QByteArray("PUT") << QStringLiteral("/admin/snatches/%1")
                                   << QByteArray("{") << 400 << "invalid_json";
    QTest::newRow("delete hnr: unknown")
        << QByteArray("DELETE") << QStringLiteral("/admin/snatches/999999/hnr") << QByteArray()
        << 404 << "not_found";
    QTest::newRow("user snatches: unknown user")
        << QByteArray("GET") << QStringLiteral("/admin/users/999999/snatches") << QByteArray()
        << 404 << "not_found";
    QTest::newRow("torrent snatches: bad torrent")
        << QByteArray("GET") << QStringLiteral("/admin/torrents/xyz/snatches") << QByteArray()
        << 400 << "invalid_parameter";
    QTest::newRow("list: bad hnr filter")
        << QByteArray("GET") << QStringLiteral("/admin/snatches?hnr=maybe") << QByteArray() << 400
        << "invalid_parameter";
    QTest::newRow("list: bad limit")
        << QByteArray("GET") << QStringLiteral("/admin/hnr?limit=100000") << QByteArray() << 400
        << "invalid_parameter";
    QTest::newRow("clear warnings: unknown user")
        << QByteArray("POST") << QStringLiteral("/admin/users/999999/warnings/clear")
        << QByteArray() << 404 << "not_found";
    QTest::newRow("hnr check: wrong method")
        << QByteArray("GET") << QStringLiteral("/admin/hnr/check") << QByteArray() << 405
        << "method_not_allowed";
    QTest::newRow("no token") << QByteArray("GET") << QStringLiteral("/admin/snatches/%1")
                              << QByteArray() << 401 << "unauthorized";
}

void TestSnatches::snatchRequests()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, code);
    if (path.contains(QLatin1String("%1")))
        path = path.arg(m_snatchId);
    const auto r = m_server.adminJson(method, path, body, code != QLatin1String("unauthorized"));
    QCOMPARE(r.status, status);
    QCOMPARE(r.errorCode(), code);
    const auto s =
        m_server.adminRequest("GET", QStringLiteral("/admin/snatches/%1").arg(m_snatchId));
    QCOMPARE(s.json.value(QStringLiteral("seedtime")).toInteger(), m_seedtime); // unchanged
    QVERIFY(!s.json.value(QStringLiteral("hnr")).toBool());
}

void TestSnatches::hitAndRun()
{
    // While the user seeds, the check spares the snatch.
    auto check = m_server.adminRequest("POST", QStringLiteral("/admin/hnr/check"));
    QCOMPARE(check.status, 200);
    QCOMPARE(check.json.value(QStringLiteral("candidates")).toInt(), 1);
    QCOMPARE(check.json.value(QStringLiteral("spared_seeding")).toInt(), 1);
    QCOMPARE(check.json.value(QStringLiteral("flagged")).toInt(), 0);

    // Both clients stop: a hit-and-run, one warning, which is max_warnings: no more leeching.
    QCOMPARE(announce(m_leecher, itest::counterQuery(m_torrent, "-IT0001-a", 0, 0, "stopped")),
             QByteArray());
    QCOMPARE(announce(m_leecher, itest::counterQuery(m_torrent, "-IT0001-b", 0, 0, "stopped")),
             QByteArray());
    QVERIFY(flush());
    check = m_server.adminRequest("POST", QStringLiteral("/admin/hnr/check"));
    QCOMPARE(check.json.value(QStringLiteral("flagged")).toInt(), 1);
    QCOMPARE(check.json.value(QStringLiteral("leech_disabled")).toArray(),
             QJsonArray({m_leecherId}));
    const auto hnr = m_server.adminRequest("GET", QStringLiteral("/admin/hnr"));
    QCOMPARE(hnr.json.value(QStringLiteral("total")).toInt(), 1);
    QCOMPARE(hnr.json.value(QStringLiteral("snatches"))
                 .toArray()[0]
                 .toObject()
                 .value(QStringLiteral("id")),
             QJsonValue(m_snatchId));
    auto user = m_server.adminRequest("GET", QStringLiteral("/admin/users/%1").arg(m_leecherId));
    QCOMPARE(user.json.value(QStringLiteral("hnr_warnings")).toInt(), 1);
    QVERIFY(!user.json.value(QStringLiteral("can_leech")).toBool());
    QCOMPARE(announce(m_leecher, itest::counterQuery(m_other, "-IT0001-c", 0, 100, "started")),
             QByteArray("leeching is disabled for this account; seeding is still allowed"));
    QCOMPARE(announce(m_leecher, itest::counterQuery(m_torrent, "-IT0001-a", 0, 0, "started")),
             QByteArray());
    QCOMPARE(announce(m_leecher, itest::counterQuery(m_torrent, "-IT0001-a", 0, 0, "stopped")),
             QByteArray());

    // Never twice; warnings and the flag clear; a cleared flag is not raised again.
    check = m_server.adminRequest("POST", QStringLiteral("/admin/hnr/check"));
    QCOMPARE(check.json.value(QStringLiteral("flagged")).toInt(), 0);
    user = m_server.adminRequest("POST",
                                 QStringLiteral("/admin/users/%1/warnings/clear").arg(m_leecherId));
    QCOMPARE(user.status, 200);
    QCOMPARE(user.json.value(QStringLiteral("hnr_warnings")).toInt(), 0);
    QVERIFY(!user.json.value(QStringLiteral("can_leech")).toBool()); // an admin's decision
    const auto cleared =
        m_server.adminRequest("DELETE", QStringLiteral("/admin/snatches/%1/hnr").arg(m_snatchId));
    QCOMPARE(cleared.status, 200);
    QVERIFY(!cleared.json.value(QStringLiteral("hnr")).toBool());
    QVERIFY(cleared.json.value(QStringLiteral("hnr_exempt")).toBool());
    check = m_server.adminRequest("POST", QStringLiteral("/admin/hnr/check"));
    QCOMPARE(check.json.value(QStringLiteral("candidates")).toInt(), 0);
    QCOMPARE(m_server.adminRequest("GET", QStringLiteral("/admin/hnr"))
                 .json.value(QStringLiteral("total"))
                 .toInt(),
             0);
    QCOMPARE(m_server
                 .adminRequest("PUT", QStringLiteral("/admin/users/%1/leech").arg(m_leecherId),
                               itest::jsonObject({{"can_leech", true}}))
                 .status,
             200);
    QCOMPARE(announce(m_leecher, itest::counterQuery(m_other, "-IT0001-c", 0, 100, "started")),
             QByteArray());

    // A correction of seedtime lands on top of what is pending, exactly once.
    const auto put =
        m_server.adminRequest("PUT", QStringLiteral("/admin/snatches/%1").arg(m_snatchId),
                              itest::jsonObject({{"seedtime", 7200}}));
    QCOMPARE(put.status, 200);
    QCOMPARE(put.json.value(QStringLiteral("seedtime")).toInteger(), 7200);
    QVERIFY(flush());
    QCOMPARE(m_server.adminRequest("GET", QStringLiteral("/admin/snatches/%1").arg(m_snatchId))
                 .json.value(QStringLiteral("seedtime"))
                 .toInteger(),
             7200);
}

void TestSnatches::restartKeepsSnatches()
{
    const auto before =
        m_server.adminRequest("GET", QStringLiteral("/admin/snatches/%1").arg(m_snatchId));
    QVERIFY(m_server.stop());
    QVERIFY(m_server.start({QStringLiteral("--set"), QStringLiteral("stats.flush_interval=3600")}));
    const auto after =
        m_server.adminRequest("GET", QStringLiteral("/admin/snatches/%1").arg(m_snatchId));
    QCOMPARE(after.status, 200);
    QCOMPARE(after.json, before.json);
    QCOMPARE(m_server.adminRequest("DELETE", QStringLiteral("/admin/snatches/%1").arg(m_snatchId))
                 .status,
             200);
    QCOMPARE(
        m_server.adminRequest("GET", QStringLiteral("/admin/snatches/%1").arg(m_snatchId)).status,
        404);
}

void TestSnatches::sortSnatches_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArrayList>("order"); // torrents of the sorter's snatches, by label
    QTest::newRow("default: by id") << QString() << 200 << QByteArrayList{"a", "b", "c"};
    QTest::newRow("by id, descending")
        << QStringLiteral("sort=-id") << 200 << QByteArrayList{"c", "b", "a"};
    // uploaded: a 300, b 100, c 200 (credited at completion, below)
    QTest::newRow("by uploaded") << QStringLiteral("sort=uploaded") << 200
                                 << QByteArrayList{"b", "c", "a"};
    QTest::newRow("by uploaded, descending")
        << QStringLiteral("sort=-uploaded") << 200 << QByteArrayList{"a", "c", "b"};
    QTest::newRow("by seedtime: ties by id")
        << QStringLiteral("sort=seedtime") << 200 << QByteArrayList{"a", "b", "c"};
    QTest::newRow("by completed_at, descending: ties by id, descending")
        << QStringLiteral("sort=-completed_at") << 200 << QByteArrayList{"c", "b", "a"};
    QTest::newRow("unknown key") << QStringLiteral("sort=ratio") << 400 << QByteArrayList{};
}

void TestSnatches::sortSnatches()
{
    QFETCH(QString, query);
    QFETCH(int, status);
    QFETCH(QByteArrayList, order);
    static qint64 sorter = 0;
    static QHash<QString, QByteArray> labels; // info_hash hex → label
    if (sorter == 0) {
        const QJsonObject u = m_server.createUser(QStringLiteral("sorter"));
        const QString key = u.value(QStringLiteral("passkey")).toString();
        const QList<std::pair<QByteArray, quint64>> rows{{"a", 300}, {"b", 100}, {"c", 200}};
        for (const auto &[label, uploaded] : rows) {
            const proto::InfoHash t = itest::randomInfoHash();
            QVERIFY(!m_server.createTorrent(t).isEmpty());
            QCOMPARE(announce(key, itest::counterQuery(t, "-IT0001-s", 0, 10, "started")),
                     QByteArray());
            QCOMPARE(announce(key, itest::counterQuery(t, "-IT0001-s", uploaded, 0, "completed")),
                     QByteArray());
            QVERIFY(flush()); // one commit each: completions in id order
            labels.insert(t.toHexString(), label);
        }
        sorter = u.value(QStringLiteral("id")).toInteger();
    }
    const auto r =
        m_server.adminRequest("GET", QStringLiteral("/admin/users/%1/snatches").arg(sorter) +
                                         (query.isEmpty() ? QString() : QLatin1Char('?') + query));
    QCOMPARE(r.status, status);
    if (status != 200) {
        QCOMPARE(r.errorCode(), QStringLiteral("invalid_parameter"));
        return;
    }
    QByteArrayList seen;
    for (const QJsonValue &v : r.json.value(QStringLiteral("snatches")).toArray())
        seen << labels.value(v.toObject().value(QStringLiteral("info_hash")).toString());
    QCOMPARE(seen, order);
}

void TestSnatches::cleanupTestCase()
{
    QVERIFY(m_server.stop());
}

QTEST_GUILESS_MAIN(TestSnatches)
#include "tst_snatches.moc"
