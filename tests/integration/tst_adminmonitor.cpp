// What moderators and Prometheus watch, through the real swarmkeeperd: GET /admin/stats,
// GET /admin/swarms (sorted, paged), user search by name or passkey prefix and by exact
// passkey (passkeys only for roles that may see them), ?sort= on users, and /metrics, which
// `promtool check metrics` accepts and whose counters follow announces, scrapes and refusals.
#include "shared/api/dto.h"
#include "trackerprocess.h"

#include <QDeadlineTimer>
#include <QJsonArray>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTest>
#include <QtEndian>

using namespace sk;
using itest::TrackerProcess;

class TestAdminMonitor : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void trackerStats();
    void swarms_data();
    void swarms();
    void userSearch_data();
    void userSearch();
    void userByPasskey_data();
    void userByPasskey();
    void metricsCounters();
    void metricsAccess_data();
    void metricsAccess();
    void cleanupTestCase();

private:
    QString passkeyOf(const QString &name) const { return m_passkeys.value(name); }
    // A peer of user `name` announces on `hash`; true if the tracker answered with peers.
    bool join(const QString &name, const proto::InfoHash &hash, QByteArrayView peer, bool seeder)
    {
        const auto r = m_server.announce(
            passkeyOf(name), itest::counterQuery(hash, peer, 0, seeder ? 0 : 1000, "started"));
        return r && itest::dictBytes(*r, "failure reason").isNull();
    }
    // The body of GET /metrics with this run's token.
    QByteArray metrics()
    {
        return m_server
            .adminRaw("GET", QStringLiteral("/metrics"), {},
                      {{"Authorization", "Bearer " + m_server.adminToken()}})
            .body;
    }
    // The value of one sample line (`name{labels}` exactly as exposed); -1 when missing.
    static double sampleValue(const QByteArray &exposition, const QByteArray &series)
    {
        for (const QByteArray &line : exposition.split('\n'))
            if (line.startsWith(QByteArray(series + ' ')))
                return line.mid(series.size() + 1).toDouble();
        return -1;
    }

    TrackerProcess m_server;
    QHash<QString, QString> m_passkeys; // user name -> passkey
    QHash<QString, qint64> m_userIds;
    QByteArray m_readonly; // a readonly token's secret
    QByteArray m_moderator;
    proto::InfoHash m_big, m_middle, m_small; // swarms of 3, 2 and 1 peers
};

void TestAdminMonitor::initTestCase()
{
    QVERIFY(m_server.start());
    for (const char *name : {"alice", "Bob_Builder", "bob%x", "carol"}) {
        const QJsonObject u = m_server.createUser(QLatin1String(name));
        QVERIFY(!u.isEmpty());
        m_passkeys.insert(QLatin1String(name), u.value(QStringLiteral("passkey")).toString());
        m_userIds.insert(QLatin1String(name), u.value(QStringLiteral("id")).toInteger());
    }
    for (const char *role : {"readonly", "moderator"}) {
        const auto r =
            m_server.adminRequest("POST", QStringLiteral("/admin/tokens"),
                                  QJsonObject{{QStringLiteral("name"), QLatin1String(role)},
                                              {QStringLiteral("role"), QLatin1String(role)}});
        QCOMPARE(r.status, 201);
        (qstrcmp(role, "readonly") == 0 ? m_readonly : m_moderator) =
            r.json.value(QStringLiteral("token")).toString().toLatin1();
    }
    // Sorted info_hashes, so that the tie order (by info_hash) is known.
    QList<proto::InfoHash> hashes{itest::randomInfoHash(), itest::randomInfoHash(),
                                  itest::randomInfoHash()};
    std::sort(hashes.begin(), hashes.end());
    m_big = hashes[1];
    m_middle = hashes[0];
    m_small = hashes[2];
    for (const auto &h : hashes)
        QVERIFY(!m_server.createTorrent(h).isEmpty());
    // big: 1 seeder + 2 leechers; middle: 2 seeders; small: 1 leecher. Completed stays 0.
    QVERIFY(join(QStringLiteral("alice"), m_big, "big-a", true));
    QVERIFY(join(QStringLiteral("carol"), m_big, "big-c", false));
    QVERIFY(join(QStringLiteral("Bob_Builder"), m_big, "big-b", false));
    QVERIFY(join(QStringLiteral("alice"), m_middle, "mid-a", true));
    QVERIFY(join(QStringLiteral("carol"), m_middle, "mid-c", true));
    QVERIFY(join(QStringLiteral("carol"), m_small, "small-c", false));
}

