// Who may use the tracker, through the real swarmkeeperd: IP bans (addresses and ranges,
// IPv4 and IPv6, expiry) and the client whitelist refuse HTTP and UDP announces with a clear
// reason, survive a restart, and every /admin/bans and /admin/whitelist endpoint answers bad
// input with the right status.
#include "shared/protocol/udpprotocol.h"
#include "trackerprocess.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QTest>
#include <QThread>
#include <QtEndian>

using namespace sk;
using itest::TrackerProcess;
namespace udp = sk::proto::udp;

namespace {

const QByteArray kBanned = "your IP address is banned from this tracker";
const QByteArray kNotAllowed =
    "your BitTorrent client is not allowed on this tracker; see its list of allowed clients";

// One user and torrent on a server, and announces from a given client.
struct Swarm
{
    TrackerProcess *server = nullptr;
    QString passkey;
    proto::InfoHash infoHash;

    bool create(TrackerProcess &s)
    {
        server = &s;
        passkey = s.createUser().value(QStringLiteral("passkey")).toString();
        infoHash = itest::randomInfoHash();
        return !passkey.isEmpty() && !s.createTorrent(infoHash).isEmpty();
    }
    // The failure reason of an HTTP announce ("" when it succeeded, "?" when no reply).
    QByteArray httpAnnounce(QByteArrayView peerTag = "a", QByteArrayView client = "-IT0001-")
    {
        QByteArray id = client.toByteArray() + peerTag.toByteArray();
        id.append(QByteArray(20 - id.size(), '.'));
        const auto reply = server->announce(
            passkey, itest::announceQuery(infoHash, *proto::PeerId::fromBytes(id), 6881, 100));
        if (!reply || !reply->isDict())
            return "?";
        return reply->find("failure reason") ? itest::dictBytes(*reply, "failure reason") : "";
    }
    QByteArray httpScrape()
    {
        const auto reply = server->scrape(passkey, itest::scrapeQuery({infoHash}));
        if (!reply || !reply->isDict())
            return "?";
        return reply->find("failure reason") ? itest::dictBytes(*reply, "failure reason") : "";
    }
    // The UDP error message of an announce ("" when it succeeded, "?" when no reply).
    QByteArray udpAnnounce(QByteArrayView client = "-IT0001-")
    {
        const auto conn = server->udpConnect();
        if (!conn)
            return "?";
        proto::AnnounceRequest r;
        r.infoHash = infoHash;
        QByteArray id = client.toByteArray() + "udp";
        id.append(QByteArray(20 - id.size(), '.'));
        r.peerId = *proto::PeerId::fromBytes(id);
        r.port = 6882;
        r.left = 100;
        r.numwant = -1;
        const auto reply = server->udpExchange(udp::buildAnnounceRequest(
            *conn, 0x1234, r, udp::announceUrlData(*proto::Passkey::fromText(passkey))));
        if (!reply)
            return "?";
        if (udp::parseAnnounceReply(reply->constData(), std::size_t(reply->size()), 6))
            return "";
        const auto error = udp::parseErrorReply(reply->constData(), std::size_t(reply->size()));
        return error ? error->message : "?";
    }
};

QStringList bansListed(TrackerProcess &s, const QString &path = QStringLiteral("/admin/bans"))
{
    QStringList out;
    const auto r = s.adminRequest("GET", path);
    for (const QJsonValue &b : r.json.value(QStringLiteral("bans")).toArray())
        out << b.toObject().value(QStringLiteral("ip")).toString() +
                   (b.toObject().value(QStringLiteral("active")).toBool() ? QString()
                                                                          : QStringLiteral("!"));
    return out;
}

} // namespace

class TestAccessPolicy : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void banRefusesHttpAndUdp();
    void banListsAndLookups();
    void banUpdate();
    void banExpiresAtOnce();
    void banRequests_data();
    void banRequests();
    void ipv6Ban();
    void whitelist();
    void whitelistRequests_data();
    void whitelistRequests();
    void whitelistOffByConfig();
    void restartKeepsBansAndWhitelist();

