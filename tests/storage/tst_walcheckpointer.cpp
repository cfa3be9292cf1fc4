// Tests WalCheckpointer on a real SQLite file in WAL mode: with it attached, the writer's log
// is copied back after commits that fill it and restarts from its beginning, so the -wal file
// stays about one transaction long while commits go on; with automatic checkpoints off and
// none attached it grows with every commit (the control); detached, SQLite's own take over;
// every row written is in the database afterwards.
#include "server/storage/sqlitebatch.h"
#include "server/storage/walcheckpointer.h"

#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>

using namespace sk;

namespace {

constexpr int kCommits = 16;
constexpr qint64 kCommitBytes = 1 << 20; // one blob per commit: 256 pages of log

} // namespace

class TestWalCheckpointer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init()
    {
        QVERIFY(m_dir.isValid());
        m_path = m_dir.filePath(QStringLiteral("w.db"));
        for (const char *suffix : {"", "-wal", "-shm"})
            QFile::remove(m_path + QLatin1String(suffix));
        m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("writer"));
        m_db.setDatabaseName(m_path);
        QVERIFY(m_db.open());
        QSqlQuery q(m_db);
        QVERIFY(q.exec(QStringLiteral("PRAGMA journal_mode=WAL")));
        QVERIFY(q.exec(QStringLiteral("CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)")));
    }
    void cleanup()
    {
        m_db.close();
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(QStringLiteral("writer"));
    }

    void logStaysBounded_data()
    {
        QTest::addColumn<bool>("attached");
        QTest::newRow("checkpointer") << true;
        QTest::newRow("control: no checkpoints") << false;
    }
    void logStaysBounded()
    {
        QFETCH(bool, attached);
        sqlite3 *writer = storage::sqliteHandle(m_db);
        QVERIFY(writer);
        QString error;
        auto checkpointer = storage::WalCheckpointer::start(m_path, &error, 100);
        QVERIFY2(checkpointer, qPrintable(error));
        if (attached)
            checkpointer->attach(writer);
        else
            sqlite3_wal_autocheckpoint(writer, 0);
        qint64 largest = 0;
        for (int i = 0; i < kCommits; ++i) {
            const std::uint64_t before = checkpointer->completed();
            QVERIFY(insertBlob());
            if (attached) // each commit leaves 256 pages > 100: one checkpoint each
                QTRY_VERIFY(checkpointer->completed() > before);
            largest = std::max(largest, QFileInfo(m_path + QStringLiteral("-wal")).size());
        }
        if (attached) {
            // The log restarted at each commit after a whole checkpoint: about one commit
            // long, not sixteen.
            QVERIFY2(largest < 2 * kCommitBytes, qPrintable(QString::number(largest)));
            checkpointer->detach(writer);
        } else {
            QCOMPARE(checkpointer->completed(), 0u);
            QVERIFY2(largest > kCommits * kCommitBytes, qPrintable(QString::number(largest)));
        }
        QCOMPARE(checkpointer->failed(), 0u);
        QCOMPARE(rows(), kCommits);
    }

    // Detached, the writer's commits no longer wake the thread: SQLite checkpoints in them
    // again (its default threshold, 1000 pages), and the log stays bounded all the same.
    void detachGivesCheckpointsBack()
    {
        sqlite3 *writer = storage::sqliteHandle(m_db);
        QString error;
        auto checkpointer = storage::WalCheckpointer::start(m_path, &error, 100);
        QVERIFY(checkpointer);
        checkpointer->attach(writer);
        checkpointer->detach(writer);
        qint64 largest = 0;
        for (int i = 0; i < kCommits; ++i) {
            QVERIFY(insertBlob());
            largest = std::max(largest, QFileInfo(m_path + QStringLiteral("-wal")).size());
        }
        QCOMPARE(checkpointer->completed(), 0u);
        QVERIFY2(largest < 6 * kCommitBytes, qPrintable(QString::number(largest)));
        QCOMPARE(rows(), kCommits);
    }

    void startFailsWithoutTheFile()
    {
        QString error;
        QVERIFY(
            !storage::WalCheckpointer::start(m_dir.filePath(QStringLiteral("none/x.db")), &error));
        QVERIFY2(error.contains(QStringLiteral("cannot open")), qPrintable(error));
    }

private:
    bool insertBlob()
    {
        QSqlQuery q(m_db);
        q.prepare(QStringLiteral("INSERT INTO t (b) VALUES (?)"));
        q.addBindValue(QByteArray(kCommitBytes, 'x'));
        if (!q.exec()) {
            qWarning() << q.lastError().text();
            return false;
        }
        return true;
    }
    int rows()
    {
        QSqlQuery q(m_db);
        return q.exec(QStringLiteral("SELECT COUNT(*) FROM t")) && q.next() ? q.value(0).toInt()
                                                                            : -1;
    }

    QTemporaryDir m_dir;
    QString m_path;
    QSqlDatabase m_db;
};

QTEST_GUILESS_MAIN(TestWalCheckpointer)
#include "tst_walcheckpointer.moc"
