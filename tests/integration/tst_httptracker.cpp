// Integration tests for the HTTP tracker port of a running swarmkeeperd: announces and scrapes
// between two users, every malformed-request refusal, and the HTTP/1.1 connection handling.
#include "trackerprocess.h"

#include <QElapsedTimer>
#include <QSet>
#include <QTcpServer>
#include <QTest>

using namespace sk;
using namespace sk::itest;
using namespace Qt::Literals::StringLiterals;
using proto::bencode::Value;

namespace {

// What the server is configured to tell clients (defaults: 1800 s with up to 10 % jitter
// taken off, min interval 900 s).
constexpr qint64 kIntervalMax = 1800;
constexpr qint64 kIntervalMin = 1800 - 180;
constexpr qint64 kMinInterval = 900;

// "" when `r` is a successful announce reply with sane intervals, else what is wrong.
QByteArray announceProblem(const std::optional<Value> &r)
{
    if (!r)
        return "no reply, not HTTP 200 or not bencode";
    if (!r->isDict())
        return "reply is not a dictionary";
    if (r->find("failure reason"))
        return "failure: " + dictBytes(*r, "failure reason");
    const qint64 interval = dictInt(*r, "interval");
    if (interval < kIntervalMin || interval > kIntervalMax)
        return "interval out of range: " + QByteArray::number(interval);
    if (dictInt(*r, "min interval") != kMinInterval)
        return "bad min interval";
    for (const char *key : {"complete", "incomplete", "downloaded"})
        if (dictInt(*r, key) < 0)
            return QByteArray("missing ") + key;
    const Value *peers = r->find("peers");
    if (!peers || !(peers->isString() || peers->isList()))
        return "missing peers";
    return {};
}

// The entries of a compact peer string as a set; empty set with `ok` false if the string is
// not a whole number of entries or repeats one.
QSet<QByteArray> peerSet(const QByteArray &compact, int stride, bool *ok = nullptr)
{
    QSet<QByteArray> set;
    bool good = compact.size() % stride == 0;
    for (qsizetype i = 0; good && i < compact.size(); i += stride)
        set.insert(compact.mid(i, stride));
    good = good && set.size() * stride == compact.size();
    if (ok)
        *ok = good;
    return good ? set : QSet<QByteArray>();
}

const QHostAddress localV4(QHostAddress::LocalHost);
const QHostAddress localV6(QHostAddress::LocalHostIPv6);

bool canBindIpv6Loopback()
{
    QTcpServer probe;
    return probe.listen(localV6, 0);
}

// A request with exactly these header lines (each without line ending).
QByteArray request(const QByteArray &requestLine, const QByteArrayList &headers = {"Host: t"})
{
    QByteArray r = requestLine + "\r\n";
    for (const QByteArray &h : headers)
        r += h + "\r\n";
    return r + "\r\n";
}

} // namespace

class TestHttpTracker : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void peersOfOtherUsers();
    void scrapeCounts();
    void stoppedRemovesPeer();
    void nonCompactPeers_data();
    void nonCompactPeers();
    void numwant_data();
    void numwant();
    void numwantCappedByServer();
    void claimedIp_data();
    void claimedIp();

    void malformed_data();
    void malformed();

    void pipelinedKeepAlive();
    void longPipeline_data();
    void longPipeline();
    void pipelineThenError();
    void splitRequest();
    void connectionLimit();
    void connectionPersistence_data();
    void connectionPersistence();
    void badHttp_data();
    void badHttp();
    void headRequest();
    void idleTimeout();

    void ipv6Loopback();
    void dualStack();

private:
    // A new torrent registered through the admin API.
    bool registerTorrent(proto::InfoHash &out, TrackerProcess *server = nullptr);
    QByteArray announceTarget(const QString &passkey, const proto::InfoHash &ih,
                              QByteArrayView extra = {}) const;

    TrackerProcess m_server;
    QString m_a; // passkeys of the two users
    QString m_b;
    proto::InfoHash m_torrent; // registered, for the malformed rows
};

void TestHttpTracker::initTestCase()
{
    QVERIFY2(m_server.start(), m_server.standardError().constData());
    m_a = m_server.createUser(u"alice"_s).value(u"passkey"_s).toString();
    m_b = m_server.createUser(u"bob"_s).value(u"passkey"_s).toString();
    QCOMPARE(m_a.size(), 32);
    QCOMPARE(m_b.size(), 32);
    QVERIFY(registerTorrent(m_torrent));
}

void TestHttpTracker::cleanupTestCase()
{
    QVERIFY(m_server.stop());
}

bool TestHttpTracker::registerTorrent(proto::InfoHash &out, TrackerProcess *server)
{
    out = randomInfoHash();
    return !(server ? server : &m_server)->createTorrent(out).isEmpty();
}

QByteArray TestHttpTracker::announceTarget(const QString &passkey, const proto::InfoHash &ih,
                                           QByteArrayView extra) const
{
    return '/' + passkey.toLatin1() + "/announce?" +
           announceQuery(ih, makePeerId("target"), 6881, 100, extra);
}

// ---- swarm behaviour

