// Tests StatsWriter on a real SQLite file: a commit lands users', torrents' and peers' figures;
// a commit the database refuses (another connection holds the write lock) keeps the batch,
// merges newer records into it, and lands everything exactly once when the lock is gone; the
// peer journal's snapshot replaces the log, and what a start reads back is the newest state.
#include "server/core/peerjournal.h"
#include "server/core/statswriter.h"
#include "server/peers/memorypeerstore.h"
#include "server/storage/sqldatabase.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace sk;

namespace {
core::StatsRecord record(std::uint64_t seq, core::UserId user, core::TorrentId torrent,
                         std::uint64_t creditUp, std::uint64_t totalUp, std::int64_t now)
{
    core::StatsRecord r;
    r.sequence = seq;
    r.user = user;
    r.torrent = torrent;
    r.peerId.bytes.fill('p');
    r.credit.rawUploaded = r.credit.uploaded = creditUp;
    r.uploaded = totalUp;
    r.left = 5;
    r.endpoint =
        proto::PeerEndpoint::make(proto::IpAddress::fromV4(0x0A000001), static_cast<quint16>(6881));
    r.lastAnnounce = now;
    return r;
}

// A fresh SQLite file with one user and one torrent, the torrent in a registry, and an empty
// peer store for snapshots.
struct Fixture
{
    QTemporaryDir dir;
    storage::StorageSettings settings;
    std::unique_ptr<storage::SqlDatabase> db;
    core::Registry registry;
    peers::MemoryPeerStore store;
    core::UserId user = 0;
    core::TorrentId torrent = 0;
    proto::InfoHash infoHash;
    QString error; // why open() failed

    bool open(int busyTimeoutMs)
    {
        settings.path = dir.filePath(QStringLiteral("s.db"));
        settings.busyTimeoutMs = busyTimeoutMs;
        db = storage::SqlDatabase::open(settings, &error);
        if (!db)
            return false;
        const auto u =
            db->insertUser(QStringLiteral("u"), *proto::Passkey::fromText(QByteArray(32, 'k')), 1);
        infoHash.bytes.fill(7);
        const auto t = db->insertTorrent(infoHash, QStringLiteral("t"), 1);
        if (!u.ok() || !t.ok()) {
            error = u.message + t.message;
            return false;
        }
        user = u.value.id;
        torrent = t.value.id;
        registry.putTorrent(torrent, infoHash, {});
        return true;
    }

    // What AnnounceService does: the store's update and its record under one ledger scope.
    void announce(core::StatsLedger &ledger, char peer, std::uint64_t uploaded, std::int64_t now,
                  bool stopped = false)
    {
        core::PeerAnnounce a;
        a.infoHash = infoHash;
        a.userId = user;
        a.peerId.bytes.fill(peer);
        a.endpoint = proto::PeerEndpoint::make(proto::IpAddress::fromV4(0x0A000001),
                                               static_cast<quint16>(6881));
        a.uploaded = uploaded;
        a.left = 5;
        a.now = now;
        a.event = stopped ? proto::AnnounceEvent::Stopped : proto::AnnounceEvent::None;
        core::StatsLedger::Scope scope(ledger);
        proto::AnnounceResult out;
        const core::AnnounceOutcome o = store.announce(a, out);
        core::StatsRecord r = record(o.sequence, user, torrent, 0, uploaded, now);
        r.peerId = a.peerId;
        r.stopped = stopped;
        scope.append(r);
    }

    std::uint64_t uploadedOf(char peer, std::int64_t since = 0)
    {
        for (const core::PeerRecord &p : db->peers(since).value)
            if (p.peerId.bytes[0] == static_cast<unsigned char>(peer))
                return p.uploaded;
        return 0;
    }

    // Holds the database's write lock through a second connection (BEGIN EXCLUSIVE), so that
    // commits fail, until unlockWrites().
    bool lockWrites()
    {
        QSqlDatabase locker =
            QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("locker"));
        locker.setDatabaseName(settings.path);
        return locker.open() && QSqlQuery(locker).exec(QStringLiteral("BEGIN EXCLUSIVE"));
    }
    bool unlockWrites()
    {
        bool ok = false;
        {
            QSqlDatabase locker = QSqlDatabase::database(QStringLiteral("locker"));
            ok = QSqlQuery(locker).exec(QStringLiteral("ROLLBACK"));
            locker.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("locker"));
        return ok;
    }

