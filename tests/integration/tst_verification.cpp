// Peer connectability through the real swarmkeeperd: with verification on, the server
// connects to each announced endpoint (a listener in this test sees the connection), shows
// the answer on the torrent's peers, prefers connectable peers in replies, warns unreachable
// HTTP clients, counts it all in /admin/verification/stats and forgets it on DELETE
// /admin/verification/cache. Off by default: no connection, "connectable": null.
#include "trackerprocess.h"

#include <QJsonArray>
#include <QTcpServer>
#include <QTest>

using namespace sk;
using itest::TrackerProcess;

namespace {
// A port nothing listens on (bound once, then released).
quint16 closedPort()
{
    QTcpServer s;
    if (!s.listen(QHostAddress::LocalHost, 0))
        return 0;
    const quint16 port = s.serverPort();
    s.close();
    return port;
}
} // namespace

class TestVerification : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void probesShowPreferAndWarn();
    void cacheClearProbesAgain();
    void requests_data();
    void requests();
    void offByDefault();
    void cleanupTestCase();

private:
    std::optional<proto::bencode::Value> announce(const QString &passkey, const char *peer,
                                                  quint16 port, quint64 left,
                                                  QByteArrayView extra = "compact=1")
    {
        return m_server.announce(
            passkey, itest::announceQuery(m_torrent, itest::makePeerId(peer), port, left, extra));
    }
    // The torrent's peers by peer_id tag ("-IT0001-a..." -> its JSON object).
    QJsonObject peerByPort(TrackerProcess &server, quint16 port)
    {
        const auto reply = server.adminRequest(
            "GET",
            QStringLiteral("/admin/torrents/%1/peers").arg(QString::fromLatin1(m_torrent.toHex())));
        for (const QJsonValue &v : reply.json.value(QStringLiteral("peers")).toArray())
            if (v.toObject().value(QStringLiteral("port")).toInt() == port)
                return v.toObject();
        return {};
    }
    QJsonValue connectable(quint16 port)
    {
        return peerByPort(m_server, port).value(QStringLiteral("connectable"));
    }
    QJsonObject stats()
    {
        return m_server.adminRequest("GET", QStringLiteral("/admin/verification/stats")).json;
    }

    TrackerProcess m_server;
    QTcpServer m_listening; // the connectable seeder's port
    quint16 m_closed = 0;   // the unreachable seeder's port
    QString m_seederKey;
    QString m_leecherKey;
    proto::InfoHash m_torrent;
};

void TestVerification::initTestCase()
{
    QVERIFY(m_listening.listen(QHostAddress::LocalHost, 0));
    m_closed = closedPort();
    QVERIFY(m_closed != 0);
    QVERIFY(m_server.start({QStringLiteral("--set"), QStringLiteral("verification.enabled=true"),
                            QStringLiteral("--set"),
                            QStringLiteral("verification.connect_timeout_ms=1000")}));
    m_seederKey =
        m_server.createUser(QStringLiteral("seeder")).value(QStringLiteral("passkey")).toString();
    m_leecherKey =
        m_server.createUser(QStringLiteral("leecher")).value(QStringLiteral("passkey")).toString();
    m_torrent = itest::randomInfoHash();
    QVERIFY(!m_server.createTorrent(m_torrent).isEmpty());
}

