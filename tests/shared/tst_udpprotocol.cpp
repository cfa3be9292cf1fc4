// Tests for the BEP 15 / BEP 41 UDP tracker codec (sk::proto::udp).
#include "shared/protocol/udpprotocol.h"

#include <QSet>
#include <QTest>
#include <QtEndian>

#include <atomic>
#include <cstdlib>
#include <initializer_list>
#include <limits>
#include <new>

using namespace sk::proto;
namespace udp = sk::proto::udp;

// Counts heap allocations while enabled, to check that connect and announce parsing and reply
// writing never allocate (house rule 7: the announce path never waits).
namespace {
std::atomic<bool> g_countAllocations{false};
std::atomic<long> g_allocations{0};
} // namespace

void *operator new(std::size_t size)
{
    if (g_countAllocations.load(std::memory_order_relaxed))
        g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void *p = std::malloc(size == 0 ? 1 : size))
        return p;
    throw std::bad_alloc();
}
void *operator new[](std::size_t size)
{
    return operator new(size);
}
void operator delete(void *p) noexcept
{
    std::free(p);
}
void operator delete[](void *p) noexcept
{
    std::free(p);
}
void operator delete(void *p, std::size_t) noexcept
{
    std::free(p);
}
void operator delete[](void *p, std::size_t) noexcept
{
    std::free(p);
}

namespace sk::proto::udp {
// Names in QCOMPARE failure messages (found by argument-dependent lookup).
char *toString(ParseError e)
{
    const char *name = "?";
    switch (e) {
    case ParseError::None:
        name = "None";
        break;
    case ParseError::TooShort:
        name = "TooShort";
        break;
    case ParseError::BadProtocolId:
        name = "BadProtocolId";
        break;
    case ParseError::UnknownAction:
        name = "UnknownAction";
        break;
    case ParseError::BadScrapeLength:
        name = "BadScrapeLength";
        break;
    case ParseError::TooManyInfoHashes:
        name = "TooManyInfoHashes";
        break;
    case ParseError::InvalidEvent:
        name = "InvalidEvent";
        break;
    case ParseError::MalformedOptions:
        name = "MalformedOptions";
        break;
    case ParseError::UrlDataTooLong:
        name = "UrlDataTooLong";
        break;
    }
    return qstrdup(name);
}
} // namespace sk::proto::udp

Q_DECLARE_METATYPE(sk::proto::udp::ParseError)
Q_DECLARE_METATYPE(sk::proto::AnnounceEvent)
Q_DECLARE_METATYPE(sk::proto::AnnounceRequest)

namespace {

// --- An encoder written from the BEP 15 tables, independent of the code under test.

void be16(QByteArray &out, quint16 v)
{
    char b[2];
    qToBigEndian(v, b);
    out.append(b, 2);
}
void be32(QByteArray &out, quint32 v)
{
    char b[4];
    qToBigEndian(v, b);
    out.append(b, 4);
}
void be64(QByteArray &out, quint64 v)
{
    char b[8];
    qToBigEndian(v, b);
    out.append(b, 8);
}

QByteArray bytes(std::initializer_list<unsigned char> list)
{
    QByteArray out;
    for (unsigned char c : list)
        out.append(static_cast<char>(c));
    return out;
}

QByteArray header(quint64 connectionId, quint32 action, quint32 transactionId)
{
    QByteArray out;
    be64(out, connectionId);
    be32(out, action);
    be32(out, transactionId);
    return out;
}

constexpr quint64 kConnId = 0x1122334455667788ull;
constexpr quint32 kTxid = 0xA1B2C3D4u;

QByteArray patternBytes(int n, int start)
{
    QByteArray out;
    for (int i = 0; i < n; ++i)
        out.append(static_cast<char>(start + i));
    return out;
}

// Field values chosen so that swapped or shifted fields can't compare equal.
struct RawAnnounce
{
    quint64 connectionId = kConnId;
    quint32 action = 1;
    quint32 transactionId = kTxid;
    QByteArray infoHash = patternBytes(20, 0x01);
    QByteArray peerId = QByteArrayLiteral("-SK0001-abcdefghijkl");
    quint64 downloaded = 0x0102030405060708ull;
    quint64 left = 0x1112131415161718ull;
    quint64 uploaded = 0x2122232425262728ull;
    quint32 event = 0;
    quint32 ip = 0;
    quint32 key = 0xDEADBEEFu;
    qint32 numWant = -1;
    quint16 port = 6881;
    QByteArray options;

    QByteArray toBytes() const
    {
        QByteArray out = header(connectionId, action, transactionId);
        out += infoHash;
        out += peerId;
        be64(out, downloaded);
        be64(out, left);
        be64(out, uploaded);
        be32(out, event);
        be32(out, ip);
        be32(out, key);
        be32(out, static_cast<quint32>(numWant));
        be16(out, port);
        Q_ASSERT(out.size() == 98);
        return out + options;
    }
};

// A BEP 41 URLData option.
QByteArray urlOpt(const QByteArray &data)
{
    Q_ASSERT(data.size() <= 255);
    return bytes({0x02, static_cast<unsigned char>(data.size())}) + data;
}

// URL data split into 255-byte URLData options.
QByteArray urlOpts(const QByteArray &data)
{
    QByteArray out;
    for (qsizetype pos = 0; pos < data.size(); pos += 255)
        out += urlOpt(data.mid(pos, 255));
    return out;
}

const QByteArray kPasskey = QByteArrayLiteral("0123456789abcdefghijABCDEFGHIJkl");
const QByteArray kPath = "/" + kPasskey + "/announce";
const QByteArray kEnd = bytes({0x00});
const QByteArray kNop = bytes({0x01});

InfoHash infoHash(int seed)
{
    InfoHash h;
    for (std::size_t i = 0; i < h.bytes.size(); ++i)
        h.bytes[i] = static_cast<unsigned char>(seed * 31 + int(i) * 7);
    return h;
}

QByteArray scrapePacket(int hashes, quint64 connectionId = kConnId, quint32 txid = kTxid)
{
    QByteArray out = header(connectionId, 2, txid);
    for (int i = 0; i < hashes; ++i)
        out += infoHash(i).toByteArray();
    return out;
}

AnnounceRequest sampleRequest()
{
    AnnounceRequest r;
    r.infoHash = *InfoHash::fromBytes(patternBytes(20, 0x01));
    r.peerId = *PeerId::fromBytes(QByteArrayLiteral("-SK0001-abcdefghijkl"));
    r.downloaded = 0x0102030405060708ull;
    r.left = 0x1112131415161718ull;
    r.uploaded = 0x2122232425262728ull;
    r.key = 0xDEADBEEFu;
    r.hasKey = true;
    r.port = 6881;
    return r;
}

QByteArray passkeyText(const std::optional<Passkey> &p)
{
    return p ? p->toByteArray() : QByteArray();
}

} // namespace

class TestUdpProtocol : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void connectRequest_data();
    void connectRequest();
    void announceRequest_data();
    void announceRequest();
    void announceGoldenBytes();
    void urlDataOptions_data();
    void urlDataOptions();
    void passkeyFromUrlData_data();
    void passkeyFromUrlData();
    void scrapeRequest_data();
    void scrapeRequest();
    void malformed_data();
    void malformed();
    void scrapeLimit_data();
    void scrapeLimit();
    void nullInput();
    void errorMessages();

    void announceRequestRoundTrip_data();
    void announceRequestRoundTrip();
    void builderSplitsUrlData();
    void connectRequestRoundTrip();
    void scrapeRequestRoundTrip_data();
    void scrapeRequestRoundTrip();

    void replyGoldenBytes();
    void connectReplyRoundTrip_data();
    void connectReplyRoundTrip();
    void announceReplyRoundTrip_data();
    void announceReplyRoundTrip();
    void scrapeReplyRoundTrip_data();
    void scrapeReplyRoundTrip();
    void errorReplyRoundTrip_data();
    void errorReplyRoundTrip();
    void replyParsersReject_data();
    void replyParsersReject();
    void bufferTooSmall_data();
    void bufferTooSmall();

    void noAllocationOnAnnouncePath();
};