private:
    TrackerProcess m_server;
    Swarm m_swarm;
};

void TestAccessPolicy::initTestCase()
{
    QVERIFY(m_server.start());
    QVERIFY(m_swarm.create(m_server));
}

// Every test starts without bans and with an empty whitelist.
void TestAccessPolicy::init()
{
    for (const QString &ip : bansListed(m_server))
        QCOMPARE(m_server
                     .adminRequest("DELETE", QStringLiteral("/admin/bans/") +
                                                 QString(ip).remove(QLatin1Char('!')))
                     .status,
                 200);
    const auto list = m_server.adminRequest("GET", QStringLiteral("/admin/whitelist"));
    for (const QJsonValue &c : list.json.value(QStringLiteral("clients")).toArray())
        QCOMPARE(
            m_server
                .adminRequest("DELETE", QStringLiteral("/admin/whitelist/") +
                                            c.toObject().value(QStringLiteral("prefix")).toString())
                .status,
            200);
    QCOMPARE(m_swarm.httpAnnounce(), QByteArray());
}

void TestAccessPolicy::banRefusesHttpAndUdp()
{
    auto r = m_server.adminRequest("POST", QStringLiteral("/admin/bans"),
                                   itest::jsonObject({{"ip", QStringLiteral("127.0.0.0/8")},
                                                      {"reason", QStringLiteral("test abuse")}}));
    QCOMPARE(r.status, 201);
    QCOMPARE(r.json.value(QStringLiteral("ip")).toString(), QStringLiteral("127.0.0.0/8"));
    QCOMPARE(r.json.value(QStringLiteral("reason")).toString(), QStringLiteral("test abuse"));
    QVERIFY(r.json.value(QStringLiteral("expires_at")).isNull());
    QVERIFY(r.json.value(QStringLiteral("active")).toBool());

    QCOMPARE(m_swarm.httpAnnounce(), kBanned);
    QCOMPARE(m_swarm.httpAnnounce("b"), kBanned);
    QCOMPARE(m_swarm.httpScrape(), kBanned);
    QCOMPARE(m_swarm.udpAnnounce(), kBanned);
    // A banned address learns nothing about passkeys.
    Swarm wrongKey = m_swarm;
    wrongKey.passkey = QString(32, QLatin1Char('Z'));
    QCOMPARE(wrongKey.httpAnnounce(), kBanned);

    QCOMPARE(m_server.adminRequest("DELETE", QStringLiteral("/admin/bans/127.0.0.0/8")).status,
             200);
    QCOMPARE(m_swarm.httpAnnounce(), QByteArray());
    QCOMPARE(m_swarm.httpScrape(), QByteArray());
    QCOMPARE(m_swarm.udpAnnounce(), QByteArray());
    QCOMPARE(wrongKey.httpAnnounce(), QByteArray("unknown passkey"));
}

