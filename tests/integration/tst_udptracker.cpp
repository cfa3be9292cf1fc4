// Integration tests for the UDP tracker port (BEP 15 with BEP 41 passkeys) of a running
// swarmkeeperd: connect, announce, scrape, and every malformed datagram.
#include "trackerprocess.h"

#include "shared/protocol/udpprotocol.h"

#include <QNetworkDatagram>
#include <QSet>
#include <QTest>
#include <QUdpSocket>
#include <QtEndian>

using namespace sk;
using namespace sk::itest;
using namespace Qt::Literals::StringLiterals;
namespace udp = sk::proto::udp;
using proto::AnnounceEvent;

namespace {

// What the server tells clients by default: 1800 s, shortened by up to 10 % jitter.
constexpr std::uint32_t kIntervalMax = 1800;
constexpr std::uint32_t kIntervalMin = 1800 - 180;

const QHostAddress localV4(QHostAddress::LocalHost);
const QHostAddress localV6(QHostAddress::LocalHostIPv6);

QByteArray u64(std::uint64_t v)
{
    QByteArray out(8, '\0');
    for (int i = 0; i < 8; ++i)
        out[i] = static_cast<char>(v >> (56 - 8 * i));
    return out;
}

QByteArray u32(std::uint32_t v)
{
    return u64(v).sliced(4);
}

// BEP 41 option bytes.
QByteArray urlOption(QByteArrayView data)
{
    return QByteArray(1, '\x02') + char(data.size()) + data.toByteArray();
}

proto::AnnounceRequest request(const proto::InfoHash &ih, const proto::PeerId &peerId, quint16 port,
                               quint64 left, AnnounceEvent event = AnnounceEvent::None,
                               std::int32_t numwant = -1)
{
    proto::AnnounceRequest r;
    r.infoHash = ih;
    r.peerId = peerId;
    r.port = port;
    r.left = left;
    r.event = event;
    r.numwant = numwant;
    r.key = 0x1234;
    return r;
}

QByteArray urlData(const QString &passkey)
{
    const auto pk = proto::Passkey::fromText(passkey);
    return pk ? udp::announceUrlData(*pk) : QByteArray();
}

std::uint32_t transactionIdOf(const QByteArray &packet)
{
    return qFromBigEndian<quint32>(packet.constData() + 12);
}

QByteArrayList peerList(const udp::AnnounceReply &r)
{
    QByteArrayList out;
    for (const proto::PeerEndpoint &p : r.peers)
        out << p.compactView().toByteArray();
    return out;
}

} // namespace

class TestUdpTracker : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void connectRequest();
    void announceUrlData_data();
    void announceUrlData();
    void stoppedRemovesPeer();
    void numwant_data();
    void numwant();
    void scrape();
    void malformed_data();
    void malformed();
    void portZeroIsNotAPeer();
    void connectionIdBoundToClient();
    void anonymousScrapeDisabled();
    void ipv6Loopback();
    void dualStack();

private:
    // Connects, sends `packet` with the fresh connection id in its first 8 bytes, and parses
    // the reply as an announce reply (nothing on an error reply, silence or a wrong txid).
    std::optional<udp::AnnounceReply> announce(TrackerProcess &server, QByteArray packet,
                                               std::size_t peerSize = 6);
    std::optional<udp::AnnounceReply> announce(const QString &passkey,
                                               const proto::AnnounceRequest &req);
    bool registerTorrent(proto::InfoHash &out, TrackerProcess *server = nullptr);

    TrackerProcess m_server;
    QString m_a;
    QString m_b;
    proto::InfoHash m_torrent;
    std::uint32_t m_txid = 0x1000;
};

void TestUdpTracker::initTestCase()
{
    QVERIFY2(m_server.start(), m_server.standardError().constData());
    m_a = m_server.createUser(u"alice"_s).value(u"passkey"_s).toString();
    m_b = m_server.createUser(u"bob"_s).value(u"passkey"_s).toString();
    QCOMPARE(m_a.size(), 32);
    QCOMPARE(m_b.size(), 32);
    QVERIFY(registerTorrent(m_torrent));
}

void TestUdpTracker::cleanupTestCase()
{
    QVERIFY(m_server.stop());
}