void TestHttpTracker::peersOfOtherUsers()
{
    proto::InfoHash ih;
    QVERIFY(registerTorrent(ih));
    const proto::PeerId leecher = makePeerId("leecher");
    const proto::PeerId seeder = makePeerId("seeder");

    // Alone in the swarm: the leecher is counted but gets no peers (never itself).
    auto r = m_server.announce(m_a, announceQuery(ih, leecher, 40001, 1000, "event=started"));
    QVERIFY2(announceProblem(r).isEmpty(), announceProblem(r).constData());
    QCOMPARE(dictInt(*r, "complete"), 0);
    QCOMPARE(dictInt(*r, "incomplete"), 1);
    QCOMPARE(dictInt(*r, "downloaded"), 0);
    QCOMPARE(dictBytes(*r, "peers"), QByteArray());
    QVERIFY(!r->find("peers6"));

    // The seeder of the other user sees the leecher: exactly 127.0.0.1:40001.
    r = m_server.announce(m_b, announceQuery(ih, seeder, 40002, 0, "event=started"));
    QVERIFY2(announceProblem(r).isEmpty(), announceProblem(r).constData());
    QCOMPARE(dictInt(*r, "complete"), 1);
    QCOMPARE(dictInt(*r, "incomplete"), 1);
    QCOMPARE(dictBytes(*r, "peers"), QByteArray("\x7f\x00\x00\x01\x9c\x41", 6));

    // And the other way round; a re-announce does not count the leecher twice.
    r = m_server.announce(m_a, announceQuery(ih, leecher, 40001, 900));
    QVERIFY2(announceProblem(r).isEmpty(), announceProblem(r).constData());
    QCOMPARE(dictInt(*r, "complete"), 1);
    QCOMPARE(dictInt(*r, "incomplete"), 1);
    QCOMPARE(dictBytes(*r, "peers"), QByteArray("\x7f\x00\x00\x01\x9c\x42", 6));

    // A second peer of the same user sees the other user's seeder but not its sibling.
    r = m_server.announce(m_a, announceQuery(ih, makePeerId("leecher2"), 40003, 1000));
    QVERIFY2(announceProblem(r).isEmpty(), announceProblem(r).constData());
    QCOMPARE(dictInt(*r, "incomplete"), 2);
    QCOMPARE(dictBytes(*r, "peers"), compactPeer(localV4, 40002));

    // The seeder now sees both of them.
    r = m_server.announce(m_b, announceQuery(ih, seeder, 40002, 0));
    QVERIFY2(announceProblem(r).isEmpty(), announceProblem(r).constData());
    bool ok = false;
    QCOMPARE(peerSet(dictBytes(*r, "peers"), 6, &ok),
             (QSet<QByteArray>{compactPeer(localV4, 40001), compactPeer(localV4, 40003)}));
    QVERIFY(ok);
}

void TestHttpTracker::scrapeCounts()
{
    proto::InfoHash ih;
    QVERIFY(registerTorrent(ih));
    const proto::InfoHash unregistered = randomInfoHash();
    const proto::PeerId leecher = makePeerId("s-leecher");

    auto r = m_server.announce(m_a, announceQuery(ih, leecher, 40011, 500, "event=started"));
    QVERIFY2(announceProblem(r).isEmpty(), announceProblem(r).constData());
    r = m_server.announce(m_b,
                          announceQuery(ih, makePeerId("s-seeder"), 40012, 0, "event=started"));
    QVERIFY2(announceProblem(r).isEmpty(), announceProblem(r).constData());

    auto scrapeEntry = [&](const proto::InfoHash &hash, const QString &passkey) -> Value {
        const auto s = m_server.scrape(passkey, scrapeQuery({hash, unregistered}));
        if (!s)
            return Value();
        const Value *files = s->find("files");
        const Value *entry = files ? files->find(hash.view()) : nullptr;
        // Both requested hashes are in the reply, the unregistered one with zeros.
        const Value *other = files ? files->find(unregistered.view()) : nullptr;
        if (!entry || !other || files->dict().size() != 2 || dictInt(*other, "complete") != 0 ||
            dictInt(*other, "incomplete") != 0 || dictInt(*other, "downloaded") != 0)
            return Value();
        return *entry;
    };
    Value e = scrapeEntry(ih, m_a);
    QVERIFY(e.isDict());
    QCOMPARE(dictInt(e, "complete"), 1);
    QCOMPARE(dictInt(e, "incomplete"), 1);
    QCOMPARE(dictInt(e, "downloaded"), 0);

    // The leecher finishes: it becomes a seeder and the torrent counts one download.
    r = m_server.announce(m_a, announceQuery(ih, leecher, 40011, 0, "event=completed"));
    QVERIFY2(announceProblem(r).isEmpty(), announceProblem(r).constData());
    QCOMPARE(dictInt(*r, "complete"), 2);
    QCOMPARE(dictInt(*r, "incomplete"), 0);
    QCOMPARE(dictInt(*r, "downloaded"), 1);
    e = scrapeEntry(ih, m_b);
    QVERIFY(e.isDict());
    QCOMPARE(dictInt(e, "complete"), 2);
    QCOMPARE(dictInt(e, "incomplete"), 0);
    QCOMPARE(dictInt(e, "downloaded"), 1);

    // The admin API reads the same swarm.
    const AdminReply t = m_server.adminRequest("GET", u"/admin/torrents/"_s + ih.toHexString());
    QCOMPARE(t.json.value(u"seeders"_s).toInteger(), 2);
    QCOMPARE(t.json.value(u"leechers"_s).toInteger(), 0);
    QCOMPARE(t.json.value(u"completed"_s).toInteger(), 1);

    // 64 hashes is the bound and still answered in full (65 is in the malformed table).
    QList<proto::InfoHash> many{ih};
    while (many.size() < 64)
        many << randomInfoHash();
    const auto big = m_server.scrape(m_a, scrapeQuery(many));
    QVERIFY(big);
    QVERIFY(!big->find("failure reason"));
    QCOMPARE(big->find("files")->dict().size(), std::size_t(64));
    QCOMPARE(dictInt(*big->find("files")->find(ih.view()), "complete"), 2);

    // A hash asked for twice is answered once: a bencoded dictionary has unique keys (the
    // strict decoder would refuse the reply otherwise).
    const auto twice = m_server.scrape(m_a, scrapeQuery({ih, ih}));
    QVERIFY(twice);
    QCOMPARE(twice->find("files")->dict().size(), std::size_t(1));
    QCOMPARE(dictInt(*twice->find("files")->find(ih.view()), "downloaded"), 1);
}

void TestHttpTracker::stoppedRemovesPeer()
{
    proto::InfoHash ih;
    QVERIFY(registerTorrent(ih));
    const proto::PeerId seeder = makePeerId("st-seeder");
    auto r = m_server.announce(m_b, announceQuery(ih, seeder, 40022, 0, "event=started"));
    QVERIFY2(announceProblem(r).isEmpty(), announceProblem(r).constData());
    r = m_server.announce(m_a, announceQuery(ih, makePeerId("st-leech"), 40021, 10));
    QVERIFY2(announceProblem(r).isEmpty(), announceProblem(r).constData());
    QCOMPARE(dictBytes(*r, "peers"), compactPeer(localV4, 40022));

    // A stopping client may send port 0: it may already have closed its listen socket.
    r = m_server.announce(m_b, announceQuery(ih, seeder, 0, 0, "event=stopped"));
    QVERIFY2(announceProblem(r).isEmpty(), announceProblem(r).constData());
    QCOMPARE(dictBytes(*r, "peers"), QByteArray()); // a leaving peer needs no peers
    QCOMPARE(dictInt(*r, "complete"), 0);
    QCOMPARE(dictInt(*r, "incomplete"), 1);

    r = m_server.announce(m_a, announceQuery(ih, makePeerId("st-leech"), 40021, 10));
    QVERIFY2(announceProblem(r).isEmpty(), announceProblem(r).constData());
    QCOMPARE(dictBytes(*r, "peers"), QByteArray());
    QCOMPARE(dictInt(*r, "complete"), 0);
    QCOMPARE(dictInt(*r, "incomplete"), 1);

    const auto s = m_server.scrape(m_a, scrapeQuery({ih}));
    QVERIFY(s);
    const Value *entry = s->find("files") ? s->find("files")->find(ih.view()) : nullptr;
    QVERIFY(entry);
    QCOMPARE(dictInt(*entry, "complete"), 0);
    QCOMPARE(dictInt(*entry, "incomplete"), 1);
}