void TestAdminMonitor::trackerStats()
{
    auto r = m_server.adminRequest("GET", QStringLiteral("/admin/stats"));
    QCOMPARE(r.status, 200);
    const QJsonObject &s = r.json;
    QCOMPARE(s.value(QStringLiteral("users")).toInteger(), 4);
    QCOMPARE(s.value(QStringLiteral("torrents")).toInteger(), 3);
    QCOMPARE(s.value(QStringLiteral("swarms")).toInteger(), 3);
    QCOMPARE(s.value(QStringLiteral("peers")).toInteger(), 6);
    QCOMPARE(s.value(QStringLiteral("seeders")).toInteger(), 3);
    QCOMPARE(s.value(QStringLiteral("leechers")).toInteger(), 3);
    QVERIFY(s.value(QStringLiteral("announces")).toInteger() >= 6);
    QVERIFY(s.value(QStringLiteral("uptime")).toInteger() >= 0);
    QVERIFY(s.value(QStringLiteral("started_at")).toString().endsWith(QLatin1Char('Z')));
    QVERIFY(s.value(QStringLiteral("at")).toString().endsWith(QLatin1Char('Z')));
    QVERIFY(s.contains(QStringLiteral("flush_queue")));
    QVERIFY(s.contains(QStringLiteral("last_flush")));
    const auto dto = api::TrackerStatsDto::fromJson(s);
    QVERIFY(dto.has_value());
    QCOMPARE(dto->peers, 6u);

    // The rates cover the last whole second: announcing steadily makes them non-zero.
    QDeadlineTimer deadline(10000);
    double rate = 0;
    while (rate <= 0 && !deadline.hasExpired()) {
        QVERIFY(join(QStringLiteral("alice"), m_big, "big-a", true)); // the same peer again
        QVERIFY(m_server.scrape(passkeyOf(QStringLiteral("alice")), itest::scrapeQuery({m_big})));
        QTest::qWait(100);
        r = m_server.adminRequest("GET", QStringLiteral("/admin/stats"));
        rate = r.json.value(QStringLiteral("announces_per_second")).toDouble();
    }
    QVERIFY2(rate > 0, r.body.constData());
    QVERIFY(r.json.value(QStringLiteral("scrapes_per_second")).toDouble() > 0);
    QCOMPARE(r.json.value(QStringLiteral("peers")).toInteger(), 6); // a re-announce adds none

    // A readonly token may read it; no token may not.
    QCOMPARE(m_server.adminRequest("GET", QStringLiteral("/admin/stats"), {}, m_readonly).status,
             200);
    QCOMPARE(m_server.adminJson("GET", QStringLiteral("/admin/stats"), {}, false).status, 401);
}