void TestAccessPolicy::banListsAndLookups()
{
    for (const char *ip : {"10.0.0.0/8", "10.1.0.0/16", "198.51.100.7", "2001:db8::/32"})
        QCOMPARE(m_server
                     .adminRequest("POST", QStringLiteral("/admin/bans"),
                                   itest::jsonObject({{"ip", QString::fromLatin1(ip)}}))
                     .status,
                 201);
    QCOMPARE(bansListed(m_server),
             QStringList({QStringLiteral("10.0.0.0/8"), QStringLiteral("10.1.0.0/16"),
                          QStringLiteral("198.51.100.7"), QStringLiteral("2001:db8::/32")}));
    // Pages: stable order, total, limit and offset.
    auto page = m_server.adminRequest("GET", QStringLiteral("/admin/bans?limit=2&offset=1"));
    QCOMPARE(page.status, 200);
    QCOMPARE(page.json.value(QStringLiteral("total")).toInt(), 4);
    const QJsonArray items = page.json.value(QStringLiteral("bans")).toArray();
    QCOMPARE(items.size(), 2);
    QCOMPARE(items[0].toObject().value(QStringLiteral("ip")).toString(),
             QStringLiteral("10.1.0.0/16"));

    // By exact name (a range as two path segments or with %2F), or the ban covering an address.
    for (const auto &[path, expected] : {std::pair{"/admin/bans/10.1.0.0/16", "10.1.0.0/16"},
                                         std::pair{"/admin/bans/10.1.0.0%2F16", "10.1.0.0/16"},
                                         std::pair{"/admin/bans/10.1.2.3", "10.1.0.0/16"},
                                         std::pair{"/admin/bans/10.200.0.1", "10.0.0.0/8"},
                                         std::pair{"/admin/bans/198.51.100.7", "198.51.100.7"},
                                         std::pair{"/admin/bans/2001:db8:1::9", "2001:db8::/32"}}) {
        const auto r = m_server.adminRequest("GET", QString::fromLatin1(path));
        QVERIFY2(r.status == 200, path);
        QCOMPARE(r.json.value(QStringLiteral("ip")).toString(), QString::fromLatin1(expected));
    }
    QCOMPARE(m_server.adminRequest("GET", QStringLiteral("/admin/bans/11.0.0.1")).status, 404);
    QCOMPARE(m_server.adminRequest("GET", QStringLiteral("/admin/bans/10.0.0.0/9")).status, 404);
}

void TestAccessPolicy::banUpdate()
{
    QCOMPARE(m_server
                 .adminRequest("POST", QStringLiteral("/admin/bans"),
                               itest::jsonObject({{"ip", QStringLiteral("127.0.0.1")},
                                                  {"reason", QStringLiteral("first")},
                                                  {"duration", 3600}}))
                 .status,
             201);
    auto r = m_server.adminRequest("PUT", QStringLiteral("/admin/bans/127.0.0.1"),
                                   itest::jsonObject({{"reason", QStringLiteral("second")}}));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json.value(QStringLiteral("reason")).toString(), QStringLiteral("second"));
    QVERIFY(r.json.value(QStringLiteral("expires_at")).isString()); // kept
    r = m_server.adminRequest("PUT", QStringLiteral("/admin/bans/127.0.0.1"),
                              itest::jsonObject({{"duration", QJsonValue::Null}}));
    QCOMPARE(r.status, 200);
    QVERIFY(r.json.value(QStringLiteral("expires_at")).isNull()); // permanent now
    QCOMPARE(r.json.value(QStringLiteral("reason")).toString(), QStringLiteral("second"));
    QCOMPARE(m_swarm.httpAnnounce(), kBanned);
    // Shortened so that it is already over: it stops applying at once.
    r = m_server.adminRequest("PUT", QStringLiteral("/admin/bans/127.0.0.1"),
                              itest::jsonObject({{"duration", 1}}));
    QCOMPARE(r.status, 200);
    QTRY_COMPARE_WITH_TIMEOUT(m_swarm.httpAnnounce(), QByteArray(), 5000);
}

void TestAccessPolicy::banExpiresAtOnce()
{
    QCOMPARE(
        m_server
            .adminRequest("POST", QStringLiteral("/admin/bans"),
                          itest::jsonObject({{"ip", QStringLiteral("127.0.0.1")}, {"duration", 1}}))
            .status,
        201);
    QCOMPARE(m_server
                 .adminRequest("POST", QStringLiteral("/admin/bans"),
                               itest::jsonObject({{"ip", QStringLiteral("192.0.2.0/24")}}))
                 .status,
             201);
    QCOMPARE(m_swarm.httpAnnounce(), kBanned);
    // The expiry second passes: the next announce goes through, before any cleanup.
    QTRY_COMPARE_WITH_TIMEOUT(m_swarm.httpAnnounce(), QByteArray(), 5000);
    QCOMPARE(bansListed(m_server),
             QStringList({QStringLiteral("127.0.0.1!"), QStringLiteral("192.0.2.0/24")}));
    QCOMPARE(bansListed(m_server, QStringLiteral("/admin/bans/active")),
             QStringList({QStringLiteral("192.0.2.0/24")}));
    auto r = m_server.adminRequest("POST", QStringLiteral("/admin/bans/cleanup"));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json.value(QStringLiteral("removed")).toInt(), 1);
    QCOMPARE(bansListed(m_server), QStringList({QStringLiteral("192.0.2.0/24")}));
    r = m_server.adminRequest("POST", QStringLiteral("/admin/bans/cleanup"));
    QCOMPARE(r.json.value(QStringLiteral("removed")).toInt(), 0);
}

