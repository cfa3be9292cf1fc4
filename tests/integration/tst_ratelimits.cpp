// Rate limiting through the real swarmkeeperd, with loopback not exempt: announces (HTTP and
// UDP share a bucket) and scrapes past their burst get a failure reason and change nothing,
// the admin API answers 429 before authentication, and /admin/ratelimits shows and resets
// an address's state.
#include "shared/protocol/udpprotocol.h"
#include "trackerprocess.h"

#include <QJsonArray>
#include <QTest>

using namespace sk;
using itest::TrackerProcess;
namespace udp = sk::proto::udp;

namespace {
const QByteArray kLimited =
    "too many requests from your address; slow down and announce again later";
} // namespace

class TestRateLimits : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void announcesAndScrapes();
    void stateAndReset();
    void adminFlood();
    void cleanupTestCase();

private:
    QByteArray httpAnnounce(const char *peer)
    {
        const auto r = m_server.announce(
            m_passkey, itest::announceQuery(m_torrent, itest::makePeerId(peer), 6881, 100));
        if (!r || !r->isDict())
            return "no reply";
        return r->find("failure reason") ? itest::dictBytes(*r, "failure reason") : "";
    }
    QByteArray udpAnnounce()
    {
        const auto conn = m_server.udpConnect();
        if (!conn)
            return "no connect";
        proto::AnnounceRequest r;
        r.infoHash = m_torrent;
        r.peerId = itest::makePeerId("udp");
        r.port = 6882;
        r.left = 100;
        r.numwant = -1;
        const auto reply = m_server.udpExchange(udp::buildAnnounceRequest(
            *conn, 7, r, udp::announceUrlData(*proto::Passkey::fromText(m_passkey))));
        if (!reply)
            return "no reply";
        if (udp::parseAnnounceReply(reply->constData(), std::size_t(reply->size()), 6))
            return "";
        const auto e = udp::parseErrorReply(reply->constData(), std::size_t(reply->size()));
        return e ? e->message : "?";
    }
    QByteArray httpScrape()
    {
        const auto r = m_server.scrape(m_passkey, itest::scrapeQuery({m_torrent}));
        if (!r || !r->isDict())
            return "no reply";
        return r->find("failure reason") ? itest::dictBytes(*r, "failure reason") : "";
    }
    int peersInSwarm()
    {
        return m_server
            .adminRequest("GET", QStringLiteral("/admin/torrents/") + m_torrent.toHexString())
            .json.value(QStringLiteral("leechers"))
            .toInt(-1);
    }

    TrackerProcess m_server;
    QString m_passkey;
    proto::InfoHash m_torrent;
};

void TestRateLimits::initTestCase()
{
    // Rates so slow that nothing refills during the test.
    QVERIFY(m_server.start({QStringLiteral("--set"), QStringLiteral("ratelimit.exempt="),
                            QStringLiteral("--set"), QStringLiteral("ratelimit.announce_burst=3"),
                            QStringLiteral("--set"), QStringLiteral("ratelimit.announce_rate=0.01"),
                            QStringLiteral("--set"), QStringLiteral("ratelimit.scrape_burst=2"),
                            QStringLiteral("--set"), QStringLiteral("ratelimit.scrape_rate=0.01"),
                            QStringLiteral("--set"), QStringLiteral("ratelimit.admin_burst=40"),
                            QStringLiteral("--set"), QStringLiteral("ratelimit.admin_rate=0.01")}));
    m_passkey = m_server.createUser().value(QStringLiteral("passkey")).toString();
    m_torrent = itest::randomInfoHash();
    QVERIFY(!m_server.createTorrent(m_torrent).isEmpty());
}

void TestRateLimits::announcesAndScrapes()
{
    QCOMPARE(httpAnnounce("a"), QByteArray());
    QCOMPARE(httpAnnounce("b"), QByteArray());
    QCOMPARE(udpAnnounce(), QByteArray()); // the same address's bucket
    QCOMPARE(httpAnnounce("c"), kLimited);
    QCOMPARE(udpAnnounce(), kLimited);
    QCOMPARE(peersInSwarm(), 3); // the refused announce added nobody
    QCOMPARE(httpScrape(), QByteArray());
    QCOMPARE(httpScrape(), QByteArray());
    QCOMPARE(httpScrape(), kLimited);
}

