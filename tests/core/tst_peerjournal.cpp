// Tests the peer journal's codec (entries round-trip byte for byte; malformed blobs are
// refused whole) and its fold (watermarks, newest sequence, departures, the time filter).
#include "server/core/peerjournal.h"

#include <QTest>

using namespace sk;
using core::journal::Entry;
using core::journal::EntryKind;
using Entries = std::vector<Entry>;

Q_DECLARE_METATYPE(Entries)

namespace {
Entry entry(EntryKind kind, core::TorrentId torrent, char peer, std::uint64_t sequence,
            std::uint64_t uploaded = 0, std::int64_t lastAnnounce = 1000)
{
    Entry e;
    e.kind = kind;
    e.peer.torrent = torrent;
    e.peer.user = 3;
    if (kind != EntryKind::Watermark)
        e.peer.peerId.bytes.fill(static_cast<unsigned char>(peer));
    e.peer.uploaded = uploaded;
    e.peer.lastAnnounce = lastAnnounce;
    e.sequence = sequence;
    e.peer.endpoint = proto::PeerEndpoint::make(proto::IpAddress::fromV4(0x0A000001), 6881);
    return e;
}
Entry live(core::TorrentId t, char peer, std::uint64_t seq, std::uint64_t up,
           std::int64_t at = 1000)
{
    return entry(EntryKind::Live, t, peer, seq, up, at);
}
Entry stopped(core::TorrentId t, char peer, std::uint64_t seq)
{
    return entry(EntryKind::Stopped, t, peer, seq);
}
Entry watermark(core::TorrentId t, std::uint64_t seq)
{
    return entry(EntryKind::Watermark, t, 0, seq);
}

QByteArray encoded(const Entries &entries)
{
    QByteArray blob;
    for (const Entry &e : entries)
        core::journal::append(blob, e);
    return blob;
}
} // namespace