// --- Requests

void TestUdpProtocol::connectRequest_data()
{
    QTest::addColumn<QByteArray>("packet");
    QTest::addColumn<quint32>("txid");

    QTest::newRow("plain") << header(0x41727101980ull, 0, 0x01020304u) << 0x01020304u;
    QTest::newRow("txid 0") << header(0x41727101980ull, 0, 0) << 0u;
    QTest::newRow("txid max") << header(0x41727101980ull, 0, 0xFFFFFFFFu) << 0xFFFFFFFFu;
    QTest::newRow("trailing bytes ignored")
        << header(0x41727101980ull, 0, 0x55AA55AAu) + QByteArray(20, 'x') << 0x55AA55AAu;
    QTest::newRow("golden hex") << QByteArray::fromHex("0000041727101980000000000badf00d")
                                << 0x0BADF00Du;
}

void TestUdpProtocol::connectRequest()
{
    QFETCH(QByteArray, packet);
    QFETCH(quint32, txid);

    const udp::ParseResult r = udp::parse(packet);
    QCOMPARE(r.error, udp::ParseError::None);
    QVERIFY(r.transactionKnown);
    QCOMPARE(r.packet.kind, udp::Kind::Connect);
    QCOMPARE(r.packet.connectionId, udp::protocolId);
    QCOMPARE(r.packet.transactionId, txid);
}

void TestUdpProtocol::announceRequest_data()
{
    QTest::addColumn<QByteArray>("packet");
    QTest::addColumn<QByteArray>("infoHash");
    QTest::addColumn<QByteArray>("peerId");
    QTest::addColumn<quint64>("downloaded");
    QTest::addColumn<quint64>("left");
    QTest::addColumn<quint64>("uploaded");
    QTest::addColumn<AnnounceEvent>("event");
    QTest::addColumn<QString>("claimedIp"); // empty: none
    QTest::addColumn<quint32>("key");
    QTest::addColumn<int>("numwant");
    QTest::addColumn<int>("port");

    const auto row = [](const char *name, const RawAnnounce &raw, AnnounceEvent event,
                        const QString &ip, int numwant) {
        QTest::newRow(name) << raw.toBytes() << raw.infoHash << raw.peerId << raw.downloaded
                            << raw.left << raw.uploaded << event << ip << raw.key << numwant
                            << int(raw.port);
    };
    const RawAnnounce base;
    RawAnnounce r;

    row("defaults", base, AnnounceEvent::None, QString(), -1);
    r = base;
    r.event = 1;
    row("event completed", r, AnnounceEvent::Completed, QString(), -1);
    r = base;
    r.event = 2;
    row("event started", r, AnnounceEvent::Started, QString(), -1);
    r = base;
    r.event = 3;
    row("event stopped", r, AnnounceEvent::Stopped, QString(), -1);
    r = base;
    r.numWant = 0;
    row("numwant 0", r, AnnounceEvent::None, QString(), 0);
    r = base;
    r.numWant = 200;
    row("numwant 200", r, AnnounceEvent::None, QString(), 200);
    r = base;
    r.numWant = 0x7FFFFFFF;
    row("numwant INT32_MAX", r, AnnounceEvent::None, QString(), 0x7FFFFFFF);
    r = base;
    r.numWant = -5;
    row("numwant -5 means default", r, AnnounceEvent::None, QString(), -1);
    r = base;
    r.numWant = std::numeric_limits<qint32>::min();
    row("numwant INT32_MIN means default", r, AnnounceEvent::None, QString(), -1);
    r = base;
    r.ip = 0x0A010203u;
    row("claimed ip 10.1.2.3", r, AnnounceEvent::None, QStringLiteral("10.1.2.3"), -1);
    r = base;
    r.ip = 0xC0A80001u;
    r.event = 2;
    row("claimed ip 192.168.0.1 started", r, AnnounceEvent::Started, QStringLiteral("192.168.0.1"),
        -1);
    r = base;
    r.ip = 0xFFFFFFFFu;
    row("claimed ip 255.255.255.255", r, AnnounceEvent::None, QStringLiteral("255.255.255.255"),
        -1);
    r = base;
    r.key = 0;
    row("key 0", r, AnnounceEvent::None, QString(), -1);
    r = base;
    r.key = 0xFFFFFFFFu;
    row("key max", r, AnnounceEvent::None, QString(), -1);
    r = base;
    r.port = 0;
    row("port 0", r, AnnounceEvent::None, QString(), -1);
    r = base;
    r.port = 65535;
    row("port 65535", r, AnnounceEvent::None, QString(), -1);
    r = base;
    r.downloaded = r.left = r.uploaded = ~0ull;
    r.infoHash = QByteArray(20, '\xFF');
    r.peerId = QByteArray(20, '\0');
    row("max counters, 0xff hash, zero peer id", r, AnnounceEvent::None, QString(), -1);
    r = base;
    r.connectionId = 0;
    r.transactionId = 0;
    row("zero connection and transaction id", r, AnnounceEvent::None, QString(), -1);
}

void TestUdpProtocol::announceRequest()
{
    QFETCH(QByteArray, packet);
    QFETCH(QByteArray, infoHash);
    QFETCH(QByteArray, peerId);
    QFETCH(quint64, downloaded);
    QFETCH(quint64, left);
    QFETCH(quint64, uploaded);
    QFETCH(AnnounceEvent, event);
    QFETCH(QString, claimedIp);
    QFETCH(quint32, key);
    QFETCH(int, numwant);
    QFETCH(int, port);

    const udp::ParseResult r = udp::parse(packet);
    QCOMPARE(r.error, udp::ParseError::None);
    QVERIFY(r.transactionKnown);
    QCOMPARE(r.packet.kind, udp::Kind::Announce);
    QCOMPARE(r.packet.connectionId, qFromBigEndian<quint64>(packet.constData()));
    QCOMPARE(r.packet.transactionId, qFromBigEndian<quint32>(packet.constData() + 12));
    const AnnounceRequest &a = r.packet.announce;
    QCOMPARE(a.infoHash.toByteArray(), infoHash);
    QCOMPARE(a.peerId.toByteArray(), peerId);
    QCOMPARE(a.downloaded, downloaded);
    QCOMPARE(a.left, left);
    QCOMPARE(a.uploaded, uploaded);
    QCOMPARE(a.event, event);
    QCOMPARE(a.claimedIp.has_value(), !claimedIp.isEmpty());
    if (a.claimedIp) {
        QVERIFY(!a.claimedIp->v6);
        QCOMPARE(a.claimedIp->toString(), claimedIp);
    }
    QCOMPARE(a.key, key);
    QVERIFY(a.hasKey);
    QCOMPARE(a.numwant, numwant);
    QCOMPARE(int(a.port), port);
    QVERIFY(a.compact);
    QVERIFY(!a.passkey);
    QVERIFY(!r.packet.urlDataPresent);
    QVERIFY(!r.packet.passkeyMalformed);
    QVERIFY(r.packet.urlData().isEmpty());
}