void TestAdminMonitor::swarms_data()
{
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArrayList>("order"); // "big", "middle", "small"
    QTest::addColumn<int>("total");
    QTest::newRow("default: most peers first")
        << QByteArray("") << 200 << QByteArrayList{"big", "middle", "small"} << 3;
    QTest::newRow("peers ascending")
        << QByteArray("?sort=peers") << 200 << QByteArrayList{"small", "middle", "big"} << 3;
    QTest::newRow("seeders descending, ties by hash")
        << QByteArray("?sort=-seeders") << 200 << QByteArrayList{"middle", "big", "small"} << 3;
    QTest::newRow("leechers ascending, ties by hash")
        << QByteArray("?sort=leechers") << 200 << QByteArrayList{"middle", "small", "big"} << 3;
    QTest::newRow("info_hash") << QByteArray("?sort=info_hash") << 200
                               << QByteArrayList{"middle", "big", "small"} << 3;
    QTest::newRow("info_hash descending")
        << QByteArray("?sort=-info_hash") << 200 << QByteArrayList{"small", "big", "middle"} << 3;
    QTest::newRow("completed: all equal, by hash")
        << QByteArray("?sort=completed") << 200 << QByteArrayList{"middle", "big", "small"} << 3;
    QTest::newRow("second page") << QByteArray("?limit=1&offset=1") << 200
                                 << QByteArrayList{"middle"} << 3;
    QTest::newRow("past the end") << QByteArray("?offset=10") << 200 << QByteArrayList{} << 3;
    QTest::newRow("unknown sort key") << QByteArray("?sort=size") << 400 << QByteArrayList{} << 0;
    QTest::newRow("bad limit") << QByteArray("?limit=0") << 400 << QByteArrayList{} << 0;
    QTest::newRow("bad offset") << QByteArray("?offset=-1") << 400 << QByteArrayList{} << 0;
}

void TestAdminMonitor::swarms()
{
    QFETCH(QByteArray, query);
    QFETCH(int, status);
    QFETCH(QByteArrayList, order);
    QFETCH(int, total);
    const auto r =
        m_server.adminRequest("GET", QStringLiteral("/admin/swarms") + QString::fromLatin1(query));
    QCOMPARE(r.status, status);
    if (status != 200) {
        QCOMPARE(r.errorCode(), QStringLiteral("invalid_parameter"));
        return;
    }
    QCOMPARE(r.json.value(QStringLiteral("total")).toInteger(), total);
    const QJsonArray items = r.json.value(QStringLiteral("swarms")).toArray();
    QByteArrayList got;
    for (const auto &v : items) {
        const auto d = api::SwarmDto::fromJson(v.toObject());
        QVERIFY(d.has_value());
        QVERIFY(d->torrentId > 0);
        QCOMPARE(v.toObject().value(QStringLiteral("peers")).toInteger(),
                 qint64(d->seeders + d->leechers));
        got << (d->infoHash == m_big      ? QByteArray("big")
                : d->infoHash == m_middle ? QByteArray("middle")
                : d->infoHash == m_small  ? QByteArray("small")
                                          : d->infoHash.toHexString().toLatin1());
        if (d->infoHash == m_big) {
            QCOMPARE(d->seeders, 1u);
            QCOMPARE(d->leechers, 2u);
        }
    }
    QCOMPARE(got, order);
}

void TestAdminMonitor::userSearch_data()
{
    QTest::addColumn<QByteArray>("rawPath"); // "{pk:NAME:N}": the first N characters of a passkey
    QTest::addColumn<QByteArray>("role");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArrayList>("names");
    QTest::newRow("name substring, any case")
        << QByteArray("/admin/users/search?q=BOB") << QByteArray("admin") << 200
        << QByteArrayList{"Bob_Builder", "bob%x"};
    QTest::newRow("underscore is literal")
        << QByteArray("/admin/users/search?q=b_b") << QByteArray("admin") << 200
        << QByteArrayList{"Bob_Builder"};
    QTest::newRow("percent is literal") << QByteArray("/admin/users/search?q=%25")
                                        << QByteArray("admin") << 200 << QByteArrayList{"bob%x"};
    QTest::newRow("sorted by name, descending")
        << QByteArray("/admin/users/search?q=o&sort=-name") << QByteArray("admin") << 200
        << QByteArrayList{"carol", "bob%x", "Bob_Builder"};
    QTest::newRow("no match") << QByteArray("/admin/users/search?q=zed") << QByteArray("admin")
                              << 200 << QByteArrayList{};
    QTest::newRow("passkey prefix") << QByteArray("/admin/users/search?q={pk:carol:8}")
                                    << QByteArray("moderator") << 200 << QByteArrayList{"carol"};
    QTest::newRow("readonly: no passkey matching")
        << QByteArray("/admin/users/search?q={pk:carol:8}") << QByteArray("readonly") << 200
        << QByteArrayList{};
    QTest::newRow("readonly: names still match")
        << QByteArray("/admin/users/search?q=ali") << QByteArray("readonly") << 200
        << QByteArrayList{"alice"};
    QTest::newRow("empty q") << QByteArray("/admin/users/search?q=") << QByteArray("admin") << 400
                             << QByteArrayList{};
    QTest::newRow("missing q") << QByteArray("/admin/users/search") << QByteArray("admin") << 400
                               << QByteArrayList{};
    QTest::newRow("q too long") << QByteArray("/admin/users/search?q=" + QByteArray(256, 'a'))
                                << QByteArray("admin") << 400 << QByteArrayList{};
    QTest::newRow("list sorted by name")
        << QByteArray("/admin/users?sort=name") << QByteArray("admin") << 200
        << QByteArrayList{"Bob_Builder", "alice", "bob%x", "carol"};
    QTest::newRow("list sorted by id, descending")
        << QByteArray("/admin/users?sort=-id") << QByteArray("admin") << 200
        << QByteArrayList{"carol", "bob%x", "Bob_Builder", "alice"};
    QTest::newRow("list, unknown sort key") << QByteArray("/admin/users?sort=passkey")
                                            << QByteArray("admin") << 400 << QByteArrayList{};
}