class TestPeerJournal : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void roundTrip_data()
    {
        QTest::addColumn<Entries>("entries");
        Entry v6 = live(7, 'b', ~0ull, ~0ull, std::numeric_limits<std::int64_t>::min());
        proto::IpAddress ip;
        ip.v6 = true;
        ip.bytes.fill(0xFE);
        v6.peer.endpoint = proto::PeerEndpoint::make(ip, 65535);
        v6.peer.downloaded = 1ull << 63;
        v6.peer.left = 12345;
        v6.peer.user = 0xFFFFFFFFu;
        QTest::newRow("empty") << Entries{};
        QTest::newRow("ipv4 live") << Entries{live(1, 'a', 1, 100)};
        QTest::newRow("ipv6, extremes") << Entries{v6};
        QTest::newRow("each kind")
            << Entries{watermark(2, 9), live(2, 'a', 9, 5), stopped(2, 'c', 10)};
    }
    void roundTrip()
    {
        QFETCH(Entries, entries);
        const QByteArray blob = encoded(entries);
        QCOMPARE(blob.size(), qsizetype(entries.size()) * core::journal::kEntrySize);
        Entries back{live(9, 'x', 1, 1)}; // decode appends
        QVERIFY(core::journal::decode(blob, back));
        QCOMPARE(back.size(), entries.size() + 1);
        QVERIFY(Entries(back.begin() + 1, back.end()) == entries);
        QCOMPARE(encoded(Entries(back.begin() + 1, back.end())), blob);
    }

    // Every blob that is not exactly what append() writes is refused whole.
    void malformed_data()
    {
        QTest::addColumn<QByteArray>("blob");
        const QByteArray good = encoded({live(1, 'a', 1, 100), live(1, 'b', 2, 200)});
        Entry v6e = live(1, 'c', 3, 1);
        proto::IpAddress ip;
        ip.v6 = true;
        v6e.peer.endpoint = proto::PeerEndpoint::make(ip, 1);
        const QByteArray v6 = encoded({v6e});
        const auto with = [](QByteArray b, qsizetype at, char value) {
            b[at] = value;
            return b;
        };
        QTest::newRow("one byte short") << good.left(good.size() - 1);
        QTest::newRow("one byte long") << good + QByteArray(1, '\0');
        QTest::newRow("a lone byte") << QByteArray(1, '\1');
        QTest::newRow("kind 0") << with(good, 96, 0);
        QTest::newRow("kind 4") << with(good, 96, 4);
        QTest::newRow("v6 flag 2") << with(good, 1, 2);
        QTest::newRow("padding after the flag") << with(good, 3, 1);
        QTest::newRow("ipv4 endpoint tail") << with(good, 72 + 6, 1);
        QTest::newRow("last padding byte") << with(good, 96 + 95, 1);
        QTest::newRow("ipv6 trailing padding") << with(v6, 72 + 18, 1);
        QTest::newRow("all 0xFF") << QByteArray(96, '\xFF');
    }
    void malformed()
    {
        QFETCH(QByteArray, blob);
        Entries out{live(9, 'x', 1, 1)};
        QVERIFY(!core::journal::decode(blob, out));
        QCOMPARE(out.size(), std::size_t(1)); // unchanged
    }

    // Peer 'a' on torrent 1 after a snapshot and a log: its uploaded total, or -1 if the fold
    // leaves no such peer.
    void fold_data()
    {
        QTest::addColumn<Entries>("snapshot");
        QTest::addColumn<Entries>("log");
        QTest::addColumn<qint64>("announcedSince");
        QTest::addColumn<qint64>("uploaded");
        QTest::newRow("log only: the highest sequence, whatever the order")
            << Entries{} << Entries{live(1, 'a', 2, 20), live(1, 'a', 1, 10)} << 0ll << 20ll;
        QTest::newRow("snapshot alone")
            << Entries{watermark(1, 5), live(1, 'a', 5, 50)} << Entries{} << 0ll << 50ll;
        QTest::newRow("a newer log entry over the snapshot")
            << Entries{watermark(1, 5), live(1, 'a', 5, 50)} << Entries{live(1, 'a', 6, 60)} << 0ll
            << 60ll;
        QTest::newRow("entries at or below the watermark are in the snapshot")
            << Entries{watermark(1, 5), live(1, 'a', 5, 50)}
            << Entries{live(1, 'a', 4, 40), live(1, 'a', 5, 45)} << 0ll << 50ll;
        QTest::newRow("gone before the snapshot: an old entry does not bring it back")
            << Entries{watermark(1, 9)} << Entries{live(1, 'a', 8, 80)} << 0ll << -1ll;
        QTest::newRow("stopped after the snapshot") << Entries{watermark(1, 5), live(1, 'a', 5, 50)}
                                                    << Entries{stopped(1, 'a', 6)} << 0ll << -1ll;
        QTest::newRow("a stop drained before the older announce stays a stop")
            << Entries{} << Entries{stopped(1, 'a', 7), live(1, 'a', 6, 60)} << 0ll << -1ll;
        QTest::newRow("back after a stop")
            << Entries{} << Entries{stopped(1, 'a', 7), live(1, 'a', 8, 80)} << 0ll << 80ll;
        QTest::newRow("another torrent's watermark does not apply")
            << Entries{watermark(2, 9)} << Entries{live(1, 'a', 3, 30)} << 0ll << 30ll;
        QTest::newRow("a log watermark is ignored")
            << Entries{} << Entries{watermark(1, 9), live(1, 'a', 3, 30)} << 0ll << 30ll;
        QTest::newRow("last announced before the cutoff")
            << Entries{} << Entries{live(1, 'a', 1, 10, 999)} << 1000ll << -1ll;
        QTest::newRow("last announced at the cutoff")
            << Entries{} << Entries{live(1, 'a', 1, 10, 1000)} << 1000ll << 10ll;
    }
    void fold()
    {
        QFETCH(Entries, snapshot);
        QFETCH(Entries, log);
        QFETCH(qint64, announcedSince);
        QFETCH(qint64, uploaded);
        core::journal::Fold f;
        f.addSnapshot(snapshot);
        f.addLog(log);
        qint64 found = -1;
        for (const core::PeerRecord &p : f.peers(announcedSince))
            if (p.torrent == 1 && p.peerId.bytes[0] == 'a')
                found = qint64(p.uploaded);
        QCOMPARE(found, uploaded);
    }

    // The restored list is in key order, each peer once, with every field of its entry.
    void foldKeepsFieldsInKeyOrder()
    {
        core::journal::Fold f;
        Entry b = live(2, 'b', 4, 40);
        b.peer.downloaded = 7;
        b.peer.left = 8;
        f.addLog({b, live(1, 'c', 1, 10), live(1, 'a', 1, 10), live(1, 'a', 2, 20)});
        const std::vector<core::PeerRecord> peers = f.peers(0);
        QCOMPARE(peers.size(), std::size_t(3));
        QCOMPARE(peers[0].peerId.bytes[0], 'a');
        QCOMPARE(peers[1].peerId.bytes[0], 'c');
        QCOMPARE(peers[2].torrent, 2u);
        QCOMPARE(peers[2].downloaded, 7u);
        QCOMPARE(peers[2].left, 8u);
        QCOMPARE(peers[2].endpoint.port(), quint16(6881));
        QCOMPARE(peers[2].lastAnnounce, std::int64_t(1000));
    }
};

QTEST_GUILESS_MAIN(TestPeerJournal)
#include "tst_peerjournal.moc"