bool TestUdpTracker::registerTorrent(proto::InfoHash &out, TrackerProcess *server)
{
    out = randomInfoHash();
    return !(server ? server : &m_server)->createTorrent(out).isEmpty();
}

std::optional<udp::AnnounceReply> TestUdpTracker::announce(TrackerProcess &server,
                                                           QByteArray packet, std::size_t peerSize)
{
    const auto conn = server.udpConnect();
    if (!conn)
        return std::nullopt;
    packet.replace(0, 8, u64(*conn));
    const auto reply = server.udpExchange(packet);
    if (!reply)
        return std::nullopt;
    auto parsed = udp::parseAnnounceReply(reply->constData(), std::size_t(reply->size()), peerSize);
    if (!parsed || parsed->transactionId != transactionIdOf(packet))
        return std::nullopt;
    return parsed;
}

std::optional<udp::AnnounceReply> TestUdpTracker::announce(const QString &passkey,
                                                           const proto::AnnounceRequest &req)
{
    return announce(m_server, udp::buildAnnounceRequest(0, ++m_txid, req, urlData(passkey)));
}

void TestUdpTracker::connectRequest()
{
    const std::uint32_t txid = 0xdeadbeef;
    const auto reply = m_server.udpExchange(udp::buildConnectRequest(txid));
    QVERIFY(reply);
    QCOMPARE(reply->size(), 16);
    QCOMPARE(reply->first(4), u32(0)); // action: connect
    const auto parsed = udp::parseConnectReply(reply->constData(), std::size_t(reply->size()));
    QVERIFY(parsed);
    QCOMPARE(parsed->transactionId, txid);

    // Two connection ids, both usable.
    const auto second = m_server.udpConnect();
    QVERIFY(second);
    for (const std::uint64_t id : {parsed->connectionId, *second}) {
        const QByteArray packet = udp::buildAnnounceRequest(
            id, ++m_txid, request(m_torrent, makePeerId("conn"), 6881, 1), urlData(m_a));
        const auto r = m_server.udpExchange(packet);
        QVERIFY(r);
        const auto a = udp::parseAnnounceReply(r->constData(), std::size_t(r->size()), 6);
        QVERIFY(a);
        QCOMPARE(a->transactionId, m_txid);
    }
}

void TestUdpTracker::announceUrlData_data()
{
    QTest::addColumn<QByteArray>("options"); // appended to the 98 fixed bytes

    const QByteArray path = urlData(m_a);
    QCOMPARE(path.size(), 42);
    QTest::newRow("one option, EndOfOptions") << QByteArray(urlOption(path) + '\0');
    QTest::newRow("one option, no EndOfOptions") << urlOption(path);
    QTest::newRow("three options, EndOfOptions")
        << QByteArray(urlOption(path.first(10)) + urlOption(path.sliced(10, 20)) +
                      urlOption(path.sliced(30)) + '\0');
    QTest::newRow("two options, no EndOfOptions")
        << QByteArray(urlOption(path.first(21)) + urlOption(path.sliced(21)));
    QByteArray perByte;
    for (char c : path)
        perByte += urlOption(QByteArrayView(&c, 1));
    QTest::newRow("one option per byte") << perByte;
    QTest::newRow("NOP padding") << QByteArray("\x01\x01" + urlOption(path) + "\x01" + '\0');
    QTest::newRow("unknown option type skipped")
        << QByteArray("\x07\x03xyz" + urlOption(path) + '\0');
    QTest::newRow("bytes after EndOfOptions ignored")
        << QByteArray(urlOption(path) + '\0' + "\x02\xff\xff");
    QTest::newRow("query after the path") << urlOption(QByteArray(path + "?foo=bar"));
    QTest::newRow("empty option before the data") << QByteArray(urlOption({}) + urlOption(path));
}

