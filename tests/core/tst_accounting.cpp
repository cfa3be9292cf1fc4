// Tests accounting: credit per announce (baselines, resets, freeleech, multipliers), the
// per-thread ledger, and coalescing into a batch (sums, newest peer state, merge on retry).
#include "server/core/accounting.h"

#include <QTest>

#include <cmath>
#include <limits>
#include <thread>

using namespace sk;
using core::Credit;

Q_DECLARE_METATYPE(std::optional<sk::core::PreviousPeer>)
Q_DECLARE_METATYPE(sk::core::TorrentPolicy)

namespace {
core::StatsRecord record(std::uint64_t seq, core::UserId user, core::TorrentId torrent, char peer,
                         std::uint64_t up, std::uint64_t down, std::uint64_t totalUp = 0)
{
    core::StatsRecord r;
    r.sequence = seq;
    r.user = user;
    r.torrent = torrent;
    r.peerId.bytes.fill(static_cast<unsigned char>(peer));
    r.credit.rawUploaded = r.credit.uploaded = up;
    r.credit.rawDownloaded = r.credit.downloaded = down;
    r.uploaded = totalUp;
    return r;
}
} // namespace

class TestAccounting : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void credit_data()
    {
        QTest::addColumn<std::optional<core::PreviousPeer>>("previous");
        QTest::addColumn<quint64>("uploaded");
        QTest::addColumn<quint64>("downloaded");
        QTest::addColumn<core::TorrentPolicy>("policy");
        QTest::addColumn<bool>("global");
        QTest::addColumn<quint64>("rawUp");
        QTest::addColumn<quint64>("rawDown");
        QTest::addColumn<quint64>("creditUp");
        QTest::addColumn<quint64>("creditDown");
        QTest::addColumn<bool>("reset");

        const core::PreviousPeer prev{1000, 500, 10, 0};
        const std::optional<core::PreviousPeer> none;
        core::TorrentPolicy plain;
        core::TorrentPolicy free;
        free.freeleech = true;
        core::TorrentPolicy freeUntil = free;
        freeUntil.freeleechUntil = 2000; // "now" is 1000 below
        core::TorrentPolicy freeExpired = free;
        freeExpired.freeleechUntil = 1000;
        core::TorrentPolicy doubleUp;
        doubleUp.uploadMultiplier = 2.0;
        doubleUp.downloadMultiplier = 0.5;
        core::TorrentPolicy nan;
        nan.uploadMultiplier = std::nan("");
        nan.downloadMultiplier = -1.0;

        QTest::newRow("new peer: baseline only")
            << none << quint64(5000) << quint64(7000) << plain << false << quint64(0) << quint64(0)
            << quint64(0) << quint64(0) << false;
        QTest::newRow("plain delta")
            << std::optional(prev) << quint64(1300) << quint64(600) << plain << false
            << quint64(300) << quint64(100) << quint64(300) << quint64(100) << false;
        QTest::newRow("replay credits nothing")
            << std::optional(prev) << quint64(1000) << quint64(500) << plain << false << quint64(0)
            << quint64(0) << quint64(0) << quint64(0) << false;
        QTest::newRow("freeleech")
            << std::optional(prev) << quint64(1300) << quint64(600) << free << false << quint64(300)
            << quint64(100) << quint64(300) << quint64(0) << false;
        QTest::newRow("freeleech until later")
            << std::optional(prev) << quint64(1300) << quint64(600) << freeUntil << false
            << quint64(300) << quint64(100) << quint64(300) << quint64(0) << false;
        QTest::newRow("freeleech expired")
            << std::optional(prev) << quint64(1300) << quint64(600) << freeExpired << false
            << quint64(300) << quint64(100) << quint64(300) << quint64(100) << false;
        QTest::newRow("global freeleech")
            << std::optional(prev) << quint64(1300) << quint64(600) << plain << true << quint64(300)
            << quint64(100) << quint64(300) << quint64(0) << false;
        QTest::newRow("multipliers")
            << std::optional(prev) << quint64(1300) << quint64(601) << doubleUp << false
            << quint64(300) << quint64(101) << quint64(600) << quint64(50) << false;
        QTest::newRow("NaN and negative multipliers credit nothing")
            << std::optional(prev) << quint64(1300) << quint64(600) << nan << false << quint64(300)
            << quint64(100) << quint64(0) << quint64(0) << false;
        QTest::newRow("upload went backwards: reset")
            << std::optional(prev) << quint64(10) << quint64(900) << plain << false << quint64(0)
            << quint64(0) << quint64(0) << quint64(0) << true;
        QTest::newRow("download went backwards: reset")
            << std::optional(prev) << quint64(2000) << quint64(0) << plain << false << quint64(0)
            << quint64(0) << quint64(0) << quint64(0) << true;
        const std::uint64_t top = std::numeric_limits<std::uint64_t>::max();
        QTest::newRow("huge upload times 2 saturates")
            << std::optional(core::PreviousPeer{0, 0, 0, 0}) << quint64(top) << quint64(0)
            << doubleUp << false << quint64(top) << quint64(0) << quint64(top) << quint64(0)
            << false;
    }
    void credit()
    {
        QFETCH(std::optional<core::PreviousPeer>, previous);
        QFETCH(quint64, uploaded);
        QFETCH(quint64, downloaded);
        QFETCH(core::TorrentPolicy, policy);
        QFETCH(bool, global);
        const Credit c = core::computeCredit(previous, uploaded, downloaded, policy, global, 1000);
        QTEST(quint64(c.rawUploaded), "rawUp");
        QTEST(quint64(c.rawDownloaded), "rawDown");
        QTEST(quint64(c.uploaded), "creditUp");
        QTEST(quint64(c.downloaded), "creditDown");
        QTEST(c.reset, "reset");
    }

    // Threads append at once; one drain sees every record exactly once.
    void ledgerAcrossThreads()
    {
        core::StatsLedger ledger;
        constexpr int kThreads = 4, kEach = 5000;
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t)
            threads.emplace_back([&ledger, t] {
                for (int i = 0; i < kEach; ++i)
                    ledger.append(record(std::uint64_t(i), core::UserId(t + 1), 1, 'a', 1, 0));
            });
        std::uint64_t drained = 0;
        // Drain while they write, too: nothing may be lost between drains.
        while (drained < std::uint64_t(kThreads * kEach) / 2)
            drained += ledger.takeAll().size();
        for (auto &t : threads)
            t.join();
        drained += ledger.takeAll().size();
        QCOMPARE(drained, std::uint64_t(kThreads * kEach));
        QCOMPARE(ledger.pending(), std::size_t(0));
        QVERIFY(ledger.takeAll().empty());
    }

    // The high-water callback fires once per crossing: at the mark, not past it, and again
    // after a drain.
    void ledgerHighWater()
    {
        core::StatsLedger ledger;
        int calls = 0;
        ledger.setHighWater(3, [&calls] { ++calls; });
        for (int i = 0; i < 5; ++i)
            ledger.append(record(std::uint64_t(i), 1, 1, 'a', 1, 0));
        QCOMPARE(calls, 1);
        QCOMPARE(ledger.takeAll().size(), 5u);
        ledger.append(record(9, 1, 1, 'a', 1, 0));
        ledger.append(record(10, 1, 1, 'a', 1, 0));
        QCOMPARE(calls, 1);
        ledger.append(record(11, 1, 1, 'a', 1, 0));
        QCOMPARE(calls, 2);
    }

    // A drain hands each worker's records over in place and gives the worker back the memory
    // of the drain before: two vectors take turns, so appends after the first drains land in
    // memory already touched (no fresh pages on the announce path). A quiet worker's spare is
    // given back.
    void ledgerReusesItsBuffers()
    {
        core::StatsLedger ledger;
        constexpr int kEach = 1000;
        std::vector<const core::StatsRecord *> data;
        for (int round = 0; round < 4; ++round) {
            for (int i = 0; i < kEach; ++i)
                ledger.append(record(std::uint64_t(i), 1, 1, 'a', 1, 0));
            std::size_t spans = 0;
            const std::size_t n = ledger.drain([&](std::span<const core::StatsRecord> r) {
                ++spans;
                QCOMPARE(r.size(), std::size_t(kEach));
                QCOMPARE(r.back().sequence, std::uint64_t(kEach - 1));
                data.push_back(r.data());
            });
            QCOMPARE(n, std::size_t(kEach));
            QCOMPARE(spans, std::size_t(1));
            QCOMPARE(ledger.pending(), std::size_t(0));
        }
        QCOMPARE(data[2], data[0]);
        QCOMPARE(data[3], data[1]);
        QVERIFY(data[0] != data[1]);
        // Nothing drained: nothing handed over.
        QCOMPARE(ledger.drain([](std::span<const core::StatsRecord>) { QFAIL("called"); }),
                 std::size_t(0));
    }

    // A cleared batch keeps its peers' memory for the next interval's records (a fresh vector
    // faults in every page again), unless it holds more than four times what it last used;
    // merging into an empty batch takes the newer one's memory, not a copy of it.
    void batchKeepsItsMemory()
    {
        std::vector<core::StatsRecord> records;
        for (int i = 0; i < 100'000; ++i)
            records.push_back(record(std::uint64_t(i + 1), 1, 1, 'a', 1, 0));
        core::StatsBatch batch;
        batch.addAll(records);
        const auto *memory = batch.peers.data();
        const std::size_t capacity = batch.peers.capacity();
        batch.clear();
        QVERIFY(batch.empty());
        QCOMPARE(batch.peers.capacity(), capacity);
        batch.addAll(std::span(records).first(30'000));
        QCOMPARE(batch.peers.data(), memory); // written where the last batch was
        QCOMPARE(batch.peers.size(), std::size_t(30'000));

        core::StatsBatch pending;
        pending.merge(std::move(batch));
        QCOMPARE(pending.peers.data(), memory);
        QCOMPARE(pending.peers.size(), std::size_t(30'000));
        QCOMPARE(pending.peer({1, 1, records[0].peerId})->sequence, std::uint64_t(30'000));
        QVERIFY(batch.empty());
        QVERIFY(batch.peers.data() != memory);

        pending.clear(); // used 30,000 of 100,000: kept
        QCOMPARE(pending.peers.data(), memory);
        pending.addAll(std::span(records).first(20'000));
        pending.clear(); // used 20,000 of 100,000: handed back
        QCOMPARE(pending.peers.capacity(), std::size_t(0));

        // What the caller would reserve anyway (the writer's batch hint) is kept whatever
        // was used; more than that is not.
        pending.peers.reserve(100'000);
        const auto *reserved = pending.peers.data();
        pending.addAll(std::span(records).first(1'000));
        pending.clear(100'000);
        QCOMPARE(pending.peers.data(), reserved);
        pending.addAll(std::span(records).first(1'000));
        pending.clear(50'000);
        QCOMPARE(pending.peers.capacity(), std::size_t(0));
    }

    void ledgersAreSeparate()
    {
        core::StatsLedger a;
        core::StatsLedger b;
        a.append(record(1, 1, 1, 'a', 1, 0));
        b.append(record(1, 2, 1, 'a', 1, 0));
        b.append(record(2, 2, 1, 'a', 1, 0));
        QCOMPARE(a.takeAll().size(), std::size_t(1));
        QCOMPARE(b.takeAll().size(), std::size_t(2));
    }

    void batchCoalesces()
    {
        core::StatsBatch batch;
        // Peer 'a' of user 1: the record with the highest sequence wins, whatever the order
        // the drains delivered them in.
        batch.add(record(5, 1, 10, 'a', 100, 10, 500));
        batch.add(record(3, 1, 10, 'a', 50, 5, 300));
        batch.add(record(4, 1, 11, 'b', 7, 0, 7));
        batch.add(record(1, 2, 10, 'c', 0, 0, 0)); // a baseline: no sums, but a peer row
        QCOMPARE(batch.users.size(), std::size_t(1));
        QCOMPARE(batch.users[1].uploaded, 157u);
        QCOMPARE(batch.users[1].downloaded, 15u);
        QCOMPARE(batch.userTorrents.size(), std::size_t(2));
        QVERIFY(batch.userTorrent(1, 10));
        QCOMPARE(batch.userTorrent(1, 10)->uploaded, 150u);
        QVERIFY(!batch.userTorrent(2, 10)); // a baseline credits nothing
        QCOMPARE(batch.torrents[10].downloaded, 15u);
        QCOMPARE(batch.peers.size(), std::size_t(4)); // every state, in drain order
        const core::PeerKey a{10, 1, record(0, 1, 10, 'a', 0, 0).peerId};
        QVERIFY(batch.peer(a));
        QCOMPARE(batch.peer(a)->sequence, 5u);
        QCOMPARE(batch.peer(a)->uploaded, 500u);
        batch.coalescePeers();
        QCOMPARE(batch.peers.size(), std::size_t(3));
        QCOMPARE(batch.peer(a)->uploaded, 500u);
    }

    // Seeding time adds up per (user, torrent) across peers and drains; last_seen keeps the
    // newest announce; the first completion is the snatch's time; an idle announce (no
    // transfer, no seeding, no completion) makes no (user, torrent) row.
    void batchSeedtimeAndSnatch()
    {
        core::StatsBatch b;
        auto seeding = [](std::uint64_t seq, char peer, std::uint32_t seedtime, std::int64_t at) {
            core::StatsRecord r = record(seq, 1, 2, peer, 0, 0);
            r.seedtime = seedtime;
            r.lastAnnounce = at;
            return r;
        };
        core::StatsRecord idle = record(1, 3, 2, 'i', 0, 0);
        idle.lastAnnounce = 50;
        core::StatsRecord done = record(2, 1, 2, 'a', 10, 0);
        done.completed = true;
        done.lastAnnounce = 90;
        b.addAll(std::vector<core::StatsRecord>{seeding(3, 'a', 100, 200), seeding(1, 'b', 30, 150),
                                                done, idle});
        core::StatsBatch later;
        core::StatsRecord again = record(9, 1, 2, 'c', 0, 0);
        again.completed = true; // a second completion (another client) keeps the first
        again.lastAnnounce = 300;
        again.seedtime = 5;
        later.addAll(std::vector<core::StatsRecord>{again});
        b.merge(std::move(later));
        const core::UserTorrentDelta *d = b.userTorrent(1, 2);
        QVERIFY(d);
        QCOMPARE(d->seedtime, 135u);
        QCOMPARE(d->lastSeen, 300);
        QCOMPARE(d->completedAt, 90);
        QCOMPARE(d->rawUploaded, 10u);
        QVERIFY(!b.userTorrent(3, 2));
        QVERIFY(b.peer(core::PeerKey{2, 3, idle.peerId})); // its peer row is still kept
    }

    void batchMergeKeepsNewest()
    {
        core::StatsBatch failed;
        failed.add(record(7, 1, 10, 'a', 100, 0, 700));
        core::StatsBatch newer;
        newer.add(record(9, 1, 10, 'a', 20, 0, 720));
        newer.add(record(2, 3, 12, 'z', 0, 4, 0));
        failed.merge(std::move(newer));
        QVERIFY(newer.empty());
        QCOMPARE(failed.users[1].uploaded, 120u);
        QCOMPARE(failed.users[3].downloaded, 4u);
        const core::PeerKey a{10, 1, record(0, 1, 10, 'a', 0, 0).peerId};
        QCOMPARE(failed.peer(a)->uploaded, 720u);

        // An older state merged in later never replaces a newer one.
        core::StatsBatch stale;
        stale.add(record(8, 1, 10, 'a', 0, 0, 710));
        failed.merge(std::move(stale));
        QCOMPARE(failed.peer(a)->uploaded, 720u);
    }

    // Many drains in any order coalesce to the same sorted, unique rows as one drain would.
    // (Peers once coalesced: drains keep every state.)
    void batchSortedUniqueAcrossDrains()
    {
        std::vector<core::StatsRecord> all;
        std::uint64_t seq = 0;
        for (int round = 0; round < 3; ++round) {
            for (core::TorrentId t = 5; t >= 1; --t) {
                for (core::UserId u = 1; u <= 4; ++u)
                    all.push_back(record(++seq, u, t, char('a' + u), 10, 1, 10 * (round + 1)));
            }
        }
        core::StatsBatch one;
        one.addAll(all);
        core::StatsBatch drains;
        for (std::size_t i = all.size(); i > 0; i -= 7) {
            const std::size_t from = i >= 7 ? i - 7 : 0;
            drains.addAll(
                std::vector<core::StatsRecord>(all.begin() + long(from), all.begin() + long(i)));
            if (from == 0)
                break;
        }
        QCOMPARE(one.peers.size(), all.size()); // as drained
        one.coalescePeers();
        drains.coalescePeers();
        for (const core::StatsBatch *b : {&one, &drains}) {
            QCOMPARE(b->peers.size(), std::size_t(20));
            QCOMPARE(b->userTorrents.size(), std::size_t(20));
            for (std::size_t i = 1; i < b->peers.size(); ++i)
                QVERIFY(b->peers[i - 1].first < b->peers[i].first);
            for (std::size_t i = 1; i < b->userTorrents.size(); ++i)
                QVERIFY(b->userTorrents[i - 1].first < b->userTorrents[i].first);
            for (const auto &[key, state] : b->peers)
                QCOMPARE(state.uploaded, 30u); // the newest of three rounds
            for (const auto &[key, delta] : b->userTorrents)
                QCOMPARE(delta.uploaded, 30u); // three credits of 10
        }
    }
};

QTEST_APPLESS_MAIN(TestAccounting)
#include "tst_accounting.moc"
