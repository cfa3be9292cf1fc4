// Tests SqlDatabase on a real SQLite file: migrations, CRUD, conflicts, reopening, thread use.
#include "server/storage/migrations.h"
#include "server/storage/sqldatabase.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

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

private:
    QTemporaryDir m_dir;
    QString m_path;
};

QTEST_GUILESS_MAIN(TestSqlDatabase)
#include "tst_sqldatabase.moc"