void TestUdpTracker::announceUrlData()
{
    QFETCH(QByteArray, options);

    proto::InfoHash ih;
    QVERIFY(registerTorrent(ih));
    const proto::PeerId leecher = makePeerId("u-leech");
    const QByteArray packet =
        udp::buildAnnounceRequest(
            0, ++m_txid, request(ih, leecher, 50001, 1000, AnnounceEvent::Started), {}, false) +
        options;

    // The passkey was found: the announce is accepted, and the swarm is new.
    auto r = announce(m_server, packet);
    QVERIFY(r);
    QVERIFY(r->interval >= kIntervalMin && r->interval <= kIntervalMax);
    QCOMPARE(r->leechers, 1u);
    QCOMPARE(r->seeders, 0u);
    QVERIFY(r->peers.empty());

    // The other user's seeder sees exactly 127.0.0.1:50001, and the other way round.
    r = announce(m_b, request(ih, makePeerId("u-seed"), 50002, 0, AnnounceEvent::Started));
    QVERIFY(r);
    QCOMPARE(r->leechers, 1u);
    QCOMPARE(r->seeders, 1u);
    QCOMPARE(peerList(*r), QByteArrayList{QByteArray("\x7f\x00\x00\x01\xc3\x51", 6)});

    r = announce(m_a, request(ih, leecher, 50001, 500));
    QVERIFY(r);
    QCOMPARE(r->leechers, 1u);
    QCOMPARE(r->seeders, 1u);
    QCOMPARE(peerList(*r), QByteArrayList{compactPeer(localV4, 50002)});

    // The same swarm over HTTP.
    const auto http = m_server.announce(m_a, announceQuery(ih, makePeerId("u-http"), 50003, 10));
    QVERIFY(http && !http->find("failure reason"));
    QCOMPARE(dictBytes(*http, "peers"), compactPeer(localV4, 50002));
    QCOMPARE(dictInt(*http, "incomplete"), 2);
}

void TestUdpTracker::stoppedRemovesPeer()
{
    proto::InfoHash ih;
    QVERIFY(registerTorrent(ih));
    const proto::PeerId seeder = makePeerId("stop-seed");
    QVERIFY(announce(m_b, request(ih, seeder, 50012, 0, AnnounceEvent::Started)));
    auto r = announce(m_a, request(ih, makePeerId("stop-leech"), 50011, 9));
    QVERIFY(r);
    QCOMPARE(peerList(*r), QByteArrayList{compactPeer(localV4, 50012)});

    // A stopping client may send port 0: it may already have closed its listen socket.
    r = announce(m_b, request(ih, seeder, 0, 0, AnnounceEvent::Stopped));
    QVERIFY(r);
    QVERIFY(r->peers.empty());
    QCOMPARE(r->seeders, 0u);

    r = announce(m_a, request(ih, makePeerId("stop-leech"), 50011, 9));
    QVERIFY(r);
    QVERIFY(r->peers.empty());
    QCOMPARE(r->seeders, 0u);
    QCOMPARE(r->leechers, 1u);
}

void TestUdpTracker::numwant_data()
{
    QTest::addColumn<int>("numwant");
    QTest::addColumn<int>("expected"); // of 5 seeders
    QTest::newRow("-1 (default)") << -1 << 5;
    QTest::newRow("0") << 0 << 0;
    QTest::newRow("2") << 2 << 2;
    QTest::newRow("5") << 5 << 5;
    QTest::newRow("1000") << 1000 << 5;
}

void TestUdpTracker::numwant()
{
    QFETCH(int, numwant);
    QFETCH(int, expected);

    proto::InfoHash ih;
    QVERIFY(registerTorrent(ih));
    QSet<QByteArray> seeders;
    for (int i = 0; i < 5; ++i) {
        const quint16 port = static_cast<quint16>(50100 + i);
        QVERIFY(announce(
            m_b, request(ih, makePeerId(QByteArray("nw" + QByteArray::number(i))), port, 0)));
        seeders.insert(compactPeer(localV4, port));
    }
    const auto r =
        announce(m_a, request(ih, makePeerId("nw-leech"), 50199, 1, AnnounceEvent::None, numwant));
    QVERIFY(r);
    QCOMPARE(r->seeders, 5u);
    const QByteArrayList got = peerList(*r);
    const QSet<QByteArray> set(got.begin(), got.end());
    QCOMPARE(got.size(), expected);
    QCOMPARE(set.size(), expected);
    QVERIFY(seeders.contains(set));
}