// One announce written out byte by byte from the BEP 15 table, so the offsets are pinned by
// something other than the encoders in this file.
void TestUdpProtocol::announceGoldenBytes()
{
    const QByteArray packet = QByteArray::fromHex("0102030405060708" // connection_id
                                                  "00000001"         // action: announce
                                                  "cafebabe"         // transaction_id
                                                  "000102030405060708090a0b0c0d0e0f10111213"
                                                  "2d534b303030312d303132333435363738393031"
                                                  "0000000000001000" // downloaded 4096
                                                  "0000000100000000" // left 2^32
                                                  "0000000000000200" // uploaded 512
                                                  "00000002"         // event: started
                                                  "7f000001"         // IP 127.0.0.1
                                                  "12345678"         // key
                                                  "00000032"         // num_want 50
                                                  "1ae1");           // port 6881
    QCOMPARE(packet.size(), 98);
    const udp::ParseResult r = udp::parse(packet);
    QCOMPARE(r.error, udp::ParseError::None);
    QCOMPARE(r.packet.kind, udp::Kind::Announce);
    QCOMPARE(r.packet.connectionId, 0x0102030405060708ull);
    QCOMPARE(r.packet.transactionId, 0xCAFEBABEu);
    const AnnounceRequest &a = r.packet.announce;
    QCOMPARE(a.infoHash.toHex(), QByteArray("000102030405060708090a0b0c0d0e0f10111213"));
    QCOMPARE(a.peerId.toByteArray(), QByteArray("-SK0001-012345678901"));
    QCOMPARE(a.downloaded, 4096ull);
    QCOMPARE(a.left, 0x100000000ull);
    QCOMPARE(a.uploaded, 512ull);
    QCOMPARE(a.event, AnnounceEvent::Started);
    QVERIFY(a.claimedIp);
    QCOMPARE(a.claimedIp->toString(), QStringLiteral("127.0.0.1"));
    QCOMPARE(a.key, 0x12345678u);
    QCOMPARE(a.numwant, 50);
    QCOMPARE(a.port, quint16(6881));

    // The builder writes the same bytes for the same values.
    QCOMPARE(udp::buildAnnounceRequest(0x0102030405060708ull, 0xCAFEBABEu, a), packet);
}

void TestUdpProtocol::urlDataOptions_data()
{
    QTest::addColumn<QByteArray>("options");
    QTest::addColumn<QByteArray>("urlData");
    QTest::addColumn<QByteArray>("passkey"); // empty: none
    QTest::addColumn<bool>("malformed");

    const QByteArray &p = kPath;
    const QByteArray pk = kPasskey;
    const QByteArray query = p + "?info=1&x=%20y";
    QByteArray longQuery = p + '?';
    longQuery += QByteArray(600 - longQuery.size(), 'q');
    QByteArray maxData = p + '?';
    maxData += QByteArray(1024 - maxData.size(), 'm');

    QTest::newRow("one option + EndOfOptions") << urlOpt(p) + kEnd << p << pk << false;
    QTest::newRow("one option, no EndOfOptions") << urlOpt(p) << p << pk << false;
    QTest::newRow("split in 2") << urlOpt(p.left(10)) + urlOpt(p.mid(10)) + kEnd << p << pk
                                << false;
    QTest::newRow("split in 2, no EndOfOptions")
        << urlOpt(p.left(33)) + urlOpt(p.mid(33)) << p << pk << false;
    QTest::newRow("split in 3") << urlOpt(p.left(1)) + urlOpt(p.mid(1, 20)) + urlOpt(p.mid(21)) +
                                       kEnd
                                << p << pk << false;
    QTest::newRow("split in 4, no EndOfOptions")
        << urlOpt(p.left(5)) + urlOpt(p.mid(5, 5)) + urlOpt(p.mid(10, 30)) + urlOpt(p.mid(40)) << p
        << pk << false;
    QTest::newRow("NOP between pieces")
        << urlOpt(p.left(10)) + kNop + urlOpt(p.mid(10)) + kNop + kNop + kEnd << p << pk << false;
    QTest::newRow("NOPs before and after") << kNop + kNop + urlOpt(p) + kNop << p << pk << false;
    QTest::newRow("query string") << urlOpt(query) + kEnd << query << pk << false;
    QTest::newRow("empty query string") << urlOpt(p + '?') << p + '?' << pk << false;
    QTest::newRow("query split across options")
        << urlOpt(query.left(45)) + urlOpt(query.mid(45)) + kEnd << query << pk << false;
    QTest::newRow("trailing garbage after EndOfOptions")
        << urlOpt(p) + kEnd + bytes({0x02, 0xFF, 'x'}) << p << pk << false;
    QTest::newRow("URLData after EndOfOptions ignored")
        << urlOpt(p) + kEnd + urlOpt("?more") << p << pk << false;
    QTest::newRow("unknown option skipped")
        << bytes({0x07, 3, 'a', 'b', 'c'}) + urlOpt(p) << p << pk << false;
    QTest::newRow("unknown option 0xff, length 0")
        << bytes({0xFF, 0}) + urlOpt(p) + kEnd << p << pk << false;
    QTest::newRow("unknown option between pieces")
        << urlOpt(p.left(20)) + bytes({0x03, 2, 0x02, 0x05}) + urlOpt(p.mid(20)) << p << pk
        << false;
    QTest::newRow("unknown option at the end")
        << urlOpt(p) + bytes({0x80, 1, 0}) << p << pk << false;
    QTest::newRow("zero-length URLData then data") << urlOpt({}) + urlOpt(p) << p << pk << false;
    QTest::newRow("600 bytes in 255-byte options")
        << urlOpts(longQuery) + kEnd << longQuery << pk << false;
    QTest::newRow("exactly the 1024-byte bound") << urlOpts(maxData) << maxData << pk << false;
    QTest::newRow("no options") << QByteArray() << QByteArray() << QByteArray() << false;
    QTest::newRow("only EndOfOptions") << kEnd << QByteArray() << QByteArray() << false;
    QTest::newRow("only NOPs") << kNop + kNop + kNop << QByteArray() << QByteArray() << false;
    QTest::newRow("only zero-length URLData")
        << urlOpt({}) + kEnd << QByteArray() << QByteArray() << false;
    QTest::newRow("only an unknown option")
        << bytes({0x09, 2, 1, 2}) << QByteArray() << QByteArray() << false;
    QTest::newRow("malformed: /short/announce")
        << urlOpt("/short/announce") << QByteArray("/short/announce") << QByteArray() << true;
    QTest::newRow("malformed: scrape path")
        << urlOpt("/" + pk + "/scrape") << "/" + pk + "/scrape" << QByteArray() << true;
    QTest::newRow("malformed: passkey as query")
        << urlOpt("/announce?passkey=" + pk) << "/announce?passkey=" + pk << QByteArray() << true;
}

void TestUdpProtocol::urlDataOptions()
{
    QFETCH(QByteArray, options);
    QFETCH(QByteArray, urlData);
    QFETCH(QByteArray, passkey);
    QFETCH(bool, malformed);

    RawAnnounce raw;
    raw.options = options;
    const udp::ParseResult r = udp::parse(raw.toBytes());
    QCOMPARE(r.error, udp::ParseError::None);
    QCOMPARE(r.packet.kind, udp::Kind::Announce);
    QCOMPARE(r.packet.urlData().toByteArray(), urlData);
    QCOMPARE(r.packet.urlDataPresent, !urlData.isEmpty());
    QCOMPARE(passkeyText(r.packet.announce.passkey), passkey);
    QCOMPARE(r.packet.passkeyMalformed, malformed);
    // The options don't disturb the fixed fields.
    QCOMPARE(r.packet.announce.port, quint16(6881));
    QCOMPARE(r.packet.announce.key, 0xDEADBEEFu);
}