    // Rows of a table, read through a second connection.
    int count(const QString &table)
    {
        int n = -1;
        {
            QSqlDatabase reader =
                QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("count"));
            reader.setDatabaseName(settings.path);
            if (reader.open()) {
                QSqlQuery q(reader);
                if (q.exec(QStringLiteral("SELECT COUNT(*) FROM ") + table) && q.next())
                    n = q.value(0).toInt();
            }
        }
        QSqlDatabase::removeDatabase(QStringLiteral("count"));
        return n;
    }
};
} // namespace

class TestStatsWriter : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void commitsAndRetries()
    {
        Fixture f;
        QVERIFY2(f.open(50), qPrintable(f.error)); // a locked database fails fast here
        auto &db = f.db;
        const core::UserId u = f.user;
        const core::TorrentId t = f.torrent;

        core::ManualClock clock;
        clock.set(10'000);
        core::StatsLedger ledger;
        core::StatsWriter writer(ledger, *db, clock, f.store, f.registry);
        QVERIFY(writer.flush().ok); // nothing to do is a success
        ledger.append(record(1, u, t, 100, 100, 10'000));
        const core::FlushResult first = writer.flush();
        QVERIFY(first.ok);
        QCOMPARE(first.records, std::size_t(1));
        QCOMPARE(db->user(u).value.uploaded, 100u);
        QCOMPARE(db->torrent(t).value.uploaded, 100u);

        // Another connection takes the write lock: commits fail and the batch is kept.
        QVERIFY(f.lockWrites());
        ledger.append(record(2, u, t, 50, 150, 10'001));
        const core::FlushResult refused = writer.flush();
        QVERIFY(!refused.ok);
        QVERIFY(refused.pending > 0);
        ledger.append(record(3, u, t, 25, 175, 10'002));
        QVERIFY(!writer.flush().ok);
        QCOMPARE(writer.failures(), 2u);
        QVERIFY(!writer.snapshot()); // nothing can be staged while the lock is held
        QCOMPARE(writer.snapshots(), 0u);
        QVERIFY(f.unlockWrites());

        // Both deltas once, and the peer's newest totals beside them.
        QVERIFY(writer.flushAll(3));
        QCOMPARE(db->user(u).value.uploaded, 175u);
        const auto peers = db->peers(0);
        QVERIFY(peers.ok());
        QCOMPARE(peers.value.size(), std::size_t(1));
        QCOMPARE(peers.value.front().uploaded, 175u);
        QCOMPARE(peers.value.front().lastAnnounce, std::int64_t(10'002));
        QCOMPARE(peers.value.front().endpoint.port(), quint16(6881));
        QVERIFY(writer.flush().ok);
        QCOMPARE(db->user(u).value.uploaded, 175u); // nothing applied twice
        QCOMPARE(writer.lastSuccess(), std::int64_t(10'000));

        // A stopped peer goes; one not announced since a time is not read back from then.
        core::StatsRecord stop = record(4, u, t, 0, 175, 10'003);
        stop.stopped = true;
        ledger.append(stop);
        QVERIFY(writer.flush().ok);
        QVERIFY(db->peers(0).value.empty());
        ledger.append(record(5, u, t, 0, 175, 10'004));
        QVERIFY(writer.flush().ok);
        QCOMPARE(db->peers(10'004).value.size(), std::size_t(1));
        QVERIFY(db->peers(10'005).value.empty());
    }

    // Absorbing moves the workers' records into the writer without a commit; the next flush
    // commits them with what came after, once, and a failed commit keeps both.
    void absorbCommitsAtTheNextFlush()
    {
        Fixture f;
        QVERIFY2(f.open(50), qPrintable(f.error));
        core::ManualClock clock;
        clock.set(10'000);
        core::StatsLedger ledger;
        core::StatsWriter writer(ledger, *f.db, clock, f.store, f.registry);
        ledger.append(record(1, f.user, f.torrent, 100, 100, 10'000));
        ledger.append(record(2, f.user, f.torrent, 20, 120, 10'000));
        QCOMPARE(writer.absorb(), std::size_t(2));
        QCOMPARE(ledger.pending(), std::size_t(0));
        QCOMPARE(writer.absorbed(), std::size_t(2));
        QCOMPARE(f.db->user(f.user).value.uploaded, 0u); // not committed yet
        QVERIFY(f.db->peers(0).value.empty());
        ledger.append(record(3, f.user, f.torrent, 5, 125, 10'001));
        QCOMPARE(writer.absorb(), std::size_t(3));

        // A refused commit keeps what was absorbed, and the next one lands it once.
        QVERIFY(f.lockWrites());
        ledger.append(record(4, f.user, f.torrent, 1, 126, 10'002));
        const core::FlushResult refused = writer.flush();
        QVERIFY(!refused.ok);
        QCOMPARE(refused.records, std::size_t(4));
        QCOMPARE(writer.absorbed(), std::size_t(0)); // now in the kept batch
        QVERIFY(f.unlockWrites());
        ledger.append(record(5, f.user, f.torrent, 4, 130, 10'003));
        QCOMPARE(writer.absorb(), std::size_t(1));
        const core::FlushResult done = writer.flush();
        QVERIFY(done.ok);
        QCOMPARE(done.records, std::size_t(1));
        QCOMPARE(f.db->user(f.user).value.uploaded, 130u);
        QCOMPARE(f.db->torrent(f.torrent).value.uploaded, 130u);
        QCOMPARE(f.uploadedOf('p'), 130u); // the newest state of the peer
        QVERIFY(writer.flush().ok);
        QCOMPARE(f.db->user(f.user).value.uploaded, 130u); // nothing twice
    }

    // The log is folded into a snapshot once it holds `logRatio` times the snapshot: with a
    // higher ratio the same announces write fewer snapshots.
    void snapshotRatio_data()
    {
        QTest::addColumn<int>("ratio");
        QTest::addColumn<int>("flushes"); // one new peer each
        QTest::addColumn<int>("snapshots");
        // Compact entries here: a peer 36 bytes, a watermark 3, a blob's format byte 1; a flush
        // logs one peer (37 bytes), a snapshot of k peers is 4 + 36k. Due when the log holds
        // more than ratio x the snapshot, checked before each flush's drain (whose peer the
        // copy then holds). Ratio 1: the 40-byte snapshot is passed at 74 (flush 3, copying 4
        // peers: 148), then at 185 (flush 8). Ratio 4: more than 160 at 185 (flush 6, 7
        // peers: 256), not again. Ratio 64: never.
        QTest::newRow("1") << 1 << 8 << 3;
        QTest::newRow("4") << 4 << 8 << 2;
        QTest::newRow("64") << 64 << 8 << 1;
    }
    void snapshotRatio()
    {
        QFETCH(int, ratio);
        QFETCH(int, flushes);
        QFETCH(int, snapshots);
        Fixture f;
        QVERIFY2(f.open(5000), qPrintable(f.error));
        core::ManualClock clock;
        clock.set(10'000);
        core::StatsLedger ledger;
        core::JournalSettings journal;
        journal.minLogBytes = 0;
        journal.logRatio = ratio;
        core::StatsWriter writer(ledger, *f.db, clock, f.store, f.registry, journal);
        f.announce(ledger, 'a', 1, 10'000);
        QVERIFY(writer.snapshot()); // a snapshot of one peer, as a start writes
        // Same-sized entries: one new peer per flush (ids 'b', 'c', ...), same totals.
        for (int i = 0; i < flushes; ++i) {
            f.announce(ledger, char('b' + i), 1, 10'000);
            QVERIFY(writer.flush().ok);
        }
        QCOMPARE(int(writer.snapshots()), snapshots);
        QCOMPARE(f.db->peers(0).value.size(), std::size_t(flushes + 1)); // nothing lost
    }

    // Deltas of a user or torrent deleted while they wait are left out of the commit: no
    // (user, torrent) or peer row names an id that is gone, and the others land.
    void deletedRowsLeaveNoOrphans()
    {
        Fixture f;
        QVERIFY2(f.open(5000), qPrintable(f.error));
        auto &db = f.db;
        const auto u2 =
            db->insertUser(QStringLiteral("u2"), *proto::Passkey::fromText(QByteArray(32, 'm')), 1);
        proto::InfoHash ih;
        ih.bytes.fill(8);
        const auto t2 = db->insertTorrent(ih, QStringLiteral("t2"), 1);
        QVERIFY(u2.ok() && t2.ok());

        core::ManualClock clock;
        clock.set(10'000);
        core::StatsLedger ledger;
        core::StatsWriter writer(ledger, *db, clock, f.store, f.registry);
        ledger.append(record(1, f.user, f.torrent, 10, 10, 10'000));
        ledger.append(record(1, u2.value.id, f.torrent, 20, 20, 10'000));
        ledger.append(record(1, f.user, t2.value.id, 30, 30, 10'000));
        QCOMPARE(db->deleteUser(u2.value.id), core::DbStatus::Ok);
        QCOMPARE(db->deleteTorrent(t2.value.id), core::DbStatus::Ok);
        QVERIFY(writer.flush().ok);
        // Late deltas after a commit are left out too.
        ledger.append(record(2, u2.value.id, f.torrent, 5, 25, 10'001));
        QVERIFY(writer.flush().ok);

        // The totals of those who remain keep every delta (the traffic happened).
        QCOMPARE(db->user(f.user).value.uploaded, 40u);
        QCOMPARE(db->torrent(f.torrent).value.uploaded, 35u);
        const auto peers = db->peers(0);
        QCOMPARE(peers.value.size(), std::size_t(1));
        QCOMPARE(peers.value.front().user, f.user);
        QCOMPARE(peers.value.front().torrent, f.torrent);
        QCOMPARE(f.count(QStringLiteral("user_torrents")), 1);
    }

    // The journal: commits append to the log; a snapshot of the store, made current by a
    // commit, replaces it; what a start reads back is the newest state of every peer.
    void snapshotReplacesTheLog()
    {
        Fixture f;
        QVERIFY2(f.open(5000), qPrintable(f.error));
        core::ManualClock clock;
        clock.set(10'000);
        core::StatsLedger ledger;
        core::JournalSettings journal;
        journal.minLogBytes = 0; // compact once the log holds logRatio (4) times the snapshot
        core::StatsWriter writer(ledger, *f.db, clock, f.store, f.registry, journal);

        QVERIFY(writer.snapshot()); // an empty store: a snapshot of nothing
        QCOMPARE(writer.snapshots(), 1u);
        f.announce(ledger, 'a', 100, 10'000);
        f.announce(ledger, 'b', 10, 10'000);
        QVERIFY(writer.flush().ok); // log: 2 entries (73 B) against a snapshot of nothing (0 B)
        QCOMPARE(f.count(QStringLiteral("peer_log")), 1);
        QCOMPARE(f.uploadedOf('a'), 100u);

        // Due now: the next flush copies the store first, and its commit makes it current.
        f.announce(ledger, 'a', 150, 10'001);
        QVERIFY(writer.flush().ok);
        QCOMPARE(writer.snapshots(), 2u);
        QCOMPARE(f.count(QStringLiteral("peer_log")), 1); // only this commit's part is left
        QCOMPARE(f.count(QStringLiteral("peer_snapshot")), 1);
        QCOMPARE(f.uploadedOf('a'), 150u); // the snapshot's, and the log's entry skipped
        QCOMPARE(f.uploadedOf('b'), 10u);

        // After the snapshot: the log on top of it, a stopped peer gone.
        f.announce(ledger, 'b', 40, 10'002);
        f.announce(ledger, 'a', 150, 10'002, true);
        QVERIFY(writer.flush().ok);
        QCOMPARE(f.uploadedOf('b'), 40u);
        QCOMPARE(f.db->peers(0).value.size(), std::size_t(1));

        // A snapshot forced with records pending: one commit holds both, and reads agree.
        f.announce(ledger, 'c', 7, 10'003);
        QVERIFY(writer.snapshot());
        QCOMPARE(f.count(QStringLiteral("peer_log")), 1);
        QCOMPARE(f.uploadedOf('c'), 7u);
        QCOMPARE(f.db->peers(0).value.size(), std::size_t(2));
        QCOMPARE(f.db->user(f.user).value.uploaded, 0u); // these records credit nothing

        // A snapshot staged but never made current (its commit failed) is not read, and the
        // next attempt drops its parts.
        QVERIFY(f.db->beginPeerSnapshot().ok());
        QByteArray stray;
        core::journal::Entry e;
        e.peer.torrent = f.torrent;
        e.peer.user = f.user;
        e.peer.peerId.bytes.fill('z');
        e.peer.lastAnnounce = 10'003;
        core::journal::append(stray, e);
        const std::int64_t next = f.db->beginPeerSnapshot().value.generation;
        QCOMPARE(f.db->stagePeerSnapshot(next, stray), core::DbStatus::Ok);
        QCOMPARE(f.db->peers(0).value.size(), std::size_t(2));
        QVERIFY(f.db->beginPeerSnapshot().ok());
        QCOMPARE(f.count(QStringLiteral("peer_snapshot")), 1);
    }
};

QTEST_GUILESS_MAIN(TestStatsWriter)
#include "tst_statswriter.moc"
