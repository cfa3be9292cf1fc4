// Tests the peer journal's codec (entries round-trip byte for byte at their expected sizes;
// blobs of the first format are read; malformed blobs of either format are refused whole) and its
// fold (watermarks, newest sequence, departures, the time filter).
#include "server/core/peerjournal.h"

#include <QTest>
#include <QtEndian>

#include <cstring>
#include <limits>

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
    e.sequence = sequence;
    if (kind == EntryKind::Watermark)
        return e; // a watermark holds its torrent and sequence only
    e.peer.user = 3;
    e.peer.peerId.bytes.fill(static_cast<unsigned char>(peer));
    e.peer.uploaded = uploaded;
    e.peer.lastAnnounce = lastAnnounce;
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

// An entry of the first format (96 bytes, fixed), as the server wrote it before the compact
// one: what a database of that time holds.
QByteArray fixedEntry(const Entry &e)
{
    QByteArray b(96, '\0');
    char *p = b.data();
    p[0] = static_cast<char>(e.kind);
    p[1] = e.peer.endpoint.v6 ? 1 : 0;
    qToLittleEndian<quint32>(e.peer.torrent, p + 4);
    qToLittleEndian<quint32>(e.peer.user, p + 8);
    std::memcpy(p + 12, e.peer.peerId.bytes.data(), 20);
    qToLittleEndian<quint64>(e.peer.uploaded, p + 32);
    qToLittleEndian<quint64>(e.peer.downloaded, p + 40);
    qToLittleEndian<quint64>(e.peer.left, p + 48);
    qToLittleEndian<qint64>(e.peer.lastAnnounce, p + 56);
    qToLittleEndian<quint64>(e.sequence, p + 64);
    std::memcpy(p + 72, e.peer.endpoint.compact.data(), std::size_t(e.peer.endpoint.compactSize()));
    return b;
}

QByteArray bytes(std::initializer_list<int> values)
{
    QByteArray b;
    for (int v : values)
        b.append(static_cast<char>(v));
    return b;
}
} // namespace

