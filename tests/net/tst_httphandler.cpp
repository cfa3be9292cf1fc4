// Tests handleTrackerRequest: HTTP targets through the real core and memory peer store.
#include "server/net/httphandler.h"
#include "server/peers/memorypeerstore.h"
#include "shared/bencode/bencode.h"

#include <QTest>

using namespace sk;
namespace bencode = proto::bencode;

namespace {
const QByteArray kPk1 = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const QByteArray kPk2 = "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";
const QByteArray kHash = "%01%01%01%01%01%01%01%01%01%01%01%01%01%01%01%01%01%01%01%01";

QByteArray announceTarget(const QByteArray &pk, const QByteArray &peer, int port, int left,
                          const QByteArray &extra = {})
{
    return "/" + pk + "/announce?info_hash=" + kHash + "&peer_id=-XX0001-" + peer +
           "&port=" + QByteArray::number(port) +
           "&uploaded=0&downloaded=0&left=" + QByteArray::number(left) + extra;
}
} // namespace

class TestHttpHandler : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init()
    {
        m_registry = std::make_unique<core::Registry>();
        m_store = std::make_unique<peers::MemoryPeerStore>();
        m_registry->putUser({1, *proto::Passkey::fromText(kPk1), true});
        m_registry->putUser({2, *proto::Passkey::fromText(kPk2), true});
        proto::InfoHash h;
        h.bytes.fill(1);
        m_registry->putTorrent(1, h);
        m_service = std::make_unique<core::AnnounceService>(*m_registry, *m_store, m_clock,
                                                            core::TrackerSettings{});
    }

    void peersMeet()
    {
        const auto client = proto::IpAddress::fromV4(0x7F000001);
        auto r1 = net::handleTrackerRequest(
            *m_service, announceTarget(kPk1, "000000000001", 7001, 0), client, 64);
        QCOMPARE(r1.status, 200);
        auto r2 = net::handleTrackerRequest(
            *m_service, announceTarget(kPk2, "000000000002", 7002, 5), client, 64);
        const auto d = bencode::decode(r2.body);
        QVERIFY(d.value);
        QCOMPARE(d.value->find("complete")->toInt(), 1);
        QCOMPARE(d.value->find("incomplete")->toInt(), 1);
        QCOMPARE(d.value->find("peers")->toBytes(), QByteArray("\x7f\x00\x00\x01\x1b\x59", 6));
        QVERIFY(d.value->find("interval")->toInt() > 0);
        QVERIFY(!d.value->find("peers6")); // BEP 7: only when there are IPv6 peers
    }

    void dictionaryPeers()
    {
        const auto client = proto::IpAddress::fromV4(0x7F000001);
        net::handleTrackerRequest(*m_service, announceTarget(kPk1, "000000000001", 7001, 0), client,
                                  64);
        auto r = net::handleTrackerRequest(
            *m_service, announceTarget(kPk2, "000000000002", 7002, 5, "&compact=0"), client, 64);
        const auto d = bencode::decode(r.body);
        QVERIFY(d.value);
        const auto &list = d.value->find("peers")->list();
        QCOMPARE(list.size(), 1u);
        QCOMPARE(list[0].find("ip")->toBytes(), QByteArray("127.0.0.1"));
        QCOMPARE(list[0].find("port")->toInt(), 7001);
        QCOMPARE(list[0].find("peer id")->toBytes(), QByteArray("-XX0001-000000000001"));
    }

    void failures_data()
    {
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("reason");
        QTest::newRow("unknown passkey")
            << announceTarget("CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC", "000000000001", 1, 0) << 200
            << QByteArray("unknown passkey");
        QTest::newRow("malformed passkey") << announceTarget("short", "000000000001", 1, 0) << 200
                                           << QByteArray("malformed passkey");
        QTest::newRow("no passkey")
            << QByteArray("/announce?info_hash=" + kHash +
                          "&peer_id=-XX0001-000000000001&port=1&uploaded=0&downloaded=0&left=0")
            << 200 << QByteArray("missing passkey: use /<passkey>/announce");
        QTest::newRow("unregistered")
            << QByteArray(
                   "/" + kPk1 +
                   "/announce?info_hash=%02%01%01%01%01%01%01%01%01%01%01%01%01%01%01%01%01%01%01%"
                   "01&peer_id=-XX0001-000000000001&port=1&uploaded=0&downloaded=0&left=0")
            << 200 << QByteArray("torrent not registered with this tracker");
        QTest::newRow("short hash")
            << QByteArray("/" + kPk1 +
                          "/announce?info_hash=%01&peer_id=-XX0001-000000000001&port=1&uploaded=0&"
                          "downloaded=0&left=0")
            << 200 << QByteArray("invalid info_hash: must be exactly 20 bytes");
        QTest::newRow("unknown path")
            << QByteArray("/favicon.ico") << 404
            << QByteArray("unknown path: use /<passkey>/announce or /<passkey>/scrape");
        QTest::newRow("scrape without hash")
            << QByteArray("/" + kPk1 + "/scrape") << 200 << QByteArray("missing info_hash");
    }
    void failures()
    {
        QFETCH(QByteArray, target);
        QFETCH(int, status);
        QFETCH(QByteArray, reason);
        const auto r =
            net::handleTrackerRequest(*m_service, target, proto::IpAddress::fromV4(1), 64);
        QCOMPARE(r.status, status);
        const auto d = bencode::decode(r.body);
        QVERIFY(d.value);
        QCOMPARE(d.value->find("failure reason")->toBytes(), reason);
        QVERIFY(d.value->find("interval"));   // clients back off using it
        QCOMPARE(m_store->stats().peers, 0u); // nothing changed
    }

    void scrape()
    {
        const auto client = proto::IpAddress::fromV4(0x7F000001);
        net::handleTrackerRequest(*m_service,
                                  announceTarget(kPk1, "000000000001", 7001, 0, "&event=completed"),
                                  client, 64);
        auto r = net::handleTrackerRequest(
            *m_service, QByteArray("/" + kPk2 + "/scrape?info_hash=" + kHash), client, 64);
        const auto d = bencode::decode(r.body);
        QVERIFY(d.value);
        const auto *files = d.value->find("files");
        QVERIFY(files);
        const auto *f = files->find(QByteArray(20, '\x01'));
        QVERIFY(f);
        QCOMPARE(f->find("complete")->toInt(), 1);
        QCOMPARE(f->find("downloaded")->toInt(), 1);
    }

private:
    core::ManualClock m_clock;
    std::unique_ptr<core::Registry> m_registry;
    std::unique_ptr<peers::MemoryPeerStore> m_store;
    std::unique_ptr<core::AnnounceService> m_service;
};

QTEST_GUILESS_MAIN(TestHttpHandler)
#include "tst_httphandler.moc"