void TestRateLimits::stateAndReset()
{
    auto r = m_server.adminRequest("GET", QStringLiteral("/admin/ratelimits"));
    QCOMPARE(r.status, 200);
    QVERIFY(r.json.value(QStringLiteral("enabled")).toBool());
    QCOMPARE(r.json.value(QStringLiteral("exempt")).toArray().size(), 0);
    QCOMPARE(r.json.value(QStringLiteral("tracked")).toInt(), 1);
    const QJsonObject limits = r.json.value(QStringLiteral("limits")).toObject();
    QCOMPARE(limits.value(QStringLiteral("announce"))
                 .toObject()
                 .value(QStringLiteral("limited"))
                 .toInt(),
             2);
    QCOMPARE(
        limits.value(QStringLiteral("scrape")).toObject().value(QStringLiteral("burst")).toDouble(),
        2.0);

    r = m_server.adminRequest("GET", QStringLiteral("/admin/ratelimits/127.0.0.1"));
    QCOMPARE(r.status, 200);
    QVERIFY(r.json.value(QStringLiteral("tracked")).toBool());
    QVERIFY(!r.json.value(QStringLiteral("exempt")).toBool());
    QVERIFY(r.json.value(QStringLiteral("tokens"))
                .toObject()
                .value(QStringLiteral("announce"))
                .toDouble() < 1.0);
    r = m_server.adminRequest("GET", QStringLiteral("/admin/ratelimits/203.0.113.9"));
    QCOMPARE(r.status, 200);
    QVERIFY(!r.json.value(QStringLiteral("tracked")).toBool());
    QCOMPARE(r.json.value(QStringLiteral("tokens"))
                 .toObject()
                 .value(QStringLiteral("announce"))
                 .toDouble(),
             3.0);

    QCOMPARE(m_server.adminRequest("DELETE", QStringLiteral("/admin/ratelimits/127.0.0.1")).status,
             200);
    QCOMPARE(httpAnnounce("d"), QByteArray()); // a fresh bucket
    QCOMPARE(httpScrape(), QByteArray());

    for (const auto &[method, path, status] :
         {std::tuple{"DELETE", "/admin/ratelimits/203.0.113.9", 404},
          std::tuple{"GET", "/admin/ratelimits/abc", 400},
          std::tuple{"GET", "/admin/ratelimits/10.0.0.0%2F8", 400},
          std::tuple{"DELETE", "/admin/ratelimits/10.0.0.0%2F8", 400},
          std::tuple{"POST", "/admin/ratelimits", 405}}) {
        const auto e = m_server.adminRequest(method, QString::fromLatin1(path));
        QVERIFY2(e.status == status, path);
        QVERIFY(!e.errorCode().isEmpty());
    }
    QCOMPARE(
        m_server.adminRequest("GET", QStringLiteral("/admin/ratelimits"), {}, "wrong-token").status,
        401);
}

void TestRateLimits::adminFlood()
{
    int ok = 0;
    itest::AdminReply last;
    for (int i = 0; i < 60; ++i) {
        last = m_server.adminRequest("GET", QStringLiteral("/admin/version"));
        if (last.status != 200)
            break;
        ++ok;
    }
    QCOMPARE(last.status, 429);
    QCOMPARE(last.errorCode(), QStringLiteral("rate_limited"));
    QVERIFY2(ok > 0 && ok < 40, qPrintable(QString::number(ok)));
    // Before authentication: a request without a token is refused the same way.
    QCOMPARE(
        m_server.adminRequest("GET", QStringLiteral("/admin/version"), {}, "no-such-token").status,
        429);
    // The tracker ports keep their own buckets.
    QCOMPARE(httpAnnounce("e"), QByteArray());
}

void TestRateLimits::cleanupTestCase()
{
    QVERIFY(m_server.stop());
}

QTEST_GUILESS_MAIN(TestRateLimits)
#include "tst_ratelimits.moc"