void TestHttpTracker::nonCompactPeers_data()
{
    QTest::addColumn<QByteArray>("extra");
    QTest::addColumn<bool>("withPeerId");
    QTest::newRow("compact=0") << QByteArray("compact=0") << true;
    QTest::newRow("compact=0, no_peer_id=0") << QByteArray("compact=0&no_peer_id=0") << true;
    QTest::newRow("compact=0, no_peer_id=1") << QByteArray("compact=0&no_peer_id=1") << false;
}

void TestHttpTracker::nonCompactPeers()
{
    QFETCH(QByteArray, extra);
    QFETCH(bool, withPeerId);

    proto::InfoHash ih;
    QVERIFY(registerTorrent(ih));
    // A binary peer_id, to see it come back byte for byte.
    const proto::PeerId seeder =
        *proto::PeerId::fromBytes(QByteArray("-XX0001-\x00\xff\x10\x80 &=%+?\x7f\x01", 20));
    auto r = m_server.announce(m_b, announceQuery(ih, seeder, 40032, 0));
    QVERIFY2(announceProblem(r).isEmpty(), announceProblem(r).constData());

    r = m_server.announce(m_a, announceQuery(ih, makePeerId("nc-leech"), 40031, 10, extra));
    QVERIFY2(announceProblem(r).isEmpty(), announceProblem(r).constData());
    const Value *peers = r->find("peers");
    QVERIFY(peers->isList());
    QCOMPARE(peers->list().size(), std::size_t(1));
    const Value &p = peers->list().front();
    QVERIFY(p.isDict());
    QCOMPARE(dictBytes(p, "ip"), QByteArray("127.0.0.1"));
    QCOMPARE(dictInt(p, "port"), 40032);
    if (withPeerId) {
        QCOMPARE(dictBytes(p, "peer id"), seeder.toByteArray());
        QCOMPARE(p.dict().size(), std::size_t(3));
    } else {
        QVERIFY(!p.find("peer id"));
        QCOMPARE(p.dict().size(), std::size_t(2));
    }
}

void TestHttpTracker::numwant_data()
{
    QTest::addColumn<QByteArray>("extra");
    QTest::addColumn<int>("expected"); // of the 5 seeders in the swarm
    QTest::newRow("default") << QByteArray() << 5;
    QTest::newRow("numwant=-1 (default)") << QByteArray("numwant=-1") << 5;
    QTest::newRow("numwant=0") << QByteArray("numwant=0") << 0;
    QTest::newRow("numwant=1") << QByteArray("numwant=1") << 1;
    QTest::newRow("numwant=2") << QByteArray("numwant=2") << 2;
    QTest::newRow("numwant=5") << QByteArray("numwant=5") << 5;
    QTest::newRow("numwant=1000") << QByteArray("numwant=1000") << 5;
    QTest::newRow("numwant=99999999999") << QByteArray("numwant=99999999999") << 5;
}

void TestHttpTracker::numwant()
{
    QFETCH(QByteArray, extra);
    QFETCH(int, expected);

    proto::InfoHash ih;
    QVERIFY(registerTorrent(ih));
    QSet<QByteArray> seeders;
    for (int i = 0; i < 5; ++i) {
        const quint16 port = static_cast<quint16>(40100 + i);
        const auto r = m_server.announce(
            m_b, announceQuery(ih, makePeerId(QByteArray("nw-" + QByteArray::number(i))), port, 0));
        QVERIFY2(announceProblem(r).isEmpty(), announceProblem(r).constData());
        seeders.insert(compactPeer(localV4, port));
    }
    const auto r =
        m_server.announce(m_a, announceQuery(ih, makePeerId("nw-leech"), 40099, 1, extra));
    QVERIFY2(announceProblem(r).isEmpty(), announceProblem(r).constData());
    QCOMPARE(dictInt(*r, "complete"), 5);
    bool ok = false;
    const QSet<QByteArray> got = peerSet(dictBytes(*r, "peers"), 6, &ok);
    QVERIFY(ok);
    QCOMPARE(got.size(), expected);
    QVERIFY(seeders.contains(got));
}

void TestHttpTracker::numwantCappedByServer()
{
    TrackerProcess server;
    QVERIFY2(server.start({u"--set"_s, u"tracker.max_numwant=3"_s, u"--set"_s,
                           u"tracker.default_numwant=2"_s}),
             server.standardError().constData());
    const QString a = server.createUser(u"a"_s).value(u"passkey"_s).toString();
    const QString b = server.createUser(u"b"_s).value(u"passkey"_s).toString();
    proto::InfoHash ih;
    QVERIFY(registerTorrent(ih, &server));
    for (int i = 0; i < 6; ++i) {
        const auto r = server.announce(
            b, announceQuery(ih, makePeerId(QByteArray("cap-" + QByteArray::number(i))),
                             static_cast<quint16>(40200 + i), 0));
        QVERIFY2(announceProblem(r).isEmpty(), announceProblem(r).constData());
    }
    const QList<std::pair<QByteArray, int>> cases{
        {"", 2}, {"numwant=1", 1}, {"numwant=3", 3}, {"numwant=4", 3}, {"numwant=200", 3}};
    for (const auto &[extra, expected] : cases) {
        const auto r =
            server.announce(a, announceQuery(ih, makePeerId("cap-leech"), 40299, 1, extra));
        QVERIFY2(announceProblem(r).isEmpty(), announceProblem(r).constData());
        QCOMPARE(dictBytes(*r, "peers").size(), 6 * expected);
    }
    QVERIFY(server.stop());
}