// Bad requests change nothing: each gets its status and error code.
void TestAccessPolicy::banRequests_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    const QString bans = QStringLiteral("/admin/bans");
    QTest::newRow("already banned")
        << QByteArray("POST") << bans << QByteArray(R"({"ip":"203.0.113.0/24"})") << 409
        << "conflict";
    QTest::newRow("host bits set")
        << QByteArray("POST") << bans << QByteArray(R"({"ip":"10.1.2.3/8"})") << 422
        << "invalid_value";
    QTest::newRow("not an address")
        << QByteArray("POST") << bans << QByteArray(R"({"ip":"example.org"})") << 422
        << "invalid_value";
    QTest::newRow("ip not a string") << QByteArray("POST") << bans
                                     << QByteArray(R"({"ip":167772160})") << 422 << "invalid_value";
    QTest::newRow("prefix too long")
        << QByteArray("POST") << bans << QByteArray(R"({"ip":"10.0.0.0/33"})") << 422
        << "invalid_value";
    QTest::newRow("missing ip") << QByteArray("POST") << bans << QByteArray(R"({"reason":"x"})")
                                << 422 << "missing_field";
    QTest::newRow("unknown field")
        << QByteArray("POST") << bans << QByteArray(R"({"ip":"10.9.9.9","why":"x"})") << 422
        << "unknown_field";
    QTest::newRow("zero duration")
        << QByteArray("POST") << bans << QByteArray(R"({"ip":"10.9.9.9","duration":0})") << 422
        << "invalid_value";
    QTest::newRow("fractional duration")
        << QByteArray("POST") << bans << QByteArray(R"({"ip":"10.9.9.9","duration":1.5})") << 422
        << "invalid_value";
    QTest::newRow("duration as text")
        << QByteArray("POST") << bans << QByteArray(R"({"ip":"10.9.9.9","duration":"60"})") << 422
        << "invalid_value";
    QTest::newRow("duration beyond 10 years")
        << QByteArray("POST") << bans << QByteArray(R"({"ip":"10.9.9.9","duration":1e10})") << 422
        << "invalid_value";
    QTest::newRow("reason not text")
        << QByteArray("POST") << bans << QByteArray(R"({"ip":"10.9.9.9","reason":5})") << 422
        << "invalid_value";
    QTest::newRow("reason too long")
        << QByteArray("POST") << bans
        << (QByteArray(R"({"ip":"10.9.9.9","reason":")") + QByteArray(1025, 'r') + "\"}") << 422
        << "invalid_value";
    QTest::newRow("not JSON") << QByteArray("POST") << bans << QByteArray("{ip:") << 400
                              << "invalid_json";
    QTest::newRow("get: not an address") << QByteArray("GET") << bans + QStringLiteral("/nonsense")
                                         << QByteArray() << 400 << "invalid_parameter";
    QTest::newRow("get: not banned") << QByteArray("GET") << bans + QStringLiteral("/10.9.9.9")
                                     << QByteArray() << 404 << "not_found";
    QTest::newRow("put: not banned") << QByteArray("PUT") << bans + QStringLiteral("/10.9.9.9")
                                     << QByteArray(R"({"reason":"x"})") << 404 << "not_found";
    QTest::newRow("put: nothing to change")
        << QByteArray("PUT") << bans + QStringLiteral("/203.0.113.0/24") << QByteArray("{}") << 422
        << "missing_field";
    QTest::newRow("put: ip cannot change")
        << QByteArray("PUT") << bans + QStringLiteral("/203.0.113.0/24")
        << QByteArray(R"({"ip":"10.0.0.1"})") << 422 << "unknown_field";
    QTest::newRow("put: host bits")
        << QByteArray("PUT") << bans + QStringLiteral("/203.0.113.1/24")
        << QByteArray(R"({"reason":"x"})") << 400 << "invalid_parameter";
    QTest::newRow("delete: not banned")
        << QByteArray("DELETE") << bans + QStringLiteral("/10.9.9.9") << QByteArray() << 404
        << "not_found";
    QTest::newRow("delete: range not banned, address inside is")
        << QByteArray("DELETE") << bans + QStringLiteral("/203.0.113.5") << QByteArray() << 404
        << "not_found";
    QTest::newRow("cleanup: wrong method") << QByteArray("PUT") << bans + QStringLiteral("/cleanup")
                                           << QByteArray() << 400 << "invalid_parameter";
    QTest::newRow("list: bad limit") << QByteArray("GET") << bans + QStringLiteral("?limit=0")
                                     << QByteArray() << 400 << "invalid_parameter";
    QTest::newRow("no token") << QByteArray("GET") << bans << QByteArray() << 401 << "unauthorized";
}