void TestAdminMonitor::userSearch()
{
    QFETCH(QByteArray, rawPath);
    QFETCH(QByteArray, role);
    QFETCH(int, status);
    QFETCH(QByteArrayList, names);
    QString path = QString::fromLatin1(rawPath);
    static const QRegularExpression pk(QStringLiteral("\\{pk:([^:]+):(\\d+)\\}"));
    const auto m = pk.match(path);
    if (m.hasMatch())
        path.replace(m.capturedStart(), m.capturedLength(),
                     passkeyOf(m.captured(1)).left(m.captured(2).toInt()));
    const QByteArray token = role == "readonly"    ? m_readonly
                             : role == "moderator" ? m_moderator
                                                   : QByteArray();
    const auto r = m_server.adminRequest("GET", path, {}, token);
    QCOMPARE(r.status, status);
    if (status != 200) {
        QCOMPARE(r.errorCode(), QStringLiteral("invalid_parameter"));
        return;
    }
    QByteArrayList got;
    for (const auto &v : r.json.value(QStringLiteral("users")).toArray()) {
        got << v.toObject().value(QStringLiteral("name")).toString().toUtf8();
        QCOMPARE(v.toObject().contains(QStringLiteral("passkey")), role != "readonly");
    }
    QCOMPARE(got, names);
    QCOMPARE(r.json.value(QStringLiteral("total")).toInteger(), names.size());
}

void TestAdminMonitor::userByPasskey_data()
{
    QTest::addColumn<QByteArray>("rawPasskey"); // "{alice}": alice's passkey
    QTest::addColumn<QByteArray>("role");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("code");
    QTest::newRow("found") << QByteArray("{alice}") << QByteArray("admin") << 200 << QByteArray("");
    QTest::newRow("moderator") << QByteArray("{alice}") << QByteArray("moderator") << 200
                               << QByteArray("");
    QTest::newRow("readonly may not")
        << QByteArray("{alice}") << QByteArray("readonly") << 403 << QByteArray("forbidden");
    QTest::newRow("unknown") << QByteArray("0123456789abcdefABCDEF0123456789")
                             << QByteArray("admin") << 404 << QByteArray("not_found");
    QTest::newRow("too short") << QByteArray("0123") << QByteArray("admin") << 400
                               << QByteArray("invalid_parameter");
    QTest::newRow("bad character") << QByteArray("0123456789abcdefABCDEF012345678-")
                                   << QByteArray("admin") << 400 << QByteArray("invalid_parameter");
}