void TestHttpTracker::claimedIp_data()
{
    QTest::addColumn<bool>("trust");
    QTest::addColumn<QByteArray>("extra");
    QTest::addColumn<QByteArray>("expected"); // the announcer's compact address as others see it

    const QByteArray local("\x7f\x00\x00\x01", 4);
    QTest::newRow("ip= ignored by default") << false << QByteArray("ip=10.1.2.3") << local;
    QTest::newRow("ipv4= ignored by default") << false << QByteArray("ipv4=10.1.2.3") << local;
    QTest::newRow("ip= trusted") << true << QByteArray("ip=10.1.2.3")
                                 << QByteArray("\x0a\x01\x02\x03", 4);
    QTest::newRow("ipv4= with a port, trusted")
        << true << QByteArray("ipv4=10.1.2.4:999") << QByteArray("\x0a\x01\x02\x04", 4);
    QTest::newRow("unparsable ip= falls back to the source")
        << true << QByteArray("ip=not-an-ip") << local;
}

void TestHttpTracker::claimedIp()
{
    QFETCH(bool, trust);
    QFETCH(QByteArray, extra);
    QFETCH(QByteArray, expected);

    TrackerProcess own;
    TrackerProcess *server = &m_server;
    QString a = m_a;
    QString b = m_b;
    if (trust) {
        QVERIFY(own.start({u"--set"_s, u"tracker.trust_client_ip=true"_s}));
        server = &own;
        a = own.createUser(u"a"_s).value(u"passkey"_s).toString();
        b = own.createUser(u"b"_s).value(u"passkey"_s).toString();
    }
    proto::InfoHash ih;
    QVERIFY(registerTorrent(ih, server));
    auto r = server->announce(a, announceQuery(ih, makePeerId("claims"), 40801, 5, extra));
    QVERIFY2(announceProblem(r).isEmpty(), announceProblem(r).constData());
    r = server->announce(b, announceQuery(ih, makePeerId("sees"), 40802, 0));
    QVERIFY2(announceProblem(r).isEmpty(), announceProblem(r).constData());
    QCOMPARE(dictBytes(*r, "peers"), QByteArray(expected + "\x9f\x61"));
}

// ---- refusals

void TestHttpTracker::malformed_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("reason");

    const QByteArray a = m_a.toLatin1();
    const QByteArray ih = percentEncode(m_torrent.view());
    const QByteArray pid = percentEncode(makePeerId("bad").view());
    const QByteArray rest = "&peer_id=" + pid + "&port=6881&uploaded=0&downloaded=0&left=1";
    const QByteArray good = "info_hash=" + ih + rest;
    auto announce = [&](const QByteArray &query) -> QByteArray {
        return '/' + a + "/announce?" + query;
    };
    auto scrape = [&](const QByteArray &query) -> QByteArray {
        return '/' + a + "/scrape?" + query;
    };
    auto without = [&](const QByteArray &param) {
        QByteArrayList parts = good.split('&');
        parts.removeIf([&](const QByteArray &p) { return p.startsWith(QByteArray(param + '=')); });
        return parts.join('&');
    };
    auto replaced = [&](const QByteArray &param, const QByteArray &value) -> QByteArray {
        return without(param) + '&' + param + '=' + value;
    };

    const QByteArray malformedQuery = "malformed request: invalid query string";
    const QByteArray invalidHash = "invalid info_hash: must be exactly 20 bytes";

    // passkey and path
    QTest::newRow("unknown passkey")
        << QByteArray("/0123456789abcdefghijABCDEFGHIJ01/announce?" + good) << 200
        << QByteArray("unknown passkey");
    QTest::newRow("passkey of 31 characters") << QByteArray('/' + a.left(31) + "/announce?" + good)
                                              << 200 << QByteArray("malformed passkey");
    QTest::newRow("passkey of 33 characters")
        << QByteArray('/' + a + "x/announce?" + good) << 200 << QByteArray("malformed passkey");
    QTest::newRow("passkey with a dash") << QByteArray('/' + a.left(31) + "-/announce?" + good)
                                         << 200 << QByteArray("malformed passkey");
    QTest::newRow("empty passkey")
        << QByteArray("//announce?" + good) << 200 << QByteArray("malformed passkey");
    QTest::newRow("no passkey: /announce")
        << QByteArray("/announce?" + good) << 200
        << QByteArray("missing passkey: use /<passkey>/announce");
    QTest::newRow("unknown endpoint")
        << QByteArray('/' + a + "/info?" + good) << 404
        << QByteArray("unknown path: use /<passkey>/announce or /<passkey>/scrape");
    QTest::newRow("nested path") << QByteArray("/x/" + a + "/announce?" + good) << 404
                                 << QByteArray("unknown path: use /<passkey>/announce or "
                                               "/<passkey>/scrape");
    QTest::newRow("root") << QByteArray("/") << 404
                          << QByteArray(
                                 "unknown path: use /<passkey>/announce or /<passkey>/scrape");

    // announce parameters
    QTest::newRow("unregistered torrent")
        << announce("info_hash=" + percentEncode(randomInfoHash().view()) + rest) << 200
        << QByteArray("torrent not registered with this tracker");
    QTest::newRow("info_hash of 19 bytes")
        << announce("info_hash=" + percentEncode(m_torrent.view().first(19)) + rest) << 200
        << invalidHash;
    QTest::newRow("info_hash of 21 bytes")
        << announce("info_hash=" + ih + "%00" + rest) << 200 << invalidHash;
    QTest::newRow("info_hash as 40 hex digits")
        << announce("info_hash=" + m_torrent.toHex() + rest) << 200 << invalidHash;
    QTest::newRow("missing info_hash")
        << announce(without("info_hash")) << 200 << QByteArray("missing info_hash");
    QTest::newRow("peer_id of 19 bytes") << announce(replaced("peer_id", pid.left(57))) << 200
                                         << QByteArray("invalid peer_id: must be exactly 20 bytes");
    QTest::newRow("missing peer_id")
        << announce(without("peer_id")) << 200 << QByteArray("missing peer_id");
    QTest::newRow("bad escape %G0") << announce(good + "&x=%G0") << 200 << malformedQuery;
    QTest::newRow("escape cut short at the end")
        << announce(good + "&x=%4") << 200 << malformedQuery;
    QTest::newRow("bad escape in info_hash")
        << announce("info_hash=" + ih.left(57) + "%Z" + rest) << 200 << malformedQuery;
    QTest::newRow("empty key") << announce(good + "&=1") << 200 << malformedQuery;
    QTest::newRow("missing port") << announce(without("port")) << 200 << QByteArray("missing port");
    QTest::newRow("port 0 without stopped")
        << announce(replaced("port", "0")) << 200 << QByteArray("invalid port");
    QTest::newRow("port 0 with completed") << announce(replaced("port", "0") + "&event=completed")
                                           << 200 << QByteArray("invalid port");
    QTest::newRow("port 65536") << announce(replaced("port", "65536")) << 200
                                << QByteArray("invalid port");
    QTest::newRow("port -1") << announce(replaced("port", "-1")) << 200
                             << QByteArray("invalid port");
    QTest::newRow("port abc") << announce(replaced("port", "abc")) << 200
                              << QByteArray("invalid port");
    QTest::newRow("missing left") << announce(without("left")) << 200 << QByteArray("missing left");
    QTest::newRow("negative uploaded")
        << announce(replaced("uploaded", "-5")) << 200 << QByteArray("invalid uploaded");
    QTest::newRow("downloaded beyond 64 bits")
        << announce(replaced("downloaded", "18446744073709551616")) << 200
        << QByteArray("invalid downloaded");
    QTest::newRow("bad event") << announce(good + "&event=finished") << 200
                               << QByteArray("invalid event");
    QTest::newRow("uppercase event")
        << announce(good + "&event=STARTED") << 200 << QByteArray("invalid event");
    QTest::newRow("repeated port") << announce(good + "&port=6882") << 200
                                   << QByteArray("malformed request: repeated parameter");
    QTest::newRow("repeated info_hash") << announce(good + "&info_hash=" + ih) << 200
                                        << QByteArray("malformed request: repeated parameter");
    QTest::newRow("compact=2") << announce(good + "&compact=2") << 200
                               << QByteArray("invalid compact");
    QTest::newRow("numwant=abc") << announce(good + "&numwant=abc") << 200
                                 << QByteArray("invalid numwant");

    // scrape
    QList<proto::InfoHash> hashes65;
    for (int i = 0; i < 65; ++i)
        hashes65 << randomInfoHash();
    QTest::newRow("scrape with 65 hashes")
        << scrape(scrapeQuery(hashes65)) << 200 << QByteArray("too many info_hashes in one scrape");
    QTest::newRow("scrape, unknown passkey")
        << QByteArray("/0123456789abcdefghijABCDEFGHIJ01/scrape?info_hash=" + ih) << 200
        << QByteArray("unknown passkey");
    QTest::newRow("scrape, no passkey") << QByteArray("/scrape?info_hash=" + ih) << 200
                                        << QByteArray("missing passkey: use /<passkey>/announce");
    QTest::newRow("scrape without info_hash (full scrape)")
        << scrape(QByteArray()) << 200 << QByteArray("missing info_hash");
    QTest::newRow("scrape, info_hash of 19 bytes")
        << scrape("info_hash=" + percentEncode(m_torrent.view().first(19))) << 200 << invalidHash;
    QTest::newRow("scrape, bad escape")
        << scrape("info_hash=" + ih + "&x=%%") << 200 << malformedQuery;
}