void TestAccessPolicy::banRequests()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, code);
    QCOMPARE(m_server
                 .adminRequest("POST", QStringLiteral("/admin/bans"),
                               itest::jsonObject({{"ip", QStringLiteral("203.0.113.0/24")},
                                                  {"reason", QStringLiteral("kept")}}))
                 .status,
             201);
    const auto r = m_server.adminJson(method, path, body, code != QLatin1String("unauthorized"));
    QCOMPARE(r.status, status);
    QCOMPARE(r.errorCode(), code);
    // Nothing changed.
    QCOMPARE(bansListed(m_server), QStringList({QStringLiteral("203.0.113.0/24")}));
    const auto kept = m_server.adminRequest("GET", QStringLiteral("/admin/bans/203.0.113.0/24"));
    QCOMPARE(kept.json.value(QStringLiteral("reason")).toString(), QStringLiteral("kept"));
    QVERIFY(kept.json.value(QStringLiteral("expires_at")).isNull());
}

// An IPv6 address ban on a dual-stack server: ::1 is refused, 127.0.0.1 is not.
void TestAccessPolicy::ipv6Ban()
{
    TrackerProcess server;
    server.setTrackerBind(QStringLiteral("::"));
    QVERIFY(server.start());
    Swarm swarm;
    QVERIFY(swarm.create(server));
    QCOMPARE(server
                 .adminRequest("POST", QStringLiteral("/admin/bans"),
                               itest::jsonObject({{"ip", QStringLiteral("::1")}}))
                 .status,
             201);
    const QByteArray query =
        itest::announceQuery(swarm.infoHash, itest::makePeerId("v6"), 6881, 100);
    const auto v6 = server.httpGet("/" + swarm.passkey.toLatin1() + "/announce?" + query,
                                   QHostAddress(QHostAddress::LocalHostIPv6));
    QCOMPARE(v6.status, 200);
    QVERIFY2(v6.body.contains(kBanned), v6.body.constData());
    const auto v4 = server.httpGet("/" + swarm.passkey.toLatin1() + "/announce?" + query,
                                   QHostAddress(QHostAddress::LocalHost));
    QCOMPARE(v4.status, 200);
    QVERIFY2(!v4.body.contains("failure reason"), v4.body.constData());
    QVERIFY(server.stop());
}