void TestUdpTracker::scrape()
{
    proto::InfoHash ih;
    QVERIFY(registerTorrent(ih));
    const proto::InfoHash unregistered = randomInfoHash();
    const proto::PeerId leecher = makePeerId("sc-leech");
    QVERIFY(announce(m_a, request(ih, leecher, 50021, 100, AnnounceEvent::Started)));
    QVERIFY(announce(m_b, request(ih, makePeerId("sc-seed"), 50022, 0, AnnounceEvent::Started)));

    auto scrapeOnce =
        [&](const std::vector<proto::InfoHash> &hashes) -> std::optional<udp::ScrapeReply> {
        const auto conn = m_server.udpConnect();
        if (!conn)
            return std::nullopt;
        const std::uint32_t txid = ++m_txid;
        const auto reply = m_server.udpExchange(udp::buildScrapeRequest(*conn, txid, hashes));
        if (!reply)
            return std::nullopt;
        auto parsed = udp::parseScrapeReply(reply->constData(), std::size_t(reply->size()));
        if (!parsed || parsed->transactionId != txid || parsed->files.size() != hashes.size())
            return std::nullopt;
        return parsed;
    };

    // Anonymous (BEP 41 data cannot follow a scrape), in request order, repeats included.
    auto s = scrapeOnce({ih, unregistered, ih});
    QVERIFY(s);
    QCOMPARE(s->files[0], (udp::ScrapeCounts{1, 0, 1}));
    QCOMPARE(s->files[1], (udp::ScrapeCounts{0, 0, 0}));
    QCOMPARE(s->files[2], (udp::ScrapeCounts{1, 0, 1}));

    QVERIFY(announce(m_a, request(ih, leecher, 50021, 0, AnnounceEvent::Completed)));
    s = scrapeOnce({ih});
    QVERIFY(s);
    QCOMPARE(s->files[0], (udp::ScrapeCounts{2, 1, 0}));

    // 74 hashes, the BEP 15 bound, are answered in full (75 is in the malformed table).
    std::vector<proto::InfoHash> many{ih};
    while (many.size() < 74)
        many.push_back(randomInfoHash());
    s = scrapeOnce(many);
    QVERIFY(s);
    QCOMPARE(s->files.size(), std::size_t(74));
    QCOMPARE(s->files[0], (udp::ScrapeCounts{2, 1, 0}));
    QCOMPARE(s->files[73], (udp::ScrapeCounts{0, 0, 0}));
}