void TestHttpTracker::malformed()
{
    QFETCH(QByteArray, target);
    QFETCH(int, status);
    QFETCH(QByteArray, reason);

    const HttpReply r = m_server.httpGet(target);
    QCOMPARE(r.status, status);
    QCOMPARE(r.header("content-type"), QByteArray("text/plain"));
    const auto v = decodeBencode(r.body);
    QVERIFY2(v && v->isDict(), r.body.constData());
    QCOMPARE(dictBytes(*v, "failure reason"), reason);
    // BEP 3 failure replies carry only the reason; ours add the intervals so clients back off.
    const qint64 interval = dictInt(*v, "interval");
    QVERIFY(interval >= kIntervalMin && interval <= kIntervalMax);
    QCOMPARE(dictInt(*v, "min interval"), kMinInterval);
    QCOMPARE(v->dict().size(), std::size_t(3));

    // The server still answers a good announce afterwards.
    const auto ok = m_server.announce(m_a, announceQuery(m_torrent, makePeerId("after"), 6881, 1));
    QVERIFY2(announceProblem(ok).isEmpty(), announceProblem(ok).constData());
}

// ---- HTTP connection handling

void TestHttpTracker::pipelinedKeepAlive()
{
    const auto c = m_server.connectHttp();
    QVERIFY(c);
    // Three requests in one write; the replies must come back in request order.
    const QByteArray scrape = '/' + m_a.toLatin1() + "/scrape?" + scrapeQuery({m_torrent});
    const QByteArray unknown = "/0123456789abcdefghijABCDEFGHIJ01/announce?" +
                               announceQuery(m_torrent, makePeerId("pipe"), 6881, 1);
    const QByteArray good = announceTarget(m_a, m_torrent);
    const QByteArray three = request("GET " + scrape + " HTTP/1.1") +
                             request("GET " + unknown + " HTTP/1.1") +
                             request("GET " + good + " HTTP/1.1");
    QVERIFY(c->send(three));

    const auto r1 = c->readReply();
    const auto r2 = c->readReply();
    const auto r3 = c->readReply();
    QVERIFY(r1 && r2 && r3);
    for (const auto *r : {&r1, &r2, &r3}) {
        QCOMPARE((*r)->status, 200);
        QCOMPARE((*r)->header("connection"), QByteArray("keep-alive"));
    }
    const auto v1 = decodeBencode(r1->body);
    QVERIFY(v1 && v1->find("files") && v1->find("files")->find(m_torrent.view()));
    const auto v2 = decodeBencode(r2->body);
    QVERIFY(v2);
    QCOMPARE(dictBytes(*v2, "failure reason"), QByteArray("unknown passkey"));
    QVERIFY2(announceProblem(decodeBencode(r3->body)).isEmpty(), r3->body.constData());
    QVERIFY(c->pending().isEmpty());

    // Still open: a fourth request on the same connection.
    QVERIFY(c->isConnected());
    QVERIFY(c->send(request("GET " + good + " HTTP/1.1")));
    const auto r4 = c->readReply();
    QVERIFY(r4);
    QVERIFY2(announceProblem(decodeBencode(r4->body)).isEmpty(), r4->body.constData());
}