void TestUdpProtocol::passkeyFromUrlData_data()
{
    QTest::addColumn<QByteArray>("urlData");
    QTest::addColumn<QByteArray>("passkey"); // empty: none
    QTest::addColumn<bool>("malformed");

    const QByteArray pk = kPasskey;
    QTest::newRow("path") << kPath << pk << false;
    QTest::newRow("path + query") << kPath + "?a=b" << pk << false;
    QTest::newRow("path + ?") << kPath + "?" << pk << false;
    QTest::newRow("all digits") << QByteArray("/" + QByteArray(32, '7') + "/announce")
                                << QByteArray(32, '7') << false;
    QTest::newRow("empty") << QByteArray() << QByteArray() << false;
    QTest::newRow("short passkey") << QByteArray("/short/announce") << QByteArray() << true;
    QTest::newRow("31 chars") << "/" + pk.left(31) + "/announce" << QByteArray() << true;
    QTest::newRow("33 chars") << "/" + pk + "x/announce" << QByteArray() << true;
    QTest::newRow("invalid char -") << "/" + pk.left(31) + "-/announce" << QByteArray() << true;
    QTest::newRow("invalid char NUL")
        << "/" + pk.left(16) + QByteArray(1, '\0') + pk.mid(17) + "/announce" << QByteArray()
        << true;
    QTest::newRow("scrape") << "/" + pk + "/scrape" << QByteArray() << true;
    QTest::newRow("trailing slash") << kPath + "/" << QByteArray() << true;
    QTest::newRow("announceX") << kPath + "X" << QByteArray() << true;
    QTest::newRow("fragment") << kPath + "#frag" << QByteArray() << true;
    QTest::newRow("Announce capitalised") << "/" + pk + "/Announce" << QByteArray() << true;
    QTest::newRow("no leading slash") << pk + "/announce" << QByteArray() << true;
    QTest::newRow("double leading slash") << "//" + pk + "/announce" << QByteArray() << true;
    QTest::newRow("passkey only") << "/" + pk << QByteArray() << true;
    QTest::newRow("passkey and slash") << "/" + pk + "/" << QByteArray() << true;
    QTest::newRow("just /announce") << QByteArray("/announce") << QByteArray() << true;
    QTest::newRow("query only") << "?passkey=" + pk << QByteArray() << true;
    QTest::newRow("single slash") << QByteArray("/") << QByteArray() << true;
}

void TestUdpProtocol::passkeyFromUrlData()
{
    QFETCH(QByteArray, urlData);
    QFETCH(QByteArray, passkey);
    QFETCH(bool, malformed);

    bool isMalformed = !malformed;
    QCOMPARE(passkeyText(udp::passkeyFromUrlData(urlData, &isMalformed)), passkey);
    QCOMPARE(isMalformed, malformed);
    // A null flag pointer is allowed.
    QCOMPARE(passkeyText(udp::passkeyFromUrlData(urlData)), passkey);
}

void TestUdpProtocol::scrapeRequest_data()
{
    QTest::addColumn<int>("hashes");
    QTest::newRow("1 hash") << 1;
    QTest::newRow("2 hashes") << 2;
    QTest::newRow("10 hashes") << 10;
    QTest::newRow("74 hashes (default limit)") << 74;
}

void TestUdpProtocol::scrapeRequest()
{
    QFETCH(int, hashes);

    const QByteArray packet = scrapePacket(hashes, 0x0F0E0D0C0B0A0908ull, 0x77665544u);
    QCOMPARE(packet.size(), 16 + 20 * hashes);
    const udp::ParseResult r = udp::parse(packet);
    QCOMPARE(r.error, udp::ParseError::None);
    QVERIFY(r.transactionKnown);
    QCOMPARE(r.packet.kind, udp::Kind::Scrape);
    QCOMPARE(r.packet.connectionId, 0x0F0E0D0C0B0A0908ull);
    QCOMPARE(r.packet.transactionId, 0x77665544u);
    QCOMPARE(r.packet.scrape.infoHashes.size(), std::size_t(hashes));
    for (int i = 0; i < hashes; ++i)
        QCOMPARE(r.packet.scrape.infoHashes[std::size_t(i)].toHex(), infoHash(i).toHex());
    // BEP 15 scrapes can't carry BEP 41 options, hence no passkey.
    QVERIFY(!r.packet.scrape.passkey);
}