void TestUdpTracker::malformed_data()
{
    QTest::addColumn<QByteArray>("packet");
    QTest::addColumn<bool>("patchConnectionId"); // put a fresh, valid id into bytes 0..7
    QTest::addColumn<QByteArray>("error");       // the error reply's text; empty: silence

    std::uint32_t txid = 0xA000;
    const QByteArray pathA = urlData(m_a);
    auto good = [&](const proto::InfoHash &ih, QByteArrayView url = {}, bool eoo = true) {
        return udp::buildAnnounceRequest(0, ++txid, request(ih, makePeerId("bad"), 6881, 5), url,
                                         eoo);
    };
    const QByteArray announce = good(m_torrent, pathA);
    const QByteArray silence;

    QTest::newRow("wrong connection id")
        << udp::buildAnnounceRequest(0x0123456789abcdefull, ++txid,
                                     request(m_torrent, makePeerId("bad"), 6881, 5), pathA)
        << false << QByteArray("invalid or expired connection id");
    QTest::newRow("scrape with wrong connection id")
        << udp::buildScrapeRequest(42, ++txid, {m_torrent}) << false
        << QByteArray("invalid or expired connection id");
    QByteArray badMagic = udp::buildConnectRequest(++txid);
    badMagic[7] = static_cast<char>(badMagic[7] + 1);
    QTest::newRow("connect with wrong protocol id") << badMagic << false << silence;
    QTest::newRow("15 bytes") << announce.first(15) << true << silence;
    QTest::newRow("1 byte") << QByteArray(1, '\0') << false << silence;
    QTest::newRow("announce of 16 bytes")
        << good(m_torrent, pathA).first(16) << true
        << QByteArray("malformed packet: too short for its action");
    QTest::newRow("announce of 97 bytes")
        << good(m_torrent, pathA).first(97) << true
        << QByteArray("malformed packet: too short for its action");
    QTest::newRow("unknown passkey")
        << good(m_torrent, "/0123456789abcdefghijABCDEFGHIJ01/announce") << true
        << QByteArray("unknown passkey");
    QTest::newRow("no URL data, EndOfOptions")
        << good(m_torrent) << true << QByteArray("missing passkey: use /<passkey>/announce");
    QTest::newRow("no options at all") << good(m_torrent, {}, false) << true
                                       << QByteArray("missing passkey: use /<passkey>/announce");
    QTest::newRow("URL data without passkey")
        << good(m_torrent, "/announce") << true << QByteArray("malformed passkey");
    QTest::newRow("URL data with a 31-character passkey")
        << good(m_torrent, QByteArray("/" + m_a.left(31).toLatin1() + "/announce")) << true
        << QByteArray("malformed passkey");
    QTest::newRow("scrape path as URL data")
        << good(m_torrent, QByteArray("/" + m_a.toLatin1() + "/scrape")) << true
        << QByteArray("malformed passkey");
    // Like the HTTP front-end: port 0 only when the client leaves, else other clients would
    // be handed an address nobody can connect to.
    QTest::newRow("port 0 without stopped")
        << udp::buildAnnounceRequest(0, ++txid, request(m_torrent, makePeerId("bad"), 0, 5), pathA)
        << true << QByteArray("invalid port");
    QTest::newRow("port 0 with completed")
        << udp::buildAnnounceRequest(
               0, ++txid, request(m_torrent, makePeerId("bad"), 0, 0, AnnounceEvent::Completed),
               pathA)
        << true << QByteArray("invalid port");
    QTest::newRow("unregistered torrent") << good(randomInfoHash(), pathA) << true
                                          << QByteArray("torrent not registered with this tracker");
    QTest::newRow("option runs past the end")
        << QByteArray(good(m_torrent, {}, false) + "\x02\x10/abc") << true
        << QByteArray("malformed BEP 41 options: an option runs past the end of the packet");
    QTest::newRow("option without length byte")
        << QByteArray(good(m_torrent, {}, false) + '\x02') << true
        << QByteArray("malformed BEP 41 options: an option runs past the end of the packet");
    QTest::newRow("URL data over 1024 bytes")
        << good(m_torrent, QByteArray(1025, 'x')) << true
        << QByteArray("BEP 41 URL data too long: at most 1024 bytes");
    QByteArray badEvent = good(m_torrent, pathA);
    badEvent.replace(80, 4, u32(4));
    QTest::newRow("event 4") << badEvent << true << QByteArray("invalid event");
    QByteArray badAction = good(m_torrent, pathA);
    badAction.replace(8, 4, u32(4));
    QTest::newRow("action 4") << badAction << true
                              << QByteArray("unknown action: expected connect, announce or scrape");
    // Datagrams beyond the server's 2048-byte buffer arrive truncated and are dropped.
    QTest::newRow("datagram of 2049 bytes")
        << QByteArray(good(m_torrent, pathA) + QByteArray(2049 - 98 - 45, '\0')) << true << silence;

    std::vector<proto::InfoHash> hashes75(75);
    for (proto::InfoHash &h : hashes75)
        h = randomInfoHash();
    QTest::newRow("scrape with 75 hashes") << udp::buildScrapeRequest(0, ++txid, hashes75) << true
                                           << QByteArray("too many info_hashes in one scrape");
    QTest::newRow("scrape without hashes")
        << udp::buildScrapeRequest(0, ++txid, {m_torrent}).first(16) << true
        << QByteArray("malformed scrape: expected 16 bytes plus one or more 20-byte info_hashes");
    QTest::newRow("scrape with a partial hash")
        << QByteArray(udp::buildScrapeRequest(0, ++txid, {m_torrent}) + "0123456789") << true
        << QByteArray("malformed scrape: expected 16 bytes plus one or more 20-byte info_hashes");
}