void TestHttpTracker::longPipeline_data()
{
    QTest::addColumn<int>("count");
    QTest::newRow("50 requests") << 50;
    // About 100 KiB of requests in one write: more than the server reads in one go.
    QTest::newRow("400 requests") << 400;
}

void TestHttpTracker::longPipeline()
{
    QFETCH(int, count);
    const auto c = m_server.connectHttp();
    QVERIFY(c);
    // Three kinds of request in turn, so any reordering or loss shows up in the replies.
    const QByteArray scrape = '/' + m_a.toLatin1() + "/scrape?" + scrapeQuery({m_torrent});
    const QByteArray unknown = "/0123456789abcdefghijABCDEFGHIJ01/announce?" +
                               announceQuery(m_torrent, makePeerId("pipe"), 6881, 1);
    const QByteArray good = announceTarget(m_a, m_torrent);
    QByteArray all;
    for (int i = 0; i < count; ++i) {
        const QByteArray &target = i % 3 == 0 ? scrape : i % 3 == 1 ? unknown : good;
        all += request("GET " + target + " HTTP/1.1");
    }
    QVERIFY(c->send(all));
    for (int i = 0; i < count; ++i) {
        const auto r = c->readReply();
        QVERIFY2(r, qPrintable(u"reply %1 of %2 missing"_s.arg(i + 1).arg(count)));
        QCOMPARE(r->status, 200);
        const auto v = decodeBencode(r->body);
        QVERIFY(v);
        if (i % 3 == 0)
            QVERIFY2(v->find("files"), r->body.constData());
        else if (i % 3 == 1)
            QCOMPARE(dictBytes(*v, "failure reason"), QByteArray("unknown passkey"));
        else
            QVERIFY2(announceProblem(v).isEmpty(), r->body.constData());
    }
    QVERIFY(c->pending().isEmpty());
    QVERIFY(c->isConnected());
}

void TestHttpTracker::pipelineThenError()
{
    const auto c = m_server.connectHttp();
    QVERIFY(c);
    const QByteArray good = request("GET " + announceTarget(m_a, m_torrent) + " HTTP/1.1");
    // A good request, a bad one, and a good one the server must not answer: after an error
    // the position of the next request in the stream is unknown.
    const QByteArray bytes = good + "BREW /coffee HTCPCP/1.0\r\n\r\n" + good;
    QVERIFY(c->send(bytes));
    const auto first = c->readReply();
    QVERIFY(first);
    QCOMPARE(first->status, 200);
    QVERIFY2(announceProblem(decodeBencode(first->body)).isEmpty(), first->body.constData());
    const auto second = c->readReply();
    QVERIFY(second);
    QCOMPARE(second->status, 400);
    QCOMPARE(second->header("connection"), QByteArray("close"));
    QVERIFY(c->waitForClosed());
    QVERIFY2(c->pending().isEmpty(), c->pending().constData());
}

void TestHttpTracker::splitRequest()
{
    const auto c = m_server.connectHttp();
    QVERIFY(c);
    const QByteArray whole = request("GET " + announceTarget(m_a, m_torrent) + " HTTP/1.1");
    // Pieces that cut the method, the target, the line ending and a header apart.
    const qsizetype cuts[] = {2, 40, whole.indexOf("\r\n") + 1, whole.size() - 3, whole.size()};
    qsizetype at = 0;
    for (qsizetype cut : cuts) {
        QVERIFY(c->send(whole.sliced(at, cut - at)));
        at = cut;
    }
    const auto r = c->readReply();
    QVERIFY(r);
    QCOMPARE(r->status, 200);
    QVERIFY2(announceProblem(decodeBencode(r->body)).isEmpty(), r->body.constData());
}

void TestHttpTracker::connectionLimit()
{
    // One worker so that every connection meets the same bound.
    TrackerProcess server;
    QVERIFY2(server.start({u"--workers"_s, u"1"_s, u"--set"_s, u"http.max_connections=2"_s}),
             server.standardError().constData());
    const QString pk = server.createUser(u"u"_s).value(u"passkey"_s).toString();
    proto::InfoHash ih;
    QVERIFY(registerTorrent(ih, &server));
    const QByteArray get = request("GET " + announceTarget(pk, ih) + " HTTP/1.1");
    auto served = [&](RawHttpConnection &c) {
        if (!c.send(get))
            return false;
        const auto r = c.readReply();
        return r && r->status == 200;
    };

    auto c1 = server.connectHttp();
    auto c2 = server.connectHttp();
    QVERIFY(c1 && c2);
    QVERIFY(served(*c1));
    QVERIFY(served(*c2));
    // The third is accepted by the kernel and closed by the server without a reply.
    const auto c3 = server.connectHttp();
    QVERIFY(c3);
    QVERIFY(c3->waitForClosed());
    QVERIFY(c3->pending().isEmpty());

    // Once one closes, there is room again. The server notices the close asynchronously, so
    // new connections are tried until one is served (bounded), and that one is kept: it is
    // the second of two again.
    c1.reset();
    std::unique_ptr<RawHttpConnection> c4;
    QVERIFY(QTest::qWaitFor(
        [&] {
            c4 = server.connectHttp();
            return c4 && served(*c4);
        },
        kReplyTimeoutMs));
    QVERIFY(served(*c2));
    QVERIFY(served(*c4));
    const auto c5 = server.connectHttp();
    QVERIFY(c5);
    QVERIFY(c5->waitForClosed());
    QVERIFY(server.stop());
}

void TestHttpTracker::connectionPersistence_data()
{
    QTest::addColumn<QByteArray>("version");
    QTest::addColumn<QByteArrayList>("headers");
    QTest::addColumn<bool>("keepOpen");

    QTest::newRow("HTTP/1.1") << QByteArray("HTTP/1.1") << QByteArrayList{"Host: t"} << true;
    QTest::newRow("HTTP/1.1, Connection: close")
        << QByteArray("HTTP/1.1") << QByteArrayList{"Host: t", "Connection: close"} << false;
    QTest::newRow("HTTP/1.1, Connection: Close")
        << QByteArray("HTTP/1.1") << QByteArrayList{"Connection: Close"} << false;
    QTest::newRow("HTTP/1.1, Connection: keep-alive, close")
        << QByteArray("HTTP/1.1") << QByteArrayList{"Connection: keep-alive, close"} << false;
    QTest::newRow("HTTP/1.0") << QByteArray("HTTP/1.0") << QByteArrayList{} << false;
    QTest::newRow("HTTP/1.0, Connection: keep-alive")
        << QByteArray("HTTP/1.0") << QByteArrayList{"Connection: keep-alive"} << true;
}