void TestUdpProtocol::malformed_data()
{
    QTest::addColumn<QByteArray>("packet");
    QTest::addColumn<udp::ParseError>("error");
    QTest::addColumn<bool>("transactionKnown");
    QTest::addColumn<bool>("passkeyMalformed");

    using E = udp::ParseError;
    const QByteArray announce = RawAnnounce().toBytes();
    for (int n = 0; n < 98; ++n)
        QTest::addRow("announce truncated to %d", n)
            << announce.left(n) << E::TooShort << (n >= 16) << false;
    const QByteArray connect = header(udp::protocolId, 0, kTxid);
    for (int n = 0; n < 16; ++n)
        QTest::addRow("connect truncated to %d", n)
            << connect.left(n) << E::TooShort << false << false;

    QTest::newRow("connect: protocol id off by one")
        << header(udp::protocolId + 1, 0, kTxid) << E::BadProtocolId << true << false;
    QTest::newRow("connect: zero protocol id")
        << header(0, 0, kTxid) << E::BadProtocolId << true << false;
    QTest::newRow("connect: byte-swapped protocol id")
        << header(qbswap(udp::protocolId), 0, kTxid) << E::BadProtocolId << true << false;
    QTest::newRow("action 3 (error) from a client")
        << header(kConnId, 3, kTxid) + QByteArray(90, 0) << E::UnknownAction << true << false;
    QTest::newRow("action 4") << header(kConnId, 4, kTxid) + QByteArray(90, 0) << E::UnknownAction
                              << true << false;
    QTest::newRow("action 0x100") << header(kConnId, 0x100, kTxid) << E::UnknownAction << true
                                  << false;
    QTest::newRow("action 0xFFFFFFFF")
        << header(kConnId, 0xFFFFFFFFu, kTxid) << E::UnknownAction << true << false;
    QTest::newRow("scrape of 0 hashes") << scrapePacket(0) << E::BadScrapeLength << true << false;
    QTest::newRow("scrape length 16+19")
        << scrapePacket(1).left(35) << E::BadScrapeLength << true << false;
    QTest::newRow("scrape length 16+21")
        << scrapePacket(1) + 'x' << E::BadScrapeLength << true << false;
    QTest::newRow("scrape length 16+1")
        << scrapePacket(1).left(17) << E::BadScrapeLength << true << false;
    QTest::newRow("scrape with a BEP 41 option")
        << scrapePacket(2) + urlOpt(kPath) << E::BadScrapeLength << true << false;
    QTest::newRow("scrape of 75 hashes")
        << scrapePacket(75) << E::TooManyInfoHashes << true << false;
    QTest::newRow("scrape of 75 hashes and 1 byte")
        << scrapePacket(75) + 'x' << E::BadScrapeLength << true << false;
    QTest::newRow("scrape of 1000 hashes")
        << scrapePacket(1000) << E::TooManyInfoHashes << true << false;

    RawAnnounce r;
    r.event = 4;
    QTest::newRow("invalid event 4") << r.toBytes() << E::InvalidEvent << true << false;
    r.event = 0xFFFFFFFFu;
    QTest::newRow("invalid event 0xFFFFFFFF") << r.toBytes() << E::InvalidEvent << true << false;
    r.event = 0x00000100u;
    QTest::newRow("invalid event 0x100") << r.toBytes() << E::InvalidEvent << true << false;
    r.event = 5;
    r.options = bytes({0x02, 0xFF});
    QTest::newRow("invalid event reported before bad options")
        << r.toBytes() << E::InvalidEvent << true << false;

    const auto withOptions = [](const QByteArray &options) {
        RawAnnounce a;
        a.options = options;
        return a.toBytes();
    };
    QTest::newRow("URLData without length byte")
        << withOptions(bytes({0x02})) << E::MalformedOptions << true << false;
    QTest::newRow("URLData length past end")
        << withOptions(bytes({0x02, 10, 'a', 'b', 'c'})) << E::MalformedOptions << true << false;
    QTest::newRow("URLData length 255, 254 bytes")
        << withOptions(bytes({0x02, 0xFF}) + QByteArray(254, 'a')) << E::MalformedOptions << true
        << false;
    QTest::newRow("good URLData then length past end")
        << withOptions(urlOpt(kPath) + bytes({0x02, 5, '?'})) << E::MalformedOptions << true
        << false;
    QTest::newRow("NOP then URLData without length byte")
        << withOptions(kNop + kNop + bytes({0x02})) << E::MalformedOptions << true << false;
    QTest::newRow("unknown option without length byte")
        << withOptions(bytes({0x05})) << E::MalformedOptions << true << false;
    QTest::newRow("unknown option length past end")
        << withOptions(bytes({0x05, 4, 'a', 'b'})) << E::MalformedOptions << true << false;

    QByteArray tooLong = kPath + '?';
    tooLong += QByteArray(1025 - tooLong.size(), 'z');
    QTest::newRow("URL data 1025 bytes")
        << withOptions(urlOpts(tooLong) + kEnd) << E::UrlDataTooLong << true << false;
    QTest::newRow("URL data 1024 + 1 in a last option")
        << withOptions(urlOpts(QByteArray(1024, 'a')) + urlOpt("b")) << E::UrlDataTooLong << true
        << false;
    QTest::newRow("URL data 20 x 255 bytes")
        << withOptions(urlOpts(QByteArray(20 * 255, 'a'))) << E::UrlDataTooLong << true << false;

    // Well-formed packets whose URL data isn't "/<passkey>/announce[?query]": not a parse
    // error, but the caller answers MalformedPasskey rather than MissingPasskey.
    QTest::newRow("URL data /short/announce")
        << withOptions(urlOpt("/short/announce")) << E::None << true << true;
    QTest::newRow("URL data /<32 valid chars>/scrape")
        << withOptions(urlOpt("/" + kPasskey + "/scrape")) << E::None << true << true;
    QTest::newRow("URL data /<31 chars + '!'>/announce")
        << withOptions(urlOpt("/" + kPasskey.left(31) + "!/announce")) << E::None << true << true;
    QTest::newRow("URL data without leading slash")
        << withOptions(urlOpt(kPasskey + "/announce")) << E::None << true << true;
    QTest::newRow("URL data /announce only")
        << withOptions(urlOpt("/announce") + kEnd) << E::None << true << true;
}

void TestUdpProtocol::malformed()
{
    QFETCH(QByteArray, packet);
    QFETCH(udp::ParseError, error);
    QFETCH(bool, transactionKnown);
    QFETCH(bool, passkeyMalformed);

    // A detached copy of exactly packet.size() bytes, so a sanitizer build catches any read
    // past the end.
    const QByteArray copy(packet.constData(), packet.size());
    const udp::ParseResult r = udp::parse(copy.constData(), std::size_t(copy.size()));
    QCOMPARE(r.error, error);
    QCOMPARE(r.transactionKnown, transactionKnown);
    if (transactionKnown)
        QCOMPARE(r.packet.transactionId, kTxid);
    QCOMPARE(r.packet.passkeyMalformed, passkeyMalformed);
    if (passkeyMalformed) {
        QVERIFY(r.packet.urlDataPresent);
        QVERIFY(!r.packet.announce.passkey);
    }
    QVERIFY(qstrlen(udp::errorMessage(error)) > 0 || error == udp::ParseError::None);
}

void TestUdpProtocol::scrapeLimit_data()
{
    QTest::addColumn<int>("hashes");
    QTest::addColumn<int>("limit");
    QTest::addColumn<udp::ParseError>("error");

    QTest::newRow("1 of limit 1") << 1 << 1 << udp::ParseError::None;
    QTest::newRow("2 of limit 1") << 2 << 1 << udp::ParseError::TooManyInfoHashes;
    QTest::newRow("3 of limit 2") << 3 << 2 << udp::ParseError::TooManyInfoHashes;
    QTest::newRow("75 of limit 100") << 75 << 100 << udp::ParseError::None;
    QTest::newRow("100 of limit 100") << 100 << 100 << udp::ParseError::None;
    QTest::newRow("101 of limit 100") << 101 << 100 << udp::ParseError::TooManyInfoHashes;
    QTest::newRow("1 of limit 0") << 1 << 0 << udp::ParseError::TooManyInfoHashes;
}

void TestUdpProtocol::scrapeLimit()
{
    QFETCH(int, hashes);
    QFETCH(int, limit);
    QFETCH(udp::ParseError, error);

    const udp::ParseResult r = udp::parse(scrapePacket(hashes), std::size_t(limit));
    QCOMPARE(r.error, error);
    QVERIFY(r.transactionKnown);
    if (error == udp::ParseError::None)
        QCOMPARE(r.packet.scrape.infoHashes.size(), std::size_t(hashes));
}

void TestUdpProtocol::nullInput()
{
    udp::ParseResult r = udp::parse(nullptr, 0);
    QCOMPARE(r.error, udp::ParseError::TooShort);
    QVERIFY(!r.transactionKnown);
    r = udp::parse(nullptr, 100); // a null pointer is never read, whatever the size says
    QCOMPARE(r.error, udp::ParseError::TooShort);
    r = udp::parse(QByteArrayView());
    QCOMPARE(r.error, udp::ParseError::TooShort);
    QVERIFY(!udp::parseConnectReply(nullptr, 16));
    QVERIFY(!udp::parseAnnounceReply(nullptr, 20, 6));
    QVERIFY(!udp::parseScrapeReply(nullptr, 8));
    QVERIFY(!udp::parseErrorReply(nullptr, 8));
}

void TestUdpProtocol::errorMessages()
{
    using E = udp::ParseError;
    const E all[] = {E::TooShort,         E::BadProtocolId,     E::UnknownAction,
                     E::BadScrapeLength,  E::TooManyInfoHashes, E::InvalidEvent,
                     E::MalformedOptions, E::UrlDataTooLong};
    QCOMPARE(QByteArray(udp::errorMessage(E::None)), QByteArray());
    QSet<QByteArray> seen;
    for (E e : all) {
        const QByteArray text = udp::errorMessage(e);
        const QByteArray tag = "ParseError " + QByteArray::number(int(e));
        QVERIFY2(!text.isEmpty(), tag.constData());
        QVERIFY2(!seen.contains(text), tag.constData());
        seen.insert(text);
    }
    // Shared with the HTTP front-end, so one problem reads the same over both.
    QCOMPARE(QByteArray(udp::errorMessage(E::InvalidEvent)),
             QByteArray(failureReason(TrackerError::InvalidEvent)));
    QCOMPARE(QByteArray(udp::errorMessage(E::TooManyInfoHashes)),
             QByteArray(failureReason(TrackerError::TooManyInfoHashes)));
}