void TestAccessPolicy::whitelist()
{
    auto r = m_server.adminRequest("POST", QStringLiteral("/admin/whitelist"),
                                   itest::jsonObject({{"prefix", QStringLiteral("-TR")},
                                                      {"name", QStringLiteral("Transmission")}}));
    QCOMPARE(r.status, 201);
    QCOMPARE(r.json.value(QStringLiteral("prefix")).toString(), QStringLiteral("-TR"));
    QCOMPARE(r.json.value(QStringLiteral("name")).toString(), QStringLiteral("Transmission"));
    r = m_server.adminRequest("GET", QStringLiteral("/admin/whitelist"));
    QCOMPARE(r.json.value(QStringLiteral("total")).toInt(), 1);
    QVERIFY(r.json.value(QStringLiteral("enforced")).toBool());

    QCOMPARE(m_swarm.httpAnnounce("a", "-IT0001-"), kNotAllowed);
    QCOMPARE(m_swarm.udpAnnounce("-IT0001-"), kNotAllowed);
    QCOMPARE(m_swarm.httpAnnounce("a", "-TR4050-"), QByteArray());
    QCOMPARE(m_swarm.udpAnnounce("-TR4050-"), QByteArray());
    // A prefix with characters a URL escapes, removed through its escaped form.
    QCOMPARE(m_server
                 .adminRequest("POST", QStringLiteral("/admin/whitelist"),
                               itest::jsonObject({{"prefix", QStringLiteral("-I/T%")}}))
                 .status,
             201);
    QCOMPARE(m_swarm.httpAnnounce("a", "-I/T%01-"), QByteArray());
    QCOMPARE(m_server.adminRequest("DELETE", QStringLiteral("/admin/whitelist/-I%2FT%25")).status,
             200);
    QCOMPARE(m_swarm.httpAnnounce("a", "-I/T%01-"), kNotAllowed);

    QCOMPARE(m_server.adminRequest("DELETE", QStringLiteral("/admin/whitelist/-TR")).status, 200);
    r = m_server.adminRequest("GET", QStringLiteral("/admin/whitelist"));
    QCOMPARE(r.json.value(QStringLiteral("total")).toInt(), 0);
    QVERIFY(!r.json.value(QStringLiteral("enforced")).toBool()); // empty: everyone may
    QCOMPARE(m_swarm.httpAnnounce("a", "-IT0001-"), QByteArray());
}

void TestAccessPolicy::whitelistRequests_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    const QString wl = QStringLiteral("/admin/whitelist");
    QTest::newRow("already listed")
        << QByteArray("POST") << wl << QByteArray(R"({"prefix":"-qB"})") << 409 << "conflict";
    QTest::newRow("missing prefix")
        << QByteArray("POST") << wl << QByteArray(R"({"name":"x"})") << 422 << "missing_field";
    QTest::newRow("empty prefix") << QByteArray("POST") << wl << QByteArray(R"({"prefix":""})")
                                  << 422 << "invalid_value";
    QTest::newRow("prefix with a space")
        << QByteArray("POST") << wl << QByteArray(R"({"prefix":"-q B"})") << 422 << "invalid_value";
    QTest::newRow("prefix of 21 characters")
        << QByteArray("POST") << wl << QByteArray(R"({"prefix":"ABCDEFGHIJKLMNOPQRSTU"})") << 422
        << "invalid_value";
    QTest::newRow("non-ASCII prefix")
        << QByteArray("POST") << wl << QByteArray("{\"prefix\":\"-q\xc3\xa9\"}") << 422
        << "invalid_value";
    QTest::newRow("prefix not text")
        << QByteArray("POST") << wl << QByteArray(R"({"prefix":7})") << 422 << "invalid_value";
    QTest::newRow("name not text")
        << QByteArray("POST") << wl << QByteArray(R"({"prefix":"-TR","name":1})") << 422
        << "invalid_value";
    QTest::newRow("unknown field")
        << QByteArray("POST") << wl << QByteArray(R"({"prefix":"-TR","version":1})") << 422
        << "unknown_field";
    QTest::newRow("not JSON") << QByteArray("POST") << wl << QByteArray("[") << 400
                              << "invalid_json";
    QTest::newRow("delete: not listed") << QByteArray("DELETE") << wl + QStringLiteral("/-TR")
                                        << QByteArray() << 404 << "not_found";
    QTest::newRow("delete: invalid prefix")
        << QByteArray("DELETE") << wl + QStringLiteral("/-q%20B") << QByteArray() << 400
        << "invalid_parameter";
    QTest::newRow("wrong method") << QByteArray("PUT") << wl << QByteArray() << 405
                                  << "method_not_allowed";
    QTest::newRow("no token") << QByteArray("POST") << wl << QByteArray(R"({"prefix":"-TR"})")
                              << 401 << "unauthorized";
}

