// Tests StatsWriter on a real SQLite file: a commit lands users', torrents' and peers' figures;
// a commit the database refuses (another connection holds the write lock) keeps the batch,
// merges newer records into it, and lands everything exactly once when the lock is gone.
#include "server/core/statswriter.h"
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

// A fresh SQLite file with one user and one torrent.
struct Fixture
{
    QTemporaryDir dir;
    storage::StorageSettings settings;
    std::unique_ptr<storage::SqlDatabase> db;
    core::UserId user = 0;
    core::TorrentId torrent = 0;
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
        proto::InfoHash ih;
        ih.bytes.fill(7);
        const auto t = db->insertTorrent(ih, QStringLiteral("t"), 1);
        if (!u.ok() || !t.ok()) {
            error = u.message + t.message;
            return false;
        }
        user = u.value.id;
        torrent = t.value.id;
        return true;
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
        const auto &settings = f.settings;
        auto &db = f.db;
        const core::UserId u = f.user;
        const core::TorrentId t = f.torrent;

        core::ManualClock clock;
        clock.set(10'000);
        core::StatsLedger ledger;
        core::StatsWriter writer(ledger, *db, clock, 3600);
        QVERIFY(writer.flush().ok); // nothing to do is a success
        ledger.append(record(1, u, t, 100, 100, 10'000));
        const core::FlushResult first = writer.flush();
        QVERIFY(first.ok);
        QCOMPARE(first.records, std::size_t(1));
        QCOMPARE(db->user(u).value.uploaded, 100u);
        QCOMPARE(db->torrent(t).value.uploaded, 100u);

        // Another connection takes the write lock: commits fail and the batch is kept.
        {
            QSqlDatabase locker =
                QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("locker"));
            locker.setDatabaseName(settings.path);
            QVERIFY(locker.open());
            {
                QSqlQuery q(locker);
                QVERIFY(q.exec(QStringLiteral("BEGIN EXCLUSIVE")));
            }
            ledger.append(record(2, u, t, 50, 150, 10'001));
            const core::FlushResult refused = writer.flush();
            QVERIFY(!refused.ok);
            QVERIFY(refused.pending > 0);
            ledger.append(record(3, u, t, 25, 175, 10'002));
            QVERIFY(!writer.flush().ok);
            QCOMPARE(writer.failures(), 2u);
            {
                QSqlQuery q(locker);
                QVERIFY(q.exec(QStringLiteral("ROLLBACK")));
            }
            locker.close();
        }

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

        // A stopped peer's row goes; rows not announced within the timeout go too.
        core::StatsRecord stop = record(4, u, t, 0, 175, 10'003);
        stop.stopped = true;
        ledger.append(stop);
        QVERIFY(writer.flush().ok);
        QVERIFY(db->peers(0).value.empty());
        ledger.append(record(5, u, t, 0, 175, 10'004));
        QVERIFY(writer.flush().ok);
        QCOMPARE(db->peers(0).value.size(), std::size_t(1));
        clock.set(10'004 + 3601);
        ledger.append(record(1, u, t + 1000, 0, 0, 10'004)); // unknown torrent: skipped
        QVERIFY(writer.flush().ok);
        QVERIFY(db->peers(0).value.empty());
        QSqlDatabase::removeDatabase(QStringLiteral("locker"));
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
        core::StatsWriter writer(ledger, *db, clock, 3600);
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
        {
            QSqlDatabase reader =
                QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("reader"));
            reader.setDatabaseName(f.settings.path);
            QVERIFY(reader.open());
            QSqlQuery q(reader);
            QVERIFY(q.exec(QStringLiteral("SELECT user_id, torrent_id FROM user_torrents")));
            QVERIFY(q.next());
            QCOMPARE(q.value(0).toUInt(), f.user);
            QCOMPARE(q.value(1).toUInt(), f.torrent);
            QVERIFY(!q.next());
            QVERIFY(q.exec(QStringLiteral("SELECT COUNT(*) FROM peers WHERE user_id = ") +
                           QString::number(u2.value.id)));
            QVERIFY(q.next());
            QCOMPARE(q.value(0).toInt(), 0);
        }
        QSqlDatabase::removeDatabase(QStringLiteral("reader"));
    }

    // Stale rows are swept by a table scan every peerTimeout / 4 (here 25 s), also when no
    // records are pending; a row announced within the timeout stays.
    void sweepsStaleRowsAtItsPace()
    {
        Fixture f;
        QVERIFY2(f.open(5000), qPrintable(f.error));
        auto &db = f.db;

        core::ManualClock clock;
        clock.set(10'000);
        core::StatsLedger ledger;
        core::StatsWriter writer(ledger, *db, clock, 100);
        ledger.append(record(1, f.user, f.torrent, 0, 0, 10'000)); // next sweep 10'025
        QVERIFY(writer.flush().ok);
        core::StatsRecord other = record(2, f.user, f.torrent, 0, 0, 10'080);
        other.peerId.bytes.fill('q');
        clock.set(10'080);
        ledger.append(other); // sweeps with cutoff 9'980: both stay
        QVERIFY(writer.flush().ok);
        QCOMPARE(db->peers(0).value.size(), std::size_t(2));

        clock.set(10'104); // 'p' is stale (cutoff 10'004), but the next sweep is at 10'105
        QCOMPARE(writer.flush().committed, std::size_t(0));
        QCOMPARE(db->peers(0).value.size(), std::size_t(2));
        clock.set(10'105); // nothing pending, the sweep is due: 'p' goes, 'q' stays
        QVERIFY(writer.flush().ok);
        const auto left = db->peers(0);
        QCOMPARE(left.value.size(), std::size_t(1));
        QCOMPARE(left.value.front().lastAnnounce, std::int64_t(10'080));
    }
};

QTEST_GUILESS_MAIN(TestStatsWriter)
#include "tst_statswriter.moc"