void TestVerification::probesShowPreferAndWarn()
{
    QVERIFY(announce(m_seederKey, "good", m_listening.serverPort(), 0, "compact=1&event=started"));
    QVERIFY(announce(m_seederKey, "bad", m_closed, 0, "compact=1&event=started"));
    // The server really connected to the listening seeder.
    QVERIFY(m_listening.waitForNewConnection(10000));
    QTRY_COMPARE_WITH_TIMEOUT(connectable(m_listening.serverPort()), QJsonValue(true), 10000);
    QTRY_COMPARE_WITH_TIMEOUT(connectable(m_closed), QJsonValue(false), 10000);
    const QJsonObject good = peerByPort(m_server, m_listening.serverPort());
    QCOMPARE(good.value(QStringLiteral("ip")).toString(), QStringLiteral("127.0.0.1"));
    QCOMPARE(good.value(QStringLiteral("client")).toString(), QStringLiteral("IT0001"));
    QCOMPARE(good.value(QStringLiteral("seeder")).toBool(), true);

    // A leecher that wants one peer always gets the connectable seeder.
    const QByteArray goodPeer =
        itest::compactPeer(QHostAddress::LocalHost, m_listening.serverPort());
    const quint16 leechPort = closedPort();
    for (int i = 0; i < 12; ++i) {
        const auto reply = announce(m_leecherKey, "leech", leechPort, 100, "compact=1&numwant=1");
        QVERIFY(reply);
        QCOMPARE(itest::dictBytes(*reply, "peers"), goodPeer);
    }

    // The unreachable seeder's HTTP replies say why; the connectable one's do not.
    const auto bad = announce(m_seederKey, "bad", m_closed, 0);
    QVERIFY(bad);
    const QByteArray warning = itest::dictBytes(*bad, "warning message");
    const QByteArray expected =
        QByteArray("could not connect to your client on port ") + QByteArray::number(m_closed);
    QVERIFY2(warning.contains(expected), warning.constData());
    const auto fine = announce(m_seederKey, "good", m_listening.serverPort(), 0);
    QVERIFY(fine);
    QVERIFY(itest::dictBytes(*fine, "warning message").isNull());

    // All three endpoints (two seeders, the leecher) answered, nothing queued or under way.
    const auto settled = [this] {
        const QJsonObject st = stats();
        const QJsonObject probes = st.value(QStringLiteral("probes")).toObject();
        return probes.value(QStringLiteral("queued")).toInt() == 0 &&
               probes.value(QStringLiteral("in_flight")).toInt() == 0 &&
               st.value(QStringLiteral("cache"))
                       .toObject()
                       .value(QStringLiteral("unreachable"))
                       .toInt() == 2;
    };
    QTRY_VERIFY_WITH_TIMEOUT(settled(), 10000);
    const QJsonObject st = stats();
    QCOMPARE(st.value(QStringLiteral("enabled")).toBool(), true);
    QCOMPARE(st.value(QStringLiteral("connect_timeout_ms")).toInt(), 1000);
    const QJsonObject cache = st.value(QStringLiteral("cache")).toObject();
    const QJsonObject probes = st.value(QStringLiteral("probes")).toObject();
    QCOMPARE(cache.value(QStringLiteral("connectable")).toInt(), 1);
    // The bad seeder, and the leecher (probed at its first announce).
    QCOMPARE(cache.value(QStringLiteral("unreachable")).toInt(), 2);
    QCOMPARE(cache.value(QStringLiteral("entries")).toInt(), 3);
    QCOMPARE(probes.value(QStringLiteral("connectable")).toInt(), 1);
    QCOMPARE(probes.value(QStringLiteral("requested")).toInt(),
             cache.value(QStringLiteral("entries")).toInt());
    QCOMPARE(probes.value(QStringLiteral("dropped")).toInt(), 0);
    QVERIFY(cache.value(QStringLiteral("hits")).toInt() >= 2); // the two re-announces
}

void TestVerification::cacheClearProbesAgain()
{
    const int before = stats()
                           .value(QStringLiteral("probes"))
                           .toObject()
                           .value(QStringLiteral("requested"))
                           .toInt();
    const auto cleared =
        m_server.adminRequest("DELETE", QStringLiteral("/admin/verification/cache"));
    QCOMPARE(cleared.status, 200);
    QCOMPARE(cleared.json.value(QStringLiteral("cleared")).toInt(), 3);
    QCOMPARE(
        stats().value(QStringLiteral("cache")).toObject().value(QStringLiteral("entries")).toInt(),
        0);
    // Peers keep their answer until their endpoint is probed again, at their next announce.
    QCOMPARE(connectable(m_listening.serverPort()), QJsonValue(true));
    QVERIFY(announce(m_seederKey, "good", m_listening.serverPort(), 0));
    QVERIFY(m_listening.waitForNewConnection(10000));
    QTRY_COMPARE(stats()
                     .value(QStringLiteral("probes"))
                     .toObject()
                     .value(QStringLiteral("requested"))
                     .toInt(),
                 before + 1);
    QTRY_COMPARE(stats()
                     .value(QStringLiteral("cache"))
                     .toObject()
                     .value(QStringLiteral("connectable"))
                     .toInt(),
                 1);
}