// --- Request builders

void TestUdpProtocol::announceRequestRoundTrip_data()
{
    QTest::addColumn<AnnounceRequest>("request");
    QTest::addColumn<QByteArray>("urlData");
    QTest::addColumn<bool>("endOfOptions");

    const AnnounceRequest base = sampleRequest();
    AnnounceRequest r = base;
    QTest::newRow("plain, no URL data") << base << QByteArray() << false;
    QTest::newRow("plain, no URL data, endOfOptions set") << base << QByteArray() << true;
    QTest::newRow("passkey + EndOfOptions") << base << kPath << true;
    QTest::newRow("passkey, no EndOfOptions") << base << kPath << false;
    QTest::newRow("passkey + query") << base << kPath + "?x=1" << true;
    QByteArray longData = kPath + '?';
    longData += QByteArray(700, 'a');
    QTest::newRow("747 bytes of URL data") << base << longData << true;
    QByteArray maxData = kPath + '?';
    maxData += QByteArray(1024 - maxData.size(), 'b');
    QTest::newRow("1024 bytes of URL data") << base << maxData << false;
    QTest::newRow("malformed URL data") << base << QByteArray("/nope") << true;
    for (int e = 0; e <= 3; ++e) {
        r = base;
        r.event = static_cast<AnnounceEvent>(e);
        QTest::addRow("event %d", e) << r << kPath << true;
    }
    for (int n : {-1, 0, 200}) {
        r = base;
        r.numwant = n;
        QTest::addRow("numwant %d", n) << r << kPath << true;
    }
    r = base;
    r.claimedIp = IpAddress::fromV4(0x0A000001u);
    QTest::newRow("claimed IPv4") << r << kPath << true;
    r = base;
    r.key = 0;
    r.port = 65535;
    r.downloaded = r.left = r.uploaded = ~0ull;
    QTest::newRow("extremes") << r << kPath << true;
}

void TestUdpProtocol::announceRequestRoundTrip()
{
    QFETCH(AnnounceRequest, request);
    QFETCH(QByteArray, urlData);
    QFETCH(bool, endOfOptions);

    const QByteArray packet =
        udp::buildAnnounceRequest(kConnId, kTxid, request, urlData, endOfOptions);

    // The builder agrees with the independent encoder above.
    RawAnnounce raw;
    raw.infoHash = request.infoHash.toByteArray();
    raw.peerId = request.peerId.toByteArray();
    raw.downloaded = request.downloaded;
    raw.left = request.left;
    raw.uploaded = request.uploaded;
    raw.event = quint32(request.event);
    raw.ip = request.claimedIp ? request.claimedIp->v4HostOrder() : 0;
    raw.key = request.key;
    raw.numWant = request.numwant;
    raw.port = request.port;
    raw.options = urlOpts(urlData);
    if (endOfOptions && !urlData.isEmpty())
        raw.options += kEnd;
    QCOMPARE(packet.toHex(), raw.toBytes().toHex());

    const udp::ParseResult r = udp::parse(packet);
    QCOMPARE(r.error, udp::ParseError::None);
    QCOMPARE(r.packet.kind, udp::Kind::Announce);
    QCOMPARE(r.packet.connectionId, kConnId);
    QCOMPARE(r.packet.transactionId, kTxid);
    const AnnounceRequest &a = r.packet.announce;
    QCOMPARE(a.infoHash, request.infoHash);
    QCOMPARE(a.peerId, request.peerId);
    QCOMPARE(a.downloaded, request.downloaded);
    QCOMPARE(a.left, request.left);
    QCOMPARE(a.uploaded, request.uploaded);
    QCOMPARE(a.event, request.event);
    QCOMPARE(a.claimedIp, request.claimedIp);
    QCOMPARE(a.key, request.key);
    QVERIFY(a.hasKey);
    QCOMPARE(a.numwant, request.numwant);
    QCOMPARE(a.port, request.port);
    QCOMPARE(r.packet.urlData().toByteArray(), urlData);
    bool malformed = false;
    const std::optional<Passkey> expected = udp::passkeyFromUrlData(urlData, &malformed);
    QCOMPARE(a.passkey, expected);
    QCOMPARE(r.packet.passkeyMalformed, malformed);
    if (urlData.startsWith(kPath))
        QCOMPARE(passkeyText(a.passkey), kPasskey);
}