void TestUdpTracker::malformed()
{
    QFETCH(QByteArray, packet);
    QFETCH(bool, patchConnectionId);
    QFETCH(QByteArray, error);

    if (patchConnectionId) {
        const auto conn = m_server.udpConnect();
        QVERIFY(conn);
        packet.replace(0, 8, u64(*conn));
    }
    QVERIFY(m_server.sendDatagram(packet));
    if (error.isEmpty()) {
        const auto reply = m_server.receiveDatagram(kSilenceMs);
        QVERIFY2(!reply, reply ? reply->toHex().constData() : "");
    } else {
        const auto reply = m_server.receiveDatagram();
        QVERIFY(reply);
        const auto e = udp::parseErrorReply(reply->constData(), std::size_t(reply->size()));
        QVERIFY2(e, reply->toHex().constData());
        QCOMPARE(e->transactionId, transactionIdOf(packet));
        QCOMPARE(e->message, error);
    }

    // The server keeps serving; a late reply to the packet above would be caught here too,
    // as the connect reply must carry the connect's own transaction id.
    const auto r = announce(m_a, request(m_torrent, makePeerId("after"), 6881, 1));
    QVERIFY(r);
    QVERIFY(r->interval >= kIntervalMin && r->interval <= kIntervalMax);
}

void TestUdpTracker::portZeroIsNotAPeer()
{
    // Whatever the reply to a port-0 announce, nobody may be handed 127.0.0.1:0.
    proto::InfoHash ih;
    QVERIFY(registerTorrent(ih));
    const auto conn = m_server.udpConnect();
    QVERIFY(conn);
    QVERIFY(m_server.udpExchange(udp::buildAnnounceRequest(
        *conn, ++m_txid, request(ih, makePeerId("zero"), 0, 5), urlData(m_a))));

    const auto r = announce(m_b, request(ih, makePeerId("zero-seed"), 50031, 0));
    QVERIFY(r);
    QCOMPARE(peerList(*r).join().toHex(), QByteArray()); // hex, so a failure shows the peer
    QCOMPARE(r->leechers, 0u);
    const auto http = m_server.announce(m_b, announceQuery(ih, makePeerId("zero-http"), 50032, 0));
    QVERIFY(http && !http->find("failure reason"));
    QCOMPARE(dictBytes(*http, "peers"), QByteArray());
}

void TestUdpTracker::connectionIdBoundToClient()
{
    // BEP 15: the connection id proves the client owns its source address; another socket
    // (another port) may not use it.
    const auto conn = m_server.udpConnect();
    QVERIFY(conn);
    QUdpSocket other;
    QVERIFY(other.bind(localV4, 0));
    const QByteArray packet = udp::buildAnnounceRequest(
        *conn, ++m_txid, request(m_torrent, makePeerId("thief"), 6881, 1), urlData(m_a));
    QCOMPARE(other.writeDatagram(packet, m_server.trackerAddress(), m_server.udpPort()),
             packet.size());
    QVERIFY(other.waitForReadyRead(kReplyTimeoutMs));
    const QByteArray reply = other.receiveDatagram().data();
    const auto e = udp::parseErrorReply(reply.constData(), std::size_t(reply.size()));
    QVERIFY(e);
    QCOMPARE(e->transactionId, m_txid);
    QCOMPARE(e->message, QByteArray("invalid or expired connection id"));

    // The owner may.
    const auto ok = m_server.udpExchange(packet);
    QVERIFY(ok);
    QVERIFY(udp::parseAnnounceReply(ok->constData(), std::size_t(ok->size()), 6));
}

void TestUdpTracker::anonymousScrapeDisabled()
{
    TrackerProcess server;
    QVERIFY2(server.start({u"--set"_s, u"udp.anonymous_scrape=false"_s}),
             server.standardError().constData());
    const QString pk = server.createUser(u"u"_s).value(u"passkey"_s).toString();
    proto::InfoHash ih;
    QVERIFY(registerTorrent(ih, &server));

    const auto conn = server.udpConnect();
    QVERIFY(conn);
    const auto reply = server.udpExchange(udp::buildScrapeRequest(*conn, 77, {ih}));
    QVERIFY(reply);
    const auto e = udp::parseErrorReply(reply->constData(), std::size_t(reply->size()));
    QVERIFY(e);
    QCOMPARE(e->transactionId, 77u);
    QCOMPARE(e->message, QByteArray("missing passkey: use /<passkey>/announce"));

    // Announces are unaffected.
    QVERIFY(announce(
        server, udp::buildAnnounceRequest(0, 78, request(ih, makePeerId("x"), 1, 1), urlData(pk))));
    QVERIFY(server.stop());
}