void TestHttpTracker::connectionPersistence()
{
    QFETCH(QByteArray, version);
    QFETCH(QByteArrayList, headers);
    QFETCH(bool, keepOpen);

    const auto c = m_server.connectHttp();
    QVERIFY(c);
    const QByteArray line = "GET " + announceTarget(m_a, m_torrent) + ' ' + version;
    QVERIFY(c->send(request(line, headers)));
    const auto r = c->readReply();
    QVERIFY(r);
    QCOMPARE(r->status, 200);
    QVERIFY(r->statusLine.startsWith("HTTP/1.1 200"));
    QVERIFY2(announceProblem(decodeBencode(r->body)).isEmpty(), r->body.constData());
    QCOMPARE(r->header("connection"), keepOpen ? QByteArray("keep-alive") : QByteArray("close"));
    if (!keepOpen) {
        QVERIFY(c->waitForClosed());
        QVERIFY(c->pending().isEmpty());
        return;
    }
    QVERIFY(c->isConnected());
    QVERIFY(c->send(request(line, headers)));
    const auto again = c->readReply();
    QVERIFY(again);
    QCOMPARE(again->status, 200);
}

void TestHttpTracker::badHttp_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("status");
    QTest::addColumn<bool>("closes");

    const QByteArray target = announceTarget(m_a, m_torrent);
    const QByteArray get = "GET " + target + " HTTP/1.1";

    // Request line of exactly n bytes (line ending excluded): the target padded with an
    // unknown parameter, which the tracker ignores.
    auto lineOf = [&](qsizetype n) -> QByteArray {
        const QByteArray head = "GET " + target + "&pad=";
        const QByteArray tail = " HTTP/1.1";
        return head + QByteArray(n - head.size() - tail.size(), 'p') + tail;
    };
    QTest::newRow("request line of 8192 bytes") << request(lineOf(8192)) << 200 << false;
    QTest::newRow("request line of 8193 bytes") << request(lineOf(8193)) << 414 << true;
    QTest::newRow("request line of 20000 bytes") << request(lineOf(20000)) << 414 << true;

    QByteArrayList headers{"Host: t"};
    for (int i = 1; i < 32; ++i)
        headers << "X-H" + QByteArray::number(i) + ": v";
    QTest::newRow("32 headers") << request(get, headers) << 200 << false;
    headers << "X-H32: v";
    QTest::newRow("33 headers") << request(get, headers) << 431 << true;

    // Header section of exactly n bytes: all header lines and the final empty line.
    auto headersOf = [&](qsizetype n) -> QByteArray {
        const QByteArray name = "X-Pad: ";
        return request(get, {name + QByteArray(n - name.size() - 4, 'h')});
    };
    QTest::newRow("header section of 8192 bytes") << headersOf(8192) << 200 << false;
    QTest::newRow("header section of 8193 bytes") << headersOf(8193) << 431 << true;

    QTest::newRow("POST") << request("POST " + target + " HTTP/1.1", {"Content-Length: 0"}) << 405
                          << true;
    QTest::newRow("PUT") << request("PUT " + target + " HTTP/1.1") << 405 << true;
    QTest::newRow("lowercase get") << request("get " + target + " HTTP/1.1") << 405 << true;
    QTest::newRow("garbage line") << QByteArray("HELLO\r\n\r\n") << 400 << true;
    QTest::newRow("no version (HTTP/0.9)")
        << QByteArray("GET " + target + "\r\n\r\n") << 400 << true;
    // A TLS ClientHello on the plain port: refused at once, without waiting for a line end.
    QTest::newRow("TLS ClientHello")
        << QByteArray("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) << 400 << true;
    QTest::newRow("HTTP/2.0") << request("GET " + target + " HTTP/2.0") << 505 << true;
    QTest::newRow("HTTP/1.2") << request("GET " + target + " HTTP/1.2") << 505 << true;
    QTest::newRow("absolute-form target")
        << request("GET http://tracker" + target + " HTTP/1.1") << 400 << true;
    QTest::newRow("byte 0x80 in the target")
        << request("GET " + target + "\x80 HTTP/1.1") << 400 << true;
    QTest::newRow("Content-Length: 5")
        << QByteArray(request(get, {"Content-Length: 5"}) + "hello") << 413 << true;
    QTest::newRow("Transfer-Encoding: chunked")
        << QByteArray(request(get, {"Transfer-Encoding: chunked"}) + "0\r\n\r\n") << 413 << true;
    QTest::newRow("Content-Length: 0") << request(get, {"Content-Length: 0"}) << 200 << false;
    QTest::newRow("header without colon") << request(get, {"Host t"}) << 400 << true;
    QTest::newRow("space before colon") << request(get, {"Host : t"}) << 400 << true;
    QTest::newRow("folded header") << request(get, {"X-A: a", " folded"}) << 400 << true;
    QTest::newRow("NUL in a header value")
        << request(get, {QByteArray("X-A: a\0b", 8)}) << 400 << true;
    QTest::newRow("bare LF line endings") << QByteArray(get + "\nHost: t\n\n") << 200 << false;
}

void TestHttpTracker::badHttp()
{
    QFETCH(QByteArray, bytes);
    QFETCH(int, status);
    QFETCH(bool, closes);

    const auto c = m_server.connectHttp();
    QVERIFY(c);
    QVERIFY(c->send(bytes));
    const auto r = c->readReply();
    QVERIFY(r);
    QCOMPARE(r->status, status);
    if (status == 405)
        QCOMPARE(r->header("allow"), QByteArray("GET, HEAD"));
    if (closes) {
        QCOMPARE(r->header("connection"), QByteArray("close"));
        QVERIFY(c->waitForClosed());
    } else {
        QVERIFY2(announceProblem(decodeBencode(r->body)).isEmpty(), r->body.constData());
        QCOMPARE(r->header("connection"), QByteArray("keep-alive"));
        QVERIFY(c->send(request("GET " + announceTarget(m_a, m_torrent) + " HTTP/1.1")));
        const auto next = c->readReply();
        QVERIFY(next);
        QCOMPARE(next->status, 200);
    }

    // The server still answers a good announce on a new connection.
    const auto ok = m_server.announce(m_a, announceQuery(m_torrent, makePeerId("after"), 6881, 1));
    QVERIFY2(announceProblem(ok).isEmpty(), announceProblem(ok).constData());
}

