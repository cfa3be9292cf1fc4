// Tests SqlDatabase on a real SQLite file: migrations, CRUD, conflicts, reopening, thread use.
#include "server/storage/migrations.h"
#include "server/storage/sqldatabase.h"

#include <QDir>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <cstring>
#include <thread>

using namespace sk;
using core::DbStatus;

namespace {
proto::Passkey pk(char c)
{
    return *proto::Passkey::fromText(QByteArray(32, c));
}
proto::InfoHash ih(unsigned char c)
{
    proto::InfoHash h;
    h.bytes.fill(c);
    h.bytes[0] = 0; // a NUL byte must survive the BLOB round trip
    return h;
}
} // namespace

class TestSqlDatabase : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init()
    {
        QVERIFY(m_dir.isValid());
        m_path = m_dir.filePath(QStringLiteral("t.db"));
        QFile::remove(m_path);
    }

    void usersCrud()
    {
        QString err;
        auto db = storage::SqlDatabase::open({QStringLiteral("QSQLITE"), m_path}, &err);
        QVERIFY2(db, qPrintable(err));
        auto u = db->insertUser(QStringLiteral("alice"), pk('a'), 1234);
        QVERIFY(u.ok());
        QCOMPARE(u.value.id, 1u);
        QCOMPARE(db->insertUser(QStringLiteral("dup"), pk('a'), 1).status, DbStatus::Conflict);
        auto got = db->user(1);
        QVERIFY(got.ok());
        QCOMPARE(got.value.name, QStringLiteral("alice"));
        QCOMPARE(got.value.passkey, pk('a'));
        QCOMPARE(got.value.createdAt, 1234);
        QVERIFY(got.value.canLeech);
        QCOMPARE(db->user(99).status, DbStatus::NotFound);
        auto reset = db->setPasskey(1, pk('b'));
        QVERIFY(reset.ok());
        QCOMPARE(reset.value.passkey, pk('b'));
        QCOMPARE(db->setPasskey(99, pk('c')).status, DbStatus::NotFound);
        QVERIFY(db->insertUser({}, pk('c'), 1).ok());
        QCOMPARE(db->userCount().value, 2);
        auto page = db->users({1, 1});
        QCOMPARE(page.value.size(), 1u);
        QCOMPARE(page.value[0].passkey, pk('c'));
        QCOMPARE(db->deleteUser(1), DbStatus::Ok);
        QCOMPARE(db->deleteUser(1), DbStatus::NotFound);
        // AUTOINCREMENT: a deleted id is not reused.
        QCOMPARE(db->insertUser({}, pk('d'), 1).value.id, 3u);
    }

    void torrentsCrud()
    {
        QString err;
        auto db = storage::SqlDatabase::open({QStringLiteral("QSQLITE"), m_path}, &err);
        QVERIFY2(db, qPrintable(err));
        auto t = db->insertTorrent(ih(7), QStringLiteral("linux.iso"), 5);
        QVERIFY(t.ok());
        QCOMPARE(db->insertTorrent(ih(7), {}, 5).status, DbStatus::Conflict);
        QCOMPARE(db->torrentByHash(ih(7)).value.id, t.value.id);
        QCOMPARE(db->torrent(t.value.id).value.infoHash, ih(7));
        QCOMPARE(db->torrentByHash(ih(8)).status, DbStatus::NotFound);
        QCOMPARE(db->torrentCount({}).value, 1);
        QCOMPARE(db->deleteTorrent(t.value.id), DbStatus::Ok);
        QCOMPARE(db->torrents({}, {}).value.size(), 0u);
    }

    void reopenKeepsDataAndSchema()
    {
        QString err;
        {
            auto db = storage::SqlDatabase::open({QStringLiteral("QSQLITE"), m_path}, &err);
            QVERIFY(db);
            QVERIFY(db->insertUser(QStringLiteral("x"), pk('x'), 1).ok());
            QVERIFY(db->insertAdminToken(QStringLiteral("admin"), QStringLiteral("admin"),
                                         QByteArray(32, '\xAB'), 1)
                        .ok());
        }
        auto db = storage::SqlDatabase::open({QStringLiteral("QSQLITE"), m_path}, &err);
        QVERIFY2(db, qPrintable(err));
        QCOMPARE(db->users({}).value.size(), 1u);
        QCOMPARE(db->adminTokens().value.size(), 1u);
        QCOMPARE(db->adminTokens().value[0].hash, QByteArray(32, '\xAB'));
    }

    void usableFromManyThreads()
    {
        QString err;
        auto db = storage::SqlDatabase::open({QStringLiteral("QSQLITE"), m_path}, &err);
        QVERIFY(db);
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([&, t] {
                for (int i = 0; i < 25; ++i)
                    db->insertUser({},
                                   *proto::Passkey::fromText(
                                       QByteArray::number(t * 100 + i).rightJustified(32, 'z')),
                                   1);
            });
        for (auto &th : threads)
            th.join();
        QCOMPARE(db->userCount().value, 100);
    }

    void badPathFails()
    {
        QString err;
        auto db = storage::SqlDatabase::open(
            {QStringLiteral("QSQLITE"), QStringLiteral("/nonexistent/dir/x.db")}, &err);
        QVERIFY(!db);
        QVERIFY(!err.isEmpty());
    }

    void newerSchemaRefused()
    {
        QString err;
        {
            auto db = storage::SqlDatabase::open({QStringLiteral("QSQLITE"), m_path}, &err);
            QVERIFY(db);
        }
        {
            QSqlDatabase raw =
                QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("raw"));
            raw.setDatabaseName(m_path);
            QVERIFY(raw.open());
            QSqlQuery q(raw);
            QVERIFY(q.exec(QStringLiteral("INSERT INTO schema_migrations VALUES (9999, 0)")));
            raw.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("raw"));
        auto db = storage::SqlDatabase::open({QStringLiteral("QSQLITE"), m_path}, &err);
        QVERIFY(!db);
        QVERIFY2(err.contains(QStringLiteral("newer")), qPrintable(err));
    }

    // Ban rows written by hand in another spelling are loaded, rewritten to the canonical
    // text (so the API can name them), and a duplicate of a canonical row is dropped.
    void banRowsMadeCanonical()
    {
        QString err;
        {
            auto db = storage::SqlDatabase::open({QStringLiteral("QSQLITE"), m_path}, &err);
            QVERIFY(db);
            QCOMPARE(db->insertBan({*proto::IpRange::parse(u"10.0.0.0/8"), {}, 1, 0}),
                     core::DbStatus::Ok);
        }
        {
            QSqlDatabase raw =
                QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("raw2"));
            raw.setDatabaseName(m_path);
            QVERIFY(raw.open());
            QSqlQuery q(raw);
            for (const char *ip : {"2001:DB8::/32", "::ffff:10.0.0.0/104", "bogus"})
                QVERIFY(q.exec(QStringLiteral("INSERT INTO ip_bans (ip, created_at) VALUES "
                                              "('%1', 1)")
                                   .arg(QLatin1String(ip))));
            raw.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("raw2"));
        auto db = storage::SqlDatabase::open({QStringLiteral("QSQLITE"), m_path}, &err);
        QVERIFY(db);
        const auto bans = db->bans();
        QVERIFY(bans.ok());
        QCOMPARE(bans.value.size(), 3u); // "bogus" is skipped
        QCOMPARE(db->deleteBan(*proto::IpRange::parse(u"2001:db8::/32")), core::DbStatus::Ok);
        QCOMPARE(db->bans().value.size(), 1u); // the mapped duplicate of 10.0.0.0/8 went too
    }

    // Migration 0010 rekeys user_torrents by one integer: rows written under the old
    // two-column key keep their figures, are found by the snatch that names them, take the
    // commit's upserts, and still go with their user or torrent. A user id past 2^31 (a
    // negative key) too.
    void userTorrentsRekeyed()
    {
        QTemporaryDir old;
        for (const QString &name : QDir(QStringLiteral(":/migrations")).entryList()) {
            if (name.left(4).toInt() < 10)
                QVERIFY(QFile::copy(QStringLiteral(":/migrations/") + name, old.filePath(name)));
        }
        const qint64 bigUser = 3'000'000'000;
        {
            QSqlDatabase raw =
                QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("raw3"));
            raw.setDatabaseName(m_path);
            QVERIFY(raw.open());
            QString err;
            QVERIFY2(storage::migrate(raw, &err, old.path()), qPrintable(err));
            QSqlQuery q(raw);
            for (const QString &sql :
                 {QStringLiteral("INSERT INTO users (id, passkey, created_at) VALUES "
                                 "(1, 'a', 1), (2, 'b', 1), (%1, 'c', 1)")
                      .arg(bigUser),
                  QStringLiteral("INSERT INTO torrents (id, info_hash, created_at) VALUES "
                                 "(7, randomblob(20), 1), (8, randomblob(20), 1)"),
                  QStringLiteral("INSERT INTO user_torrents (user_id, torrent_id, uploaded, "
                                 "downloaded, raw_uploaded, raw_downloaded, seedtime, "
                                 "last_seen) VALUES (1, 7, 10, 20, 30, 40, 50, 60), "
                                 "(2, 8, 1, 2, 3, 4, 5, 6), (%1, 7, 100, 0, 0, 0, 9, 9)")
                      .arg(bigUser),
                  QStringLiteral("INSERT INTO snatches (id, user_id, torrent_id, "
                                 "completed_at) VALUES (1, 1, 7, 5), (2, 2, 8, 5), "
                                 "(3, %1, 7, 5)")
                      .arg(bigUser)})
                QVERIFY2(q.exec(sql), qPrintable(q.lastError().text()));
            raw.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("raw3"));

        QString err;
        auto db = storage::SqlDatabase::open({QStringLiteral("QSQLITE"), m_path}, &err);
        QVERIFY2(db, qPrintable(err));
        const auto s1 = db->snatch(1);
        QVERIFY(s1.ok());
        QCOMPARE(s1.value.uploaded, 10u);
        QCOMPARE(s1.value.downloaded, 20u);
        QCOMPARE(s1.value.rawUploaded, 30u);
        QCOMPARE(s1.value.rawDownloaded, 40u);
        QCOMPARE(s1.value.seedtime, 50u);
        QCOMPARE(s1.value.lastSeen, 60);
        QCOMPARE(db->snatch(3).value.uploaded, 100u);
        QCOMPARE(db->snatch(3).value.user, core::UserId(bigUser));

        core::StatsBatch batch;
        for (const auto &[user, torrent] :
             {std::pair<core::UserId, core::TorrentId>{1, 7}, {core::UserId(bigUser), 7}}) {
            core::StatsRecord r;
            r.sequence = 1;
            r.user = user;
            r.torrent = torrent;
            r.credit.uploaded = r.credit.rawUploaded = 5;
            r.lastAnnounce = 70;
            batch.add(r);
        }
        QVERIFY(db->commitStats(batch, std::nullopt).ok());
        QCOMPARE(db->snatch(1).value.uploaded, 15u);
        QCOMPARE(db->snatch(1).value.lastSeen, 70);
        QCOMPARE(db->snatch(3).value.uploaded, 105u);
        QCOMPARE(db->snatch(2).value.uploaded, 1u);

        // A seedtime set by hand lands on the same row.
        QCOMPARE(db->updateSnatch(2, 77, std::nullopt).value.seedtime, 77u);

        QCOMPARE(db->deleteTorrent(8), DbStatus::Ok);
        QCOMPARE(db->deleteUser(1), DbStatus::Ok);
        QSqlDatabase check =
            QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("check"));
        check.setDatabaseName(m_path);
        QVERIFY(check.open());
        {
            QSqlQuery q(check);
            QVERIFY(q.exec(QStringLiteral("SELECT user_id, torrent_id, uploaded FROM "
                                          "user_torrents ORDER BY user_id")));
            QVERIFY(q.next()); // only the big user's row is left
            QCOMPARE(q.value(0).toLongLong(), bigUser);
            QCOMPARE(q.value(1).toLongLong(), 7);
            QCOMPARE(q.value(2).toLongLong(), 105);
            QVERIFY(!q.next());
        }
        check.close();
        check = QSqlDatabase();
        QSqlDatabase::removeDatabase(QStringLiteral("check"));
    }

    // The log of a file database is checkpointed off the commits: after a commit of more than
    // 4 MiB, the checkpointer's count grows, and a reopened file holds every row, in pages of
    // 64 KiB.
    void checkpointsOffTheCommits()
    {
        QString err;
        {
            auto db = storage::SqlDatabase::open({QStringLiteral("QSQLITE"), m_path}, &err);
            QVERIFY2(db, qPrintable(err));
            const auto user = db->insertUser(QStringLiteral("u"), pk('u'), 1).value.id;
            const auto torrent = db->insertTorrent(ih(1), QStringLiteral("t"), 1).value.id;
            QCOMPARE(db->walCheckpoints(), 0u);
            std::vector<core::StatsRecord> records;
            for (std::uint32_t i = 0; i < 150'000; ++i) { // ~5 MB of peer log: 1,300 pages
                core::StatsRecord &r = records.emplace_back();
                r.sequence = i + 1;
                r.user = user;
                r.torrent = torrent;
                std::memcpy(r.peerId.bytes.data(), &i, sizeof i);
                r.credit.uploaded = r.credit.rawUploaded = 1;
            }
            core::StatsBatch batch;
            batch.addAll(records);
            QVERIFY(db->commitStats(batch, std::nullopt).ok());
            QTRY_VERIFY(db->walCheckpoints() > 0);
        }
        auto db = storage::SqlDatabase::open({QStringLiteral("QSQLITE"), m_path}, &err);
        QVERIFY(db);
        QCOMPARE(db->users({}).value.at(0).uploaded, 150'000u);
        QSqlDatabase raw =
            QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("ps"));
        raw.setDatabaseName(m_path);
        QVERIFY(raw.open());
        {
            QSqlQuery q(raw);
            QVERIFY(q.exec(QStringLiteral("PRAGMA page_size")) && q.next());
            QCOMPARE(q.value(0).toInt(), 65536); // a new file's pages
        }
        raw.close();
        raw = QSqlDatabase();
        QSqlDatabase::removeDatabase(QStringLiteral("ps"));
        QCOMPARE(db->peers(0).value.size(), 150'000u);
    }

    // Cheat flags go in as multi-row statements of up to 200 rows: every flag of a queue that
    // spans several statements arrives with all its fields, and a flag of a user or torrent
    // that is gone is left out wherever it falls.
    void cheatFlagsWritten_data()
    {
        QTest::addColumn<int>("count");
        QTest::addColumn<int>("orphanAt"); // -1: none
        QTest::newRow("one") << 1 << -1;
        QTest::newRow("a statement") << 200 << -1;
        QTest::newRow("a statement and one") << 201 << 200;
        QTest::newRow("a full queue") << 10'000 << 4321;
    }
    void cheatFlagsWritten()
    {
        QFETCH(int, count);
        QFETCH(int, orphanAt);
        QString err;
        auto db = storage::SqlDatabase::open({QStringLiteral("QSQLITE"), m_path}, &err);
        QVERIFY2(db, qPrintable(err));
        const auto user = db->insertUser(QStringLiteral("u"), pk('u'), 1).value.id;
        const auto torrent = db->insertTorrent(ih(1), QStringLiteral("t"), 1).value.id;
        std::vector<core::CheatFlag> flags;
        for (int i = 0; i < count; ++i) {
            core::CheatFlag &f = flags.emplace_back();
            f.user = i == orphanAt ? user + 1 : user;
            f.torrent = torrent;
            f.kind = i % 2 ? core::CheatKind::TooFast : core::CheatKind::NoLeechers;
            f.peerId.bytes.fill(static_cast<unsigned char>(i));
            f.ip = *proto::IpAddress::parse(i % 3 ? "10.0.0.1" : "2001:db8::7");
            f.uploaded = i == 0 ? ~std::uint64_t(0) : std::uint64_t(i) << 20;
            f.seconds = i;
            f.leechers = std::uint32_t(i % 5);
            f.at = 1000 + i;
        }
        QCOMPARE(db->insertCheatFlags(flags), DbStatus::Ok);
        const int stored = count - (orphanAt >= 0 ? 1 : 0);
        QCOMPARE(db->cheatFlagCount(0, 0).value, stored);
        const auto got = db->cheatFlags(0, 0, {0, 20'000});
        QVERIFY(got.ok());
        QCOMPARE(int(got.value.size()), stored);
        for (const core::CheatFlag &g : got.value) {
            const int i = int(g.at - 1000);
            QVERIFY(i >= 0 && i < count && i != orphanAt);
            const core::CheatFlag &f = flags[std::size_t(i)];
            QCOMPARE(g.user, f.user);
            QCOMPARE(g.torrent, f.torrent);
            QCOMPARE(g.kind, f.kind);
            QCOMPARE(g.peerId, f.peerId);
            QCOMPARE(g.ip, f.ip);
            // SQLite integers are signed: the largest counter is stored at the cap.
            QCOMPARE(g.uploaded, i == 0 ? std::uint64_t(INT64_MAX) : f.uploaded);
            QCOMPARE(g.seconds, f.seconds);
            QCOMPARE(g.leechers, f.leechers);
        }
    }

private:
    QTemporaryDir m_dir;
    QString m_path;
};

QTEST_GUILESS_MAIN(TestSqlDatabase)
#include "tst_sqldatabase.moc"