void TestAdminMonitor::userByPasskey()
{
    QFETCH(QByteArray, rawPasskey);
    QFETCH(QByteArray, role);
    QFETCH(int, status);
    QFETCH(QByteArray, code);
    const QString passkey = rawPasskey == "{alice}" ? passkeyOf(QStringLiteral("alice"))
                                                    : QString::fromLatin1(rawPasskey);
    const QByteArray token = role == "readonly"    ? m_readonly
                             : role == "moderator" ? m_moderator
                                                   : QByteArray();
    const auto r =
        m_server.adminRequest("GET", QStringLiteral("/admin/users/passkey/") + passkey, {}, token);
    QCOMPARE(r.status, status);
    QCOMPARE(r.errorCode().toLatin1(), code);
    if (status == 200) {
        QCOMPARE(r.json.value(QStringLiteral("id")).toInteger(),
                 m_userIds.value(QStringLiteral("alice")));
        QCOMPARE(r.json.value(QStringLiteral("passkey")).toString(), passkey);
    }
}

void TestAdminMonitor::metricsCounters()
{
    const QString promtool = QStandardPaths::findExecutable(QStringLiteral("promtool"));
    if (promtool.isEmpty())
        QFAIL("promtool not found: install Debian's prometheus package (scripts/deps.sh test)");
    const auto check = [&](const QByteArray &exposition) {
        QProcess p;
        p.start(promtool, {QStringLiteral("check"), QStringLiteral("metrics")});
        p.write(exposition);
        p.closeWriteChannel();
        if (!p.waitForFinished(30000))
            return QByteArray("promtool did not finish");
        return p.exitCode() == 0 ? QByteArray()
                                 : p.readAllStandardOutput() + p.readAllStandardError();
    };
    const QByteArray before = metrics();
    QVERIFY2(check(before).isEmpty(), check(before).constData());
    for (const char *family :
         {"announces_total", "scrapes_total", "errors_total", "announce_duration_seconds", "peers",
          "seeders", "leechers", "swarms", "users", "torrents", "bans", "flush_queue",
          "last_flush_age_seconds", "db_errors_total", "websocket_clients", "rate_limited_total"})
        QVERIFY2(before.contains(QByteArray("# TYPE swarmkeeper_" + QByteArray(family) + ' ')),
                 family);

    const QByteArray httpStarted =
        "swarmkeeper_announces_total{protocol=\"http\",event=\"started\"}";
    const QByteArray httpUpdate = "swarmkeeper_announces_total{protocol=\"http\",event=\"update\"}";
    const QByteArray httpScrapes = "swarmkeeper_scrapes_total{protocol=\"http\"}";
    const QByteArray unknownPasskey =
        "swarmkeeper_errors_total{protocol=\"http\",kind=\"unknown_passkey\"}";
    const QByteArray udpConnId =
        "swarmkeeper_errors_total{protocol=\"udp\",kind=\"invalid_connection_id\"}";
    const QByteArray udpMalformed =
        "swarmkeeper_errors_total{protocol=\"udp\",kind=\"malformed_packet\"}";
    const QByteArray latencyCount =
        "swarmkeeper_announce_duration_seconds_count{protocol=\"http\"}";
    const QByteArray peers = "swarmkeeper_peers";

    const auto hash = m_big;
    QVERIFY(join(QStringLiteral("alice"), hash, "metrics-a", false)); // started, a new peer
    QVERIFY(m_server.announce(passkeyOf(QStringLiteral("alice")),
                              itest::counterQuery(hash, "metrics-a", 10, 500)));
    QVERIFY(m_server.scrape(passkeyOf(QStringLiteral("alice")), itest::scrapeQuery({hash})));
    QVERIFY(m_server.scrape(passkeyOf(QStringLiteral("alice")), itest::scrapeQuery({hash})));
    const auto refused = m_server.announce(QStringLiteral("0123456789abcdefABCDEF0123456789"),
                                           itest::counterQuery(hash, "metrics-x", 0, 1, "started"));
    QVERIFY(refused && !itest::dictBytes(*refused, "failure reason").isNull());
    // UDP: an announce with a connection id never issued, and a datagram too short to parse
    // that still carries an action and transaction id.
    QByteArray announce(98, '\0');
    qToBigEndian<quint64>(0x1234567890abcdefULL, announce.data());
    qToBigEndian<quint32>(1, announce.data() + 8);
    qToBigEndian<quint32>(77, announce.data() + 12);
    QVERIFY(m_server.udpExchange(announce).has_value()); // the error packet
    QVERIFY(m_server.udpExchange(announce.first(20)).has_value());

    const QByteArray after = metrics();
    QVERIFY2(check(after).isEmpty(), check(after).constData());
    QCOMPARE(sampleValue(after, httpStarted) - sampleValue(before, httpStarted), 1.0);
    QCOMPARE(sampleValue(after, httpUpdate) - sampleValue(before, httpUpdate), 1.0);
    QCOMPARE(sampleValue(after, httpScrapes) - sampleValue(before, httpScrapes), 2.0);
    QCOMPARE(sampleValue(after, unknownPasskey) - sampleValue(before, unknownPasskey), 1.0);
    QCOMPARE(sampleValue(after, udpConnId) - sampleValue(before, udpConnId), 1.0);
    QCOMPARE(sampleValue(after, udpMalformed) - sampleValue(before, udpMalformed), 1.0);
    QCOMPARE(sampleValue(after, latencyCount) - sampleValue(before, latencyCount), 2.0);
    QCOMPARE(sampleValue(after, peers) - sampleValue(before, peers), 1.0);
    QCOMPARE(sampleValue(after, "swarmkeeper_users"), 4.0);
    QCOMPARE(sampleValue(after, "swarmkeeper_websocket_clients"), 0.0);
    // The histogram's buckets are cumulative and end at the count.
    QCOMPARE(sampleValue(after, "swarmkeeper_announce_duration_seconds_bucket{protocol=\"http\","
                                "le=\"+Inf\"}"),
             sampleValue(after, latencyCount));
}