void TestHttpTracker::headRequest()
{
    const auto c = m_server.connectHttp();
    QVERIFY(c);
    const QByteArray target = '/' + m_a.toLatin1() + "/scrape?" + scrapeQuery({m_torrent});
    QVERIFY(c->send(request("GET " + target + " HTTP/1.1")));
    const auto get = c->readReply();
    QVERIFY(get);
    QCOMPARE(get->status, 200);

    // HEAD: the GET reply's headers, Content-Length included, and no body (RFC 9110 §9.3.2).
    QVERIFY(c->send(request("HEAD " + target + " HTTP/1.1")));
    const auto head = c->readReply(kReplyTimeoutMs, true);
    QVERIFY(head);
    QCOMPARE(head->status, 200);
    QCOMPARE(head->header("content-length"), QByteArray::number(get->body.size()));
    QVERIFY(c->pending().isEmpty());

    // Had a body been sent, it would now be read as the start of the next reply.
    QVERIFY(c->send(request("GET " + target + " HTTP/1.1")));
    const auto after = c->readReply();
    QVERIFY(after);
    QCOMPARE(after->status, 200);
    QCOMPARE(after->body, get->body);
}

void TestHttpTracker::idleTimeout()
{
    TrackerProcess server;
    QVERIFY2(server.start({u"--set"_s, u"http.idle_timeout=2"_s}),
             server.standardError().constData());
    const QString pk = server.createUser(u"idle"_s).value(u"passkey"_s).toString();
    proto::InfoHash ih;
    QVERIFY(registerTorrent(ih, &server));

    const auto c = server.connectHttp();
    QVERIFY(c);
    QVERIFY(c->send(request("GET " + announceTarget(pk, ih) + " HTTP/1.1")));
    const auto r = c->readReply();
    QVERIFY(r);
    QCOMPARE(r->header("connection"), QByteArray("keep-alive"));

    // Silent from now on: closed by the server after about 2 s (checked once a second), not
    // at once and not never.
    QElapsedTimer silent;
    silent.start();
    QVERIFY(c->waitForClosed(15000));
    QVERIFY2(silent.elapsed() >= 1000, QByteArray::number(silent.elapsed()).constData());
    QVERIFY(c->pending().isEmpty());

    // A connection that never sends a byte is closed as well.
    const auto mute = server.connectHttp();
    QVERIFY(mute);
    QVERIFY(mute->waitForClosed(15000));
    QVERIFY(server.stop());
}

// ---- address families

void TestHttpTracker::ipv6Loopback()
{
    if (!canBindIpv6Loopback())
        QSKIP("::1 cannot be bound here");
    TrackerProcess server;
    server.setTrackerBind(u"::1"_s);
    QVERIFY2(server.start(), server.standardError().constData());
    QCOMPARE(server.trackerAddress(), localV6);
    const QString a = server.createUser(u"a6"_s).value(u"passkey"_s).toString();
    const QString b = server.createUser(u"b6"_s).value(u"passkey"_s).toString();
    proto::InfoHash ih;
    QVERIFY(registerTorrent(ih, &server));

    auto r = server.announce(a, announceQuery(ih, makePeerId("v6-leech"), 40601, 10));
    QVERIFY2(announceProblem(r).isEmpty(), announceProblem(r).constData());
    r = server.announce(b, announceQuery(ih, makePeerId("v6-seed"), 40602, 0));
    QVERIFY2(announceProblem(r).isEmpty(), announceProblem(r).constData());
    // BEP 7: IPv6 peers in peers6 (18 bytes each); BEP 23 peers stays, empty.
    QCOMPARE(dictBytes(*r, "peers6"), compactPeer(localV6, 40601));
    QCOMPARE(dictBytes(*r, "peers"), QByteArray());
    QCOMPARE(dictInt(*r, "complete"), 1);
    QCOMPARE(dictInt(*r, "incomplete"), 1);

    r = server.announce(a, announceQuery(ih, makePeerId("v6-leech"), 40601, 10, "compact=0"));
    QVERIFY2(announceProblem(r).isEmpty(), announceProblem(r).constData());
    QCOMPARE(r->find("peers")->list().size(), std::size_t(1));
    QCOMPARE(dictBytes(r->find("peers")->list().front(), "ip"), QByteArray("::1"));
    QCOMPARE(dictInt(r->find("peers")->list().front(), "port"), 40602);
    QVERIFY(server.stop());
}

void TestHttpTracker::dualStack()
{
    if (!canBindIpv6Loopback())
        QSKIP("::1 cannot be bound here");
    TrackerProcess server;
    server.setTrackerBind(u"::"_s);
    QVERIFY2(server.start(), server.standardError().constData());
    const QString a = server.createUser(u"a"_s).value(u"passkey"_s).toString();
    const QString b = server.createUser(u"b"_s).value(u"passkey"_s).toString();
    proto::InfoHash ih;
    QVERIFY(registerTorrent(ih, &server));

    auto get = [&](const QString &pk, quint16 port, quint64 left, const QHostAddress &via) {
        const HttpReply reply =
            server.httpGet('/' + pk.toLatin1() + "/announce?" +
                               announceQuery(ih, makePeerId(pk.left(4).toLatin1()), port, left),
                           via);
        return reply.status == 200 ? decodeBencode(reply.body) : std::nullopt;
    };
    // An IPv4 client of the dual-stack socket arrives as ::ffff:127.0.0.1 and must be
    // reported as the IPv4 peer it is.
    auto r = get(a, 40701, 10, localV4);
    QVERIFY2(announceProblem(r).isEmpty(), announceProblem(r).constData());
    r = get(b, 40702, 0, localV6);
    QVERIFY2(announceProblem(r).isEmpty(), announceProblem(r).constData());
    QCOMPARE(dictBytes(*r, "peers"), compactPeer(localV4, 40701));
    QVERIFY(!r->find("peers6"));

    r = get(a, 40701, 10, localV4);
    QVERIFY2(announceProblem(r).isEmpty(), announceProblem(r).constData());
    QCOMPARE(dictBytes(*r, "peers"), QByteArray());
    QCOMPARE(dictBytes(*r, "peers6"), compactPeer(localV6, 40702));
    QVERIFY(server.stop());
}

QTEST_GUILESS_MAIN(TestHttpTracker)
#include "tst_httptracker.moc"