void TestUdpTracker::ipv6Loopback()
{
    QUdpSocket probe;
    if (!probe.bind(localV6, 0))
        QSKIP("::1 cannot be bound here");
    TrackerProcess server;
    server.setTrackerBind(u"::1"_s);
    QVERIFY2(server.start(), server.standardError().constData());
    const QString a = server.createUser(u"a6"_s).value(u"passkey"_s).toString();
    const QString b = server.createUser(u"b6"_s).value(u"passkey"_s).toString();
    proto::InfoHash ih;
    QVERIFY(registerTorrent(ih, &server));

    // BEP 15: an IPv6 request gets 18-byte peers.
    auto r = announce(
        server,
        udp::buildAnnounceRequest(0, 1, request(ih, makePeerId("v6a"), 50601, 5), urlData(a)), 18);
    QVERIFY(r);
    QVERIFY(r->peers.empty());
    r = announce(
        server,
        udp::buildAnnounceRequest(0, 2, request(ih, makePeerId("v6b"), 50602, 0), urlData(b)), 18);
    QVERIFY(r);
    QCOMPARE(r->seeders, 1u);
    QCOMPARE(r->leechers, 1u);
    QCOMPARE(peerList(*r), QByteArrayList{compactPeer(localV6, 50601)});
    QVERIFY(server.stop());
}

void TestUdpTracker::dualStack()
{
    QUdpSocket v6;
    if (!v6.bind(localV6, 0))
        QSKIP("::1 cannot be bound here");
    TrackerProcess server;
    server.setTrackerBind(u"::"_s);
    QVERIFY2(server.start(), server.standardError().constData());
    QCOMPARE(server.trackerAddress(), localV4);
    const QString a = server.createUser(u"a"_s).value(u"passkey"_s).toString();
    const QString b = server.createUser(u"b"_s).value(u"passkey"_s).toString();
    proto::InfoHash ih;
    QVERIFY(registerTorrent(ih, &server));

    // An IPv6 client on its own socket.
    auto exchange6 = [&](const QByteArray &packet) -> QByteArray {
        if (v6.writeDatagram(packet, localV6, server.udpPort()) != packet.size())
            return {};
        if (!v6.hasPendingDatagrams() && !v6.waitForReadyRead(kReplyTimeoutMs))
            return {};
        return v6.receiveDatagram().data();
    };
    const QByteArray connectReply = exchange6(udp::buildConnectRequest(5));
    const auto conn6 =
        udp::parseConnectReply(connectReply.constData(), std::size_t(connectReply.size()));
    QVERIFY(conn6);
    const QByteArray seedReply = exchange6(udp::buildAnnounceRequest(
        conn6->connectionId, 6, request(ih, makePeerId("ds-v6"), 50702, 0), urlData(b)));
    const auto seed =
        udp::parseAnnounceReply(seedReply.constData(), std::size_t(seedReply.size()), 18);
    QVERIFY(seed);
    QCOMPARE(seed->transactionId, 6u);

    // An IPv4 client of the dual-stack socket is an IPv4 peer with 6-byte entries (BEP 15
    // follows the family of the request), so it sees no IPv6 peer...
    auto r = announce(server, udp::buildAnnounceRequest(
                                  0, 7, request(ih, makePeerId("ds-v4"), 50701, 5), urlData(a)));
    QVERIFY(r);
    QCOMPARE(r->seeders, 1u);
    QVERIFY(r->peers.empty());

    // ...and the IPv6 client sees no IPv4 peer, only the counts.
    const QByteArray again = exchange6(udp::buildAnnounceRequest(
        conn6->connectionId, 8, request(ih, makePeerId("ds-v6"), 50702, 0), urlData(b)));
    const auto r6 = udp::parseAnnounceReply(again.constData(), std::size_t(again.size()), 18);
    QVERIFY(r6);
    QCOMPARE(r6->leechers, 1u);
    QVERIFY(r6->peers.empty());

    // Over HTTP both families are returned; the UDP IPv4 client is 127.0.0.1, not
    // ::ffff:127.0.0.1.
    const auto http = server.announce(b, announceQuery(ih, makePeerId("ds-http"), 50703, 0));
    QVERIFY(http && !http->find("failure reason"));
    QCOMPARE(dictBytes(*http, "peers"), compactPeer(localV4, 50701));
    QVERIFY(server.stop());
}

QTEST_GUILESS_MAIN(TestUdpTracker)
#include "tst_udptracker.moc"