void TestAdminMonitor::metricsAccess_data()
{
    QTest::addColumn<bool>("requireToken");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("token"); // "good", "bad" or empty
    QTest::addColumn<int>("status");
    const QByteArray get = "GET", metrics = "/metrics";
    QTest::newRow("token required, none") << true << get << metrics << QByteArray() << 401;
    QTest::newRow("token required, unknown") << true << get << metrics << QByteArray("bad") << 401;
    QTest::newRow("token required, readonly")
        << true << get << metrics << QByteArray("good") << 200;
    QTest::newRow("token required, POST")
        << true << QByteArray("POST") << metrics << QByteArray("good") << 405;
    QTest::newRow("open, none") << false << get << metrics << QByteArray() << 200;
    QTest::newRow("open, unknown token") << false << get << metrics << QByteArray("bad") << 200;
    QTest::newRow("open, admin API still closed")
        << false << get << QByteArray("/admin/stats") << QByteArray() << 401;
}

void TestAdminMonitor::metricsAccess()
{
    QFETCH(bool, requireToken);
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, token);
    QFETCH(int, status);
    TrackerProcess open;
    TrackerProcess *server = &m_server;
    if (!requireToken) {
        QVERIFY(open.start(
            {QStringLiteral("--set"), QStringLiteral("admin.metrics_require_token=false")}));
        server = &open;
    }
    QList<std::pair<QByteArray, QByteArray>> headers;
    if (token == "good")
        headers.append({QByteArray("Authorization"), "Bearer " + m_readonly});
    else if (token == "bad")
        headers.append({QByteArray("Authorization"), QByteArray("Bearer not-a-token")});
    const auto r = server->adminRaw(method, QString::fromLatin1(path), {}, headers);
    QCOMPARE(r.status, status);
    if (status == 200) {
        QVERIFY(r.body.contains("# TYPE swarmkeeper_announces_total counter"));
    } else {
        QVERIFY(!r.errorCode().isEmpty()); // the API's JSON error shape
    }
}

void TestAdminMonitor::cleanupTestCase()
{
    QVERIFY(m_server.stop());
}

QTEST_GUILESS_MAIN(TestAdminMonitor)
#include "tst_adminmonitor.moc"