void TestUdpProtocol::builderSplitsUrlData()
{
    const QByteArray data(600, 'u');
    const QByteArray packet = udp::buildAnnounceRequest(1, 2, sampleRequest(), data, true);
    QCOMPARE(packet.size(), 98 + (2 + 255) + (2 + 255) + (2 + 90) + 1);
    QCOMPARE(quint8(packet[98]), quint8(0x02));
    QCOMPARE(quint8(packet[99]), quint8(255));
    QCOMPARE(quint8(packet[98 + 257]), quint8(0x02));
    QCOMPARE(quint8(packet[98 + 258]), quint8(255));
    QCOMPARE(quint8(packet[98 + 514]), quint8(0x02));
    QCOMPARE(quint8(packet[98 + 515]), quint8(90));
    QCOMPARE(quint8(packet.back()), quint8(0x00));

    // An IPv6 claim can't go into BEP 15's 32-bit field: the builder sends "default".
    AnnounceRequest v6 = sampleRequest();
    const unsigned char addr[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    v6.claimedIp = IpAddress::fromV6(addr);
    const udp::ParseResult r = udp::parse(udp::buildAnnounceRequest(1, 2, v6));
    QCOMPARE(r.error, udp::ParseError::None);
    QVERIFY(!r.packet.announce.claimedIp);

    QCOMPARE(udp::announceUrlData(*Passkey::fromText(QByteArrayView(kPasskey))), kPath);
}

void TestUdpProtocol::connectRequestRoundTrip()
{
    for (quint32 txid : {0u, 1u, 0x80000000u, 0xFFFFFFFFu}) {
        const QByteArray packet = udp::buildConnectRequest(txid);
        QCOMPARE(packet, header(0x41727101980ull, 0, txid));
        const udp::ParseResult r = udp::parse(packet);
        QCOMPARE(r.error, udp::ParseError::None);
        QCOMPARE(r.packet.kind, udp::Kind::Connect);
        QCOMPARE(r.packet.transactionId, txid);
    }
}

void TestUdpProtocol::scrapeRequestRoundTrip_data()
{
    QTest::addColumn<int>("hashes");
    QTest::newRow("1") << 1;
    QTest::newRow("2") << 2;
    QTest::newRow("74") << 74;
}

void TestUdpProtocol::scrapeRequestRoundTrip()
{
    QFETCH(int, hashes);
    std::vector<InfoHash> list;
    for (int i = 0; i < hashes; ++i)
        list.push_back(infoHash(i + 100));
    const QByteArray packet = udp::buildScrapeRequest(kConnId, kTxid, list);
    QCOMPARE(packet.size(), 16 + 20 * hashes);
    QCOMPARE(packet.left(16), header(kConnId, 2, kTxid));
    const udp::ParseResult r = udp::parse(packet);
    QCOMPARE(r.error, udp::ParseError::None);
    QCOMPARE(r.packet.kind, udp::Kind::Scrape);
    QCOMPARE(r.packet.connectionId, kConnId);
    QCOMPARE(r.packet.transactionId, kTxid);
    QVERIFY(r.packet.scrape.infoHashes == list);
}

// --- Replies

void TestUdpProtocol::replyGoldenBytes()
{
    char buf[128];
    std::size_t n = udp::writeConnectReply(buf, sizeof buf, 0x01020304u, 0x1112131415161718ull);
    QCOMPARE(QByteArray(buf, qsizetype(n)).toHex(), QByteArray("00000000"
                                                               "01020304"
                                                               "1112131415161718"));

    const PeerEndpoint peer = PeerEndpoint::make(IpAddress::fromV4(0x01020304u), 6881);
    n = udp::writeAnnounceReply(buf, sizeof buf, 0xAABBCCDDu, 1800, 5, 7, peer.compactView());
    // BEP 15: action, transaction_id, interval, leechers, seeders, then IP + port.
    QCOMPARE(QByteArray(buf, qsizetype(n)).toHex(), QByteArray("00000001"
                                                               "aabbccdd"
                                                               "00000708"
                                                               "00000005"
                                                               "00000007"
                                                               "01020304"
                                                               "1ae1"));

    ScrapeResult result;
    ScrapeEntry e;
    e.complete = 1;   // seeders
    e.downloaded = 2; // completed
    e.incomplete = 3; // leechers
    result.files.push_back(e);
    n = udp::writeScrapeReply(buf, sizeof buf, 9, result);
    QCOMPARE(QByteArray(buf, qsizetype(n)).toHex(), QByteArray("00000002"
                                                               "00000009"
                                                               "00000001"
                                                               "00000002"
                                                               "00000003"));

    n = udp::writeErrorReply(buf, sizeof buf, 0x10u, "no");
    QCOMPARE(QByteArray(buf, qsizetype(n)).toHex(), QByteArray("00000003"
                                                               "00000010"
                                                               "6e6f"));
}

void TestUdpProtocol::connectReplyRoundTrip_data()
{
    QTest::addColumn<quint32>("txid");
    QTest::addColumn<quint64>("connId");
    QTest::newRow("zeros") << 0u << 0ull;
    QTest::newRow("typical") << 0x12345678u << 0x9ABCDEF012345678ull;
    QTest::newRow("max") << 0xFFFFFFFFu << ~0ull;
}

void TestUdpProtocol::connectReplyRoundTrip()
{
    QFETCH(quint32, txid);
    QFETCH(quint64, connId);
    char buf[16];
    QCOMPARE(udp::writeConnectReply(buf, sizeof buf, txid, connId), std::size_t(16));
    const auto r = udp::parseConnectReply(buf, sizeof buf);
    QVERIFY(r);
    QCOMPARE(r->transactionId, txid);
    QCOMPARE(r->connectionId, connId);
}

void TestUdpProtocol::announceReplyRoundTrip_data()
{
    QTest::addColumn<bool>("v6");
    QTest::addColumn<int>("peers");

    QTest::newRow("IPv4, no peers") << false << 0;
    QTest::newRow("IPv4, 1 peer") << false << 1;
    QTest::newRow("IPv4, 50 peers") << false << 50;
    QTest::newRow("IPv4, 200 peers") << false << 200;
    QTest::newRow("IPv6, no peers") << true << 0;
    QTest::newRow("IPv6, 1 peer") << true << 1;
    QTest::newRow("IPv6, 30 peers") << true << 30;
}

void TestUdpProtocol::announceReplyRoundTrip()
{
    QFETCH(bool, v6);
    QFETCH(int, peers);

    std::vector<PeerEndpoint> list;
    QByteArray compact;
    for (int i = 0; i < peers; ++i) {
        IpAddress ip;
        if (v6) {
            unsigned char b[16] = {0x20, 0x01, 0x0d, 0xb8};
            b[14] = static_cast<unsigned char>(i >> 8);
            b[15] = static_cast<unsigned char>(i + 1);
            ip = IpAddress::fromV6(b);
        } else {
            ip = IpAddress::fromV4(0x0A000000u + quint32(i) + 1);
        }
        list.push_back(PeerEndpoint::make(ip, static_cast<std::uint16_t>(1000 + i)));
        compact += list.back().compactView().toByteArray();
    }
    const std::size_t entry = v6 ? udp::peerEntrySizeV6 : udp::peerEntrySizeV4;
    QByteArray buf(20 + compact.size(), '\0');
    const std::size_t n =
        udp::writeAnnounceReply(buf.data(), std::size_t(buf.size()), kTxid, 1800, 11, 22, compact);
    QCOMPARE(n, 20 + std::size_t(peers) * entry);
    const auto r = udp::parseAnnounceReply(buf.constData(), n, entry);
    QVERIFY(r);
    QCOMPARE(r->transactionId, kTxid);
    QCOMPARE(r->interval, 1800u);
    QCOMPARE(r->leechers, 11u);
    QCOMPARE(r->seeders, 22u);
    QVERIFY(r->peers == list);
    for (std::size_t i = 0; i < list.size(); ++i) {
        QCOMPARE(r->peers[i].ip(), list[i].ip());
        QCOMPARE(r->peers[i].port(), std::uint16_t(1000 + i));
    }
}

void TestUdpProtocol::scrapeReplyRoundTrip_data()
{
    QTest::addColumn<int>("hashes");
    QTest::newRow("0") << 0;
    QTest::newRow("1") << 1;
    QTest::newRow("74") << 74;
}

void TestUdpProtocol::scrapeReplyRoundTrip()
{
    QFETCH(int, hashes);
    ScrapeResult result;
    for (int i = 0; i < hashes; ++i) {
        ScrapeEntry e;
        e.infoHash = infoHash(i);
        e.complete = quint32(3 * i + 1);
        e.downloaded = quint32(3 * i + 2) | 0x80000000u;
        e.incomplete = quint32(3 * i + 3) << 8;
        result.files.push_back(e);
    }
    char buf[8 + 12 * 74];
    const std::size_t n = udp::writeScrapeReply(buf, sizeof buf, kTxid, result);
    QCOMPARE(n, 8 + 12 * std::size_t(hashes));
    const auto r = udp::parseScrapeReply(buf, n);
    QVERIFY(r);
    QCOMPARE(r->transactionId, kTxid);
    QCOMPARE(r->files.size(), std::size_t(hashes));
    for (std::size_t i = 0; i < result.files.size(); ++i) {
        QCOMPARE(r->files[i].seeders, result.files[i].complete);
        QCOMPARE(r->files[i].completed, result.files[i].downloaded);
        QCOMPARE(r->files[i].leechers, result.files[i].incomplete);
    }
}

void TestUdpProtocol::errorReplyRoundTrip_data()
{
    QTest::addColumn<QByteArray>("message");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("unknown passkey") << QByteArray(failureReason(TrackerError::UnknownPasskey));
    QTest::newRow("too short") << QByteArray(udp::errorMessage(udp::ParseError::TooShort));
    QTest::newRow("binary") << bytes({0, 1, 2, 0xFF, 0x80});
    QTest::newRow("1000 bytes") << QByteArray(1000, 'e');
}

void TestUdpProtocol::errorReplyRoundTrip()
{
    QFETCH(QByteArray, message);
    QByteArray buf(8 + message.size(), '\0');
    const std::size_t n =
        udp::writeErrorReply(buf.data(), std::size_t(buf.size()), 0x31415926u, message);
    QCOMPARE(n, 8 + std::size_t(message.size()));
    const auto r = udp::parseErrorReply(buf.constData(), n);
    QVERIFY(r);
    QCOMPARE(r->transactionId, 0x31415926u);
    QCOMPARE(r->message, message);
}

void TestUdpProtocol::replyParsersReject_data()
{
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<int>("parser"); // 0 connect, 1 announce v4, 2 announce v6, 3 scrape, 4 error
    QTest::addColumn<bool>("accepted");

    const QByteArray connect = QByteArray::fromHex("00000000"
                                                   "00000001"
                                                   "0000000000000002");
    QTest::newRow("connect ok") << connect << 0 << true;
    QTest::newRow("connect with trailing bytes") << connect + "xyz" << 0 << true;
    QTest::newRow("connect 15 bytes") << connect.left(15) << 0 << false;
    QTest::newRow("connect wrong action") << QByteArray::fromHex("00000001"
                                                                 "00000001"
                                                                 "0000000000000002")
                                          << 0 << false;
    QTest::newRow("connect as error reply") << connect << 4 << false;

    const QByteArray announce = QByteArray::fromHex("00000001"
                                                    "00000001"
                                                    "00000708"
                                                    "00000000"
                                                    "00000000");
    QTest::newRow("announce ok") << announce << 1 << true;
    QTest::newRow("announce 19 bytes") << announce.left(19) << 1 << false;
    QTest::newRow("announce v4 + 5 bytes") << announce + QByteArray(5, 1) << 1 << false;
    QTest::newRow("announce v4 + 7 bytes") << announce + QByteArray(7, 1) << 1 << false;
    QTest::newRow("announce v6 + 6 bytes") << announce + QByteArray(6, 1) << 2 << false;
    QTest::newRow("announce v6 + 18 bytes") << announce + QByteArray(18, 1) << 2 << true;
    QTest::newRow("announce wrong action") << QByteArray::fromHex("00000002"
                                                                  "00000001"
                                                                  "00000708"
                                                                  "00000000"
                                                                  "00000000")
                                           << 1 << false;

    const QByteArray scrape = QByteArray::fromHex("00000002"
                                                  "00000001");
    QTest::newRow("scrape empty ok") << scrape << 3 << true;
    QTest::newRow("scrape 7 bytes") << scrape.left(7) << 3 << false;
    QTest::newRow("scrape + 11 bytes") << scrape + QByteArray(11, 0) << 3 << false;
    QTest::newRow("scrape + 13 bytes") << scrape + QByteArray(13, 0) << 3 << false;
    QTest::newRow("scrape + 24 bytes") << scrape + QByteArray(24, 0) << 3 << true;

    const QByteArray error = QByteArray::fromHex("00000003"
                                                 "00000001");
    QTest::newRow("error empty ok") << error << 4 << true;
    QTest::newRow("error 7 bytes") << error.left(7) << 4 << false;
    QTest::newRow("error as scrape reply") << error + "msg" << 3 << false;
}

void TestUdpProtocol::replyParsersReject()
{
    QFETCH(QByteArray, data);
    QFETCH(int, parser);
    QFETCH(bool, accepted);

    const char *d = data.constData();
    const auto n = std::size_t(data.size());
    bool ok = false;
    switch (parser) {
    case 0:
        ok = udp::parseConnectReply(d, n).has_value();
        break;
    case 1:
        ok = udp::parseAnnounceReply(d, n, udp::peerEntrySizeV4).has_value();
        break;
    case 2:
        ok = udp::parseAnnounceReply(d, n, udp::peerEntrySizeV6).has_value();
        break;
    case 3:
        ok = udp::parseScrapeReply(d, n).has_value();
        break;
    case 4:
        ok = udp::parseErrorReply(d, n).has_value();
        break;
    }
    QCOMPARE(ok, accepted);

    // Entry sizes other than 6 and 18 are refused, 0 included.
    for (std::size_t entry : {std::size_t(0), std::size_t(1), std::size_t(7), std::size_t(16)})
        QVERIFY(!udp::parseAnnounceReply(d, n, entry));
}

void TestUdpProtocol::bufferTooSmall_data()
{
    QTest::addColumn<int>("writer"); // 0 connect, 1 announce, 2 scrape, 3 error
    QTest::addColumn<int>("needed");
    QTest::newRow("connect") << 0 << 16;
    QTest::newRow("announce, 3 IPv4 peers") << 1 << 20 + 18;
    QTest::newRow("scrape, 2 hashes") << 2 << 8 + 24;
    QTest::newRow("error, 5 bytes") << 3 << 8 + 5;
}

void TestUdpProtocol::bufferTooSmall()
{
    QFETCH(int, writer);
    QFETCH(int, needed);

    ScrapeResult scrape;
    scrape.files.resize(2);
    const QByteArray peers(18, '\x42');
    const auto write = [&](char *out, std::size_t cap) -> std::size_t {
        switch (writer) {
        case 0:
            return udp::writeConnectReply(out, cap, 1, 2);
        case 1:
            return udp::writeAnnounceReply(out, cap, 1, 2, 3, 4, peers);
        case 2:
            return udp::writeScrapeReply(out, cap, 1, scrape);
        default:
            return udp::writeErrorReply(out, cap, 1, "hello");
        }
    };

    for (int cap : {0, 1, 7, needed - 1, needed, needed + 10}) {
        if (cap < 0 || cap > needed + 10)
            continue;
        // Canary bytes after `cap` must stay untouched.
        QByteArray buf(needed + 32, '\x5A');
        const std::size_t n = write(buf.data(), std::size_t(cap));
        QCOMPARE(n, cap >= needed ? std::size_t(needed) : std::size_t(0));
        const qsizetype untouchedFrom = cap >= needed ? needed : 0;
        QCOMPARE(buf.mid(untouchedFrom), QByteArray(buf.size() - untouchedFrom, '\x5A'));
    }
    QCOMPARE(write(nullptr, 0), std::size_t(0));
    QCOMPARE(write(nullptr, 1000), std::size_t(0));
}

void TestUdpProtocol::noAllocationOnAnnouncePath()
{
    RawAnnounce raw;
    raw.options = urlOpt(kPath.left(20)) + kNop + urlOpt(kPath.mid(20) + "?q=1") + kEnd;
    const QByteArray announce = raw.toBytes();
    const QByteArray connect = udp::buildConnectRequest(7);
    const QByteArray peers(6 * 50, '\x01');
    char out[1500];

    g_allocations = 0;
    g_countAllocations = true;
    const udp::ParseResult a = udp::parse(announce.constData(), std::size_t(announce.size()));
    const udp::ParseResult c = udp::parse(connect.constData(), std::size_t(connect.size()));
    const std::size_t n1 = udp::writeConnectReply(out, sizeof out, 7, 99);
    const std::size_t n2 = udp::writeAnnounceReply(out, sizeof out, 7, 1800, 1, 2, peers);
    const std::size_t n3 = udp::writeErrorReply(out, sizeof out, 7, "unknown passkey");
    g_countAllocations = false;

    QCOMPARE(g_allocations.load(), 0L);
    QCOMPARE(a.error, udp::ParseError::None);
    QCOMPARE(passkeyText(a.packet.announce.passkey), kPasskey);
    QCOMPARE(c.error, udp::ParseError::None);
    QVERIFY(n1 > 0 && n2 > 0 && n3 > 0);

    // The counter works: a scrape allocates its hash list.
    const QByteArray scrape = scrapePacket(3);
    g_allocations = 0;
    g_countAllocations = true;
    const udp::ParseResult s = udp::parse(scrape);
    g_countAllocations = false;
    QCOMPARE(s.error, udp::ParseError::None);
    QVERIFY(g_allocations.load() > 0);
}

QTEST_APPLESS_MAIN(TestUdpProtocol)

#include "tst_udpprotocol.moc"