class TestPeerJournal : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void roundTrip_data()
    {
        QTest::addColumn<Entries>("entries");
        QTest::addColumn<int>("size"); // of the blob
        Entry v6 = live(7, 'b', ~0ull, ~0ull, std::numeric_limits<std::int64_t>::min());
        proto::IpAddress ip;
        ip.v6 = true;
        ip.bytes.fill(0xFE);
        v6.peer.endpoint = proto::PeerEndpoint::make(ip, 65535);
        v6.peer.downloaded = 1ull << 63;
        v6.peer.left = 12345;
        v6.peer.user = 0xFFFFFFFFu;
        Entry negative = live(1, 'n', 1, 0, -1);
        QTest::newRow("empty") << Entries{} << 0;
        // Format byte; kind, torrent, user: 1 each; peer_id; uploaded, downloaded, left: 1 each;
        // last announce 1000 (zigzag 2000): 2; sequence: 1; endpoint: 6.
        QTest::newRow("ipv4 live") << Entries{live(1, 'a', 1, 100)} << 1 + 35;
        // Every varint at its longest: user 5, uploaded, downloaded, last announce, sequence 10;
        // left 12345: 2; endpoint: 18.
        QTest::newRow("ipv6, extremes") << Entries{v6} << 1 + 87;
        QTest::newRow("a negative last announce") << Entries{negative} << 1 + 34;
        QTest::newRow("each kind")
            << Entries{watermark(2, 9), live(2, 'a', 9, 5), stopped(2, 'c', 10)} << 1 + 3 + 35 + 35;
    }
    void roundTrip()
    {
        QFETCH(Entries, entries);
        QFETCH(int, size);
        const QByteArray blob = encoded(entries);
        QCOMPARE(blob.size(), qsizetype(size));
        Entries back{live(9, 'x', 1, 1)}; // decode appends
        QVERIFY(core::journal::decode(blob, back));
        QCOMPARE(back.size(), entries.size() + 1);
        QVERIFY(Entries(back.begin() + 1, back.end()) == entries);
        QCOMPARE(encoded(Entries(back.begin() + 1, back.end())), blob);
    }

    // Blobs of the first format, fixed entries of 96 bytes, are still read.
    void firstFormatRead()
    {
        Entry v6 = live(7, 'b', 5, 50);
        proto::IpAddress ip;
        ip.v6 = true;
        ip.bytes.fill(0xFE);
        v6.peer.endpoint = proto::PeerEndpoint::make(ip, 65535);
        const Entries entries{watermark(2, 9), live(2, 'a', 9, 5), stopped(2, 'c', 10), v6};
        QByteArray blob;
        for (const Entry &e : entries)
            blob += fixedEntry(e);
        Entries back;
        QVERIFY(core::journal::decode(blob, back));
        QVERIFY(back == entries);

        // A watermark is its torrent and sequence: whatever else the old entry held is dropped.
        Entry stray = live(4, 'z', 11, 99);
        stray.kind = EntryKind::Watermark;
        Entries one;
        QVERIFY(core::journal::decode(fixedEntry(stray), one));
        QCOMPARE(one.size(), std::size_t(1));
        QVERIFY(one[0] == watermark(4, 11));
    }

    // Every blob that is not exactly what append() writes, or what the first format wrote, is
    // refused whole.
    void malformed_data()
    {
        QTest::addColumn<QByteArray>("blob");
        const QByteArray good = encoded({live(1, 'a', 1, 100), live(1, 'b', 2, 200)});
        const QByteArray mark = encoded({watermark(1, 1)}); // C2 03 01 01
        const auto with = [](QByteArray b, qsizetype at, char value) {
            b[at] = value;
            return b;
        };
        QTest::newRow("one byte short") << good.left(good.size() - 1);
        QTest::newRow("one byte long") << good + QByteArray(1, '\0');
        QTest::newRow("a lone format byte") << QByteArray(1, '\xC2');
        QTest::newRow("an unknown format") << with(good, 0, '\xC3');
        QTest::newRow("kind 0") << with(good, 36, 0);
        QTest::newRow("an unknown flag") << with(good, 36, 0x09);
        QTest::newRow("a watermark with the IPv6 flag") << with(mark, 1, 0x07);
        QTest::newRow("a varint not in its shortest form") << bytes({0xC2, 3, 0x81, 0, 1});
        QTest::newRow("a torrent past 32 bits")
            << bytes({0xC2, 3, 0x80, 0x80, 0x80, 0x80, 0x10, 1});
        QTest::newRow("a varint past 64 bits")
            << bytes({0xC2, 3, 1, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02});
        QTest::newRow("a varint past the end") << bytes({0xC2, 3, 1, 0x80});
        QTest::newRow("a watermark without its sequence") << bytes({0xC2, 3, 1});

        const QByteArray fixed = fixedEntry(live(1, 'a', 1, 100)) + fixedEntry(live(1, 'b', 2, 1));
        Entry v6e = live(1, 'c', 3, 1);
        proto::IpAddress ip;
        ip.v6 = true;
        v6e.peer.endpoint = proto::PeerEndpoint::make(ip, 1);
        const QByteArray fixedV6 = fixedEntry(v6e);
        QTest::newRow("first format: one byte short") << fixed.left(fixed.size() - 1);
        QTest::newRow("first format: a lone byte") << QByteArray(1, '\1');
        QTest::newRow("first format: kind 0") << with(fixed, 96, 0);
        QTest::newRow("first format: kind 4") << with(fixed, 96, 4);
        QTest::newRow("first format: v6 flag 2") << with(fixed, 1, 2);
        QTest::newRow("first format: padding after the flag") << with(fixed, 3, 1);
        QTest::newRow("first format: ipv4 endpoint tail") << with(fixed, 72 + 6, 1);
        QTest::newRow("first format: last padding byte") << with(fixed, 96 + 95, 1);
        QTest::newRow("first format: ipv6 trailing padding") << with(fixedV6, 72 + 18, 1);
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