void TestAccessPolicy::whitelistRequests()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, code);
    QCOMPARE(m_server
                 .adminRequest("POST", QStringLiteral("/admin/whitelist"),
                               itest::jsonObject({{"prefix", QStringLiteral("-qB")}}))
                 .status,
             201);
    const auto r = m_server.adminJson(method, path, body, code != QLatin1String("unauthorized"));
    QCOMPARE(r.status, status);
    QCOMPARE(r.errorCode(), code);
    const auto list = m_server.adminRequest("GET", QStringLiteral("/admin/whitelist"));
    QCOMPARE(list.json.value(QStringLiteral("total")).toInt(), 1); // nothing changed
}

void TestAccessPolicy::whitelistOffByConfig()
{
    TrackerProcess server;
    QVERIFY(
        server.start({QStringLiteral("--set"), QStringLiteral("policy.client_whitelist=false")}));
    Swarm swarm;
    QVERIFY(swarm.create(server));
    QCOMPARE(server
                 .adminRequest("POST", QStringLiteral("/admin/whitelist"),
                               itest::jsonObject({{"prefix", QStringLiteral("-TR")}}))
                 .status,
             201);
    QVERIFY(!server.adminRequest("GET", QStringLiteral("/admin/whitelist"))
                 .json.value(QStringLiteral("enforced"))
                 .toBool());
    QCOMPARE(swarm.httpAnnounce("a", "-IT0001-"), QByteArray());
    QVERIFY(server.stop());
}

void TestAccessPolicy::restartKeepsBansAndWhitelist()
{
    TrackerProcess server;
    QVERIFY(server.start());
    Swarm swarm;
    QVERIFY(swarm.create(server));
    QCOMPARE(
        server
            .adminRequest("POST", QStringLiteral("/admin/bans"),
                          itest::jsonObject({{"ip", QStringLiteral("127.0.0.1")},
                                             {"reason", QStringLiteral("kept across restarts")},
                                             {"duration", 86400}}))
            .status,
        201);
    QCOMPARE(server
                 .adminRequest("POST", QStringLiteral("/admin/bans"),
                               itest::jsonObject({{"ip", QStringLiteral("2001:db8::/48")}}))
                 .status,
             201);
    QCOMPARE(server
                 .adminRequest("POST", QStringLiteral("/admin/whitelist"),
                               itest::jsonObject({{"prefix", QStringLiteral("-TR")},
                                                  {"name", QStringLiteral("Transmission")}}))
                 .status,
             201);
    const auto before = server.adminRequest("GET", QStringLiteral("/admin/bans"));
    QVERIFY(server.stop());
    QVERIFY(server.start());
    const auto after = server.adminRequest("GET", QStringLiteral("/admin/bans"));
    QCOMPARE(after.json, before.json);
    QCOMPARE(swarm.httpAnnounce("a", "-TR4050-"), kBanned);
    QCOMPARE(server.adminRequest("DELETE", QStringLiteral("/admin/bans/127.0.0.1")).status, 200);
    QCOMPARE(swarm.httpAnnounce("a", "-IT0001-"), kNotAllowed);
    QCOMPARE(swarm.httpAnnounce("a", "-TR4050-"), QByteArray());
    const auto wl = server.adminRequest("GET", QStringLiteral("/admin/whitelist"));
    QCOMPARE(wl.json.value(QStringLiteral("clients"))
                 .toArray()
                 .first()
                 .toObject()
                 .value(QStringLiteral("name")),
             QStringLiteral("Transmission"));
    QVERIFY(server.stop());
}

QTEST_GUILESS_MAIN(TestAccessPolicy)
#include "tst_accesspolicy.moc"