void TestVerification::requests_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<bool>("withToken");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    const QString peers = QStringLiteral("/admin/torrents/%1/peers");
    QTest::newRow("stats without token")
        << QByteArray("GET") << QStringLiteral("/admin/verification/stats") << false << 401
        << QStringLiteral("unauthorized");
    QTest::newRow("clear without token")
        << QByteArray("DELETE") << QStringLiteral("/admin/verification/cache") << false << 401
        << QStringLiteral("unauthorized");
    QTest::newRow("peers without token")
        << QByteArray("GET") << peers.arg(1) << false << 401 << QStringLiteral("unauthorized");
    QTest::newRow("clear is DELETE only")
        << QByteArray("POST") << QStringLiteral("/admin/verification/cache") << true << 405
        << QStringLiteral("method_not_allowed");
    QTest::newRow("peers of an unknown torrent")
        << QByteArray("GET") << peers.arg(QString(40, QLatin1Char('e'))) << true << 404
        << QStringLiteral("not_found");
    QTest::newRow("peers of a bad torrent id")
        << QByteArray("GET") << peers.arg(QStringLiteral("xyz")) << true << 400
        << QStringLiteral("invalid_parameter");
    QTest::newRow("peers with a bad limit")
        << QByteArray("GET") << peers.arg(1) + QStringLiteral("?limit=0") << true << 400
        << QStringLiteral("invalid_parameter");
}

void TestVerification::requests()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(bool, withToken);
    QFETCH(int, status);
    QFETCH(QString, code);
    const auto reply = m_server.adminJson(method, path, {}, withToken);
    QCOMPARE(reply.status, status);
    QCOMPARE(reply.errorCode(), code);
}

void TestVerification::offByDefault()
{
    TrackerProcess plain;
    QVERIFY(plain.start());
    const QString key = plain.createUser().value(QStringLiteral("passkey")).toString();
    QVERIFY(!plain.createTorrent(m_torrent).isEmpty());
    QTcpServer listener;
    QVERIFY(listener.listen(QHostAddress::LocalHost, 0));
    const auto reply = plain.announce(
        key, itest::announceQuery(m_torrent, itest::makePeerId("quiet"), listener.serverPort(), 0,
                                  "compact=1&event=started"));
    QVERIFY(reply && !reply->find("failure reason"));
    // Paged like every list, the one peer shown with "connectable": null.
    const auto peers = plain.adminRequest("GET", QStringLiteral("/admin/torrents/%1/peers?limit=5")
                                                     .arg(QString::fromLatin1(m_torrent.toHex())));
    QCOMPARE(peers.status, 200);
    QCOMPARE(peers.json.value(QStringLiteral("total")).toInt(), 1);
    QCOMPARE(peers.json.value(QStringLiteral("limit")).toInt(), 5);
    const QJsonObject peer = peers.json.value(QStringLiteral("peers")).toArray().at(0).toObject();
    QVERIFY(peer.value(QStringLiteral("connectable")).isNull());
    const QJsonObject st =
        plain.adminRequest("GET", QStringLiteral("/admin/verification/stats")).json;
    QCOMPARE(st.value(QStringLiteral("enabled")).toBool(), false);
    QCOMPARE(st.value(QStringLiteral("cache")).toObject().value(QStringLiteral("entries")).toInt(),
             0);
    // Nothing connected to the announced port. (A probe, had one been queued, would have been
    // answered while the three admin requests above ran; this wait only confirms silence.)
    QVERIFY(!listener.waitForNewConnection(300));
    QVERIFY(plain.stop());
}

void TestVerification::cleanupTestCase()
{
    QVERIFY(m_server.stop());
}

QTEST_GUILESS_MAIN(TestVerification)
#include "tst_verification.moc"
