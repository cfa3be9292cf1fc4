#include "sqldatabase.h"

#include "migrations.h"

#include <QAtomicInt>
#include <QMetaObject>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>
#include <QVariant>

namespace sk::storage {

using core::DbResult;
using core::DbStatus;

namespace {

QAtomicInt g_connectionSeq;

// SQLite reports UNIQUE violations as constraint errors (extended code 2067, primary 19).
DbStatus statusOf(const QSqlError &e)
{
    const QString code = e.nativeErrorCode();
    if (code == QLatin1String("19") || code == QLatin1String("2067") ||
        code == QLatin1String("1555") || code == QLatin1String("23505"))
        return DbStatus::Conflict;
    return DbStatus::Error;
}

const QString kUserColumns =
    QStringLiteral("id, name, passkey, uploaded, downloaded, can_leech, created_at");
const QString kTorrentColumns = QStringLiteral("id, info_hash, name, created_at");

core::UserRecord readUser(const QSqlQuery &q)
{
    core::UserRecord u;
    u.id = q.value(0).toUInt();
    u.name = q.value(1).toString();
    u.passkey = proto::Passkey::fromText(q.value(2).toString()).value_or(proto::Passkey{});
    u.uploaded = q.value(3).toULongLong();
    u.downloaded = q.value(4).toULongLong();
    u.canLeech = q.value(5).toBool();
    u.createdAt = q.value(6).toLongLong();
    return u;
}

core::TorrentRecord readTorrent(const QSqlQuery &q)
{
    core::TorrentRecord t;
    t.id = q.value(0).toUInt();
    t.infoHash = proto::InfoHash::fromBytes(q.value(1).toByteArray()).value_or(proto::InfoHash{});
    t.name = q.value(2).toString();
    t.createdAt = q.value(3).toLongLong();
    return t;
}

template<typename T> DbResult<T> failed(const QSqlQuery &q)
{
    return DbResult<T>::fail(statusOf(q.lastError()), q.lastError().text());
}

} // namespace

SqlDatabase::SqlDatabase() = default;

SqlDatabase::~SqlDatabase()
{
    if (m_thread) {
        run([this](QSqlDatabase &db) {
            db.close();
            db = QSqlDatabase();
            QSqlDatabase::removeDatabase(m_connectionName);
        });
        m_thread->quit();
        m_thread->wait();
        delete m_context;
        delete m_thread;
    }
}

void SqlDatabase::run(const std::function<void(QSqlDatabase &)> &fn)
{
    const QString name = m_connectionName;
    QMetaObject::invokeMethod(
        m_context,
        [&fn, name] {
            QSqlDatabase db = QSqlDatabase::database(name, false);
            fn(db);
        },
        Qt::BlockingQueuedConnection);
}

std::unique_ptr<SqlDatabase> SqlDatabase::open(const StorageSettings &settings, QString *error)
{
    std::unique_ptr<SqlDatabase> self(new SqlDatabase);
    self->m_connectionName =
        QStringLiteral("sk-storage-%1").arg(g_connectionSeq.fetchAndAddRelaxed(1));
    self->m_thread = new QThread;
    self->m_thread->setObjectName(QStringLiteral("storage"));
    self->m_context = new QObject;
    self->m_context->moveToThread(self->m_thread);
    self->m_thread->start();

    bool ok = false;
    QString err;
    const QString name = self->m_connectionName;
    QMetaObject::invokeMethod(
        self->m_context,
        [&] {
            QSqlDatabase db = QSqlDatabase::addDatabase(settings.driver, name);
            if (!db.isValid()) {
                err = QStringLiteral("database driver %1 is not available").arg(settings.driver);
                return;
            }
            db.setDatabaseName(settings.path);
            db.setConnectOptions(
                QStringLiteral("QSQLITE_BUSY_TIMEOUT=%1").arg(settings.busyTimeoutMs));
            if (!db.open()) {
                err =
                    QStringLiteral("cannot open %1: %2").arg(settings.path, db.lastError().text());
                return;
            }
            QSqlQuery q(db);
            // WAL lets readers proceed during the stats writer's transactions; NORMAL
            // syncs at checkpoints, which WAL makes safe against corruption.
            for (const char *pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
                                       "PRAGMA foreign_keys=ON"}) {
                if (!q.exec(QString::fromLatin1(pragma))) {
                    err = q.lastError().text();
                    return;
                }
            }
            ok = migrate(db, &err);
        },
        Qt::BlockingQueuedConnection);
    if (!ok) {
        *error = err;
        return nullptr;
    }
    return self;
}

DbResult<std::vector<core::UserRecord>> SqlDatabase::users(core::Page page)
{
    DbResult<std::vector<core::UserRecord>> r;
    run([&](QSqlDatabase &db) {
        QSqlQuery q(db);
        q.setForwardOnly(true);
        q.prepare(QStringLiteral("SELECT ") + kUserColumns +
                  QStringLiteral(" FROM users ORDER BY id LIMIT :limit OFFSET :offset"));
        q.bindValue(QStringLiteral(":limit"),
                    static_cast<qlonglong>(page.limit > 0 ? page.limit : -1));
        q.bindValue(QStringLiteral(":offset"), static_cast<qlonglong>(page.offset));
        if (!q.exec()) {
            r = failed<std::vector<core::UserRecord>>(q);
            return;
        }
        while (q.next())
            r.value.push_back(readUser(q));
    });
    return r;
}

DbResult<core::UserRecord> SqlDatabase::user(core::UserId id)
{
    DbResult<core::UserRecord> r;
    run([&](QSqlDatabase &db) {
        QSqlQuery q(db);
        q.prepare(QStringLiteral("SELECT ") + kUserColumns +
                  QStringLiteral(" FROM users WHERE id = :id"));
        q.bindValue(QStringLiteral(":id"), id);
        if (!q.exec()) {
            r = failed<core::UserRecord>(q);
            return;
        }
        if (!q.next()) {
            r.status = DbStatus::NotFound;
            return;
        }
        r.value = readUser(q);
    });
    return r;
}

DbResult<core::UserRecord>
SqlDatabase::insertUser(const QString &name, const proto::Passkey &passkey, std::int64_t createdAt)
{
    DbResult<core::UserRecord> r;
    run([&](QSqlDatabase &db) {
        QSqlQuery q(db);
        q.prepare(QStringLiteral("INSERT INTO users (name, passkey, created_at) "
                                 "VALUES (:name, :passkey, :created)"));
        q.bindValue(QStringLiteral(":name"),
                    name.isNull() ? QString(QLatin1String("")) : name); // NOT NULL
        q.bindValue(QStringLiteral(":passkey"), passkey.toString());
        q.bindValue(QStringLiteral(":created"), static_cast<qlonglong>(createdAt));
        if (!q.exec()) {
            r = failed<core::UserRecord>(q);
            return;
        }
        r.value.id = q.lastInsertId().toUInt();
        r.value.name = name;
        r.value.passkey = passkey;
        r.value.createdAt = createdAt;
    });
    return r;
}

DbStatus SqlDatabase::deleteUser(core::UserId id)
{
    DbStatus s = DbStatus::Ok;
    run([&](QSqlDatabase &db) {
        QSqlQuery q(db);
        q.prepare(QStringLiteral("DELETE FROM users WHERE id = :id"));
        q.bindValue(QStringLiteral(":id"), id);
        if (!q.exec())
            s = statusOf(q.lastError());
        else if (q.numRowsAffected() == 0)
            s = DbStatus::NotFound;
    });
    return s;
}

DbResult<core::UserRecord> SqlDatabase::setPasskey(core::UserId id, const proto::Passkey &passkey)
{
    DbResult<core::UserRecord> r;
    run([&](QSqlDatabase &db) {
        QSqlQuery q(db);
        q.prepare(QStringLiteral("UPDATE users SET passkey = :passkey WHERE id = :id"));
        q.bindValue(QStringLiteral(":passkey"), passkey.toString());
        q.bindValue(QStringLiteral(":id"), id);
        if (!q.exec()) {
            r = failed<core::UserRecord>(q);
            return;
        }
        if (q.numRowsAffected() == 0)
            r.status = DbStatus::NotFound;
    });
    if (!r.ok())
        return r;
    return user(id);
}

DbResult<std::int64_t> SqlDatabase::userCount()
{
    DbResult<std::int64_t> r;
    run([&](QSqlDatabase &db) {
        QSqlQuery q(db);
        if (!q.exec(QStringLiteral("SELECT COUNT(*) FROM users")) || !q.next()) {
            r = failed<std::int64_t>(q);
            return;
        }
        r.value = q.value(0).toLongLong();
    });
    return r;
}

DbResult<std::vector<core::TorrentRecord>> SqlDatabase::torrents(core::Page page)
{
    DbResult<std::vector<core::TorrentRecord>> r;
    run([&](QSqlDatabase &db) {
        QSqlQuery q(db);
        q.setForwardOnly(true);
        q.prepare(QStringLiteral("SELECT ") + kTorrentColumns +
                  QStringLiteral(" FROM torrents ORDER BY id LIMIT :limit OFFSET :offset"));
        q.bindValue(QStringLiteral(":limit"),
                    static_cast<qlonglong>(page.limit > 0 ? page.limit : -1));
        q.bindValue(QStringLiteral(":offset"), static_cast<qlonglong>(page.offset));
        if (!q.exec()) {
            r = failed<std::vector<core::TorrentRecord>>(q);
            return;
        }
        while (q.next())
            r.value.push_back(readTorrent(q));
    });
    return r;
}

DbResult<core::TorrentRecord> SqlDatabase::torrent(core::TorrentId id)
{
    DbResult<core::TorrentRecord> r;
    run([&](QSqlDatabase &db) {
        QSqlQuery q(db);
        q.prepare(QStringLiteral("SELECT ") + kTorrentColumns +
                  QStringLiteral(" FROM torrents WHERE id = :id"));
        q.bindValue(QStringLiteral(":id"), id);
        if (!q.exec()) {
            r = failed<core::TorrentRecord>(q);
            return;
        }
        if (!q.next()) {
            r.status = DbStatus::NotFound;
            return;
        }
        r.value = readTorrent(q);
    });
    return r;
}

DbResult<core::TorrentRecord> SqlDatabase::torrentByHash(const proto::InfoHash &infoHash)
{
    DbResult<core::TorrentRecord> r;
    run([&](QSqlDatabase &db) {
        QSqlQuery q(db);
        q.prepare(QStringLiteral("SELECT ") + kTorrentColumns +
                  QStringLiteral(" FROM torrents WHERE info_hash = :ih"));
        q.bindValue(QStringLiteral(":ih"), infoHash.toByteArray());
        if (!q.exec()) {
            r = failed<core::TorrentRecord>(q);
            return;
        }
        if (!q.next()) {
            r.status = DbStatus::NotFound;
            return;
        }
        r.value = readTorrent(q);
    });
    return r;
}

DbResult<core::TorrentRecord> SqlDatabase::insertTorrent(const proto::InfoHash &infoHash,
                                                         const QString &name,
                                                         std::int64_t createdAt)
{
    DbResult<core::TorrentRecord> r;
    run([&](QSqlDatabase &db) {
        QSqlQuery q(db);
        q.prepare(QStringLiteral("INSERT INTO torrents (info_hash, name, created_at) "
                                 "VALUES (:ih, :name, :created)"));
        q.bindValue(QStringLiteral(":ih"), infoHash.toByteArray());
        q.bindValue(QStringLiteral(":name"),
                    name.isNull() ? QString(QLatin1String("")) : name); // NOT NULL
        q.bindValue(QStringLiteral(":created"), static_cast<qlonglong>(createdAt));
        if (!q.exec()) {
            r = failed<core::TorrentRecord>(q);
            return;
        }
        r.value.id = q.lastInsertId().toUInt();
        r.value.infoHash = infoHash;
        r.value.name = name;
        r.value.createdAt = createdAt;
    });
    return r;
}

DbStatus SqlDatabase::deleteTorrent(core::TorrentId id)
{
    DbStatus s = DbStatus::Ok;
    run([&](QSqlDatabase &db) {
        QSqlQuery q(db);
        q.prepare(QStringLiteral("DELETE FROM torrents WHERE id = :id"));
        q.bindValue(QStringLiteral(":id"), id);
        if (!q.exec())
            s = statusOf(q.lastError());
        else if (q.numRowsAffected() == 0)
            s = DbStatus::NotFound;
    });
    return s;
}

DbResult<std::int64_t> SqlDatabase::torrentCount()
{
    DbResult<std::int64_t> r;
    run([&](QSqlDatabase &db) {
        QSqlQuery q(db);
        if (!q.exec(QStringLiteral("SELECT COUNT(*) FROM torrents")) || !q.next()) {
            r = failed<std::int64_t>(q);
            return;
        }
        r.value = q.value(0).toLongLong();
    });
    return r;
}

DbResult<std::vector<core::AdminTokenRecord>> SqlDatabase::adminTokens()
{
    DbResult<std::vector<core::AdminTokenRecord>> r;
    run([&](QSqlDatabase &db) {
        QSqlQuery q(db);
        if (!q.exec(QStringLiteral(
                "SELECT id, name, role, token_hash, created_at FROM admin_tokens ORDER BY id"))) {
            r = failed<std::vector<core::AdminTokenRecord>>(q);
            return;
        }
        while (q.next()) {
            core::AdminTokenRecord t;
            t.id = q.value(0).toLongLong();
            t.name = q.value(1).toString();
            t.role = q.value(2).toString();
            t.hash = q.value(3).toByteArray();
            t.createdAt = q.value(4).toLongLong();
            r.value.push_back(t);
        }
    });
    return r;
}

DbResult<core::AdminTokenRecord> SqlDatabase::insertAdminToken(const QString &name,
                                                               const QString &role,
                                                               const QByteArray &hash,
                                                               std::int64_t createdAt)
{
    DbResult<core::AdminTokenRecord> r;
    run([&](QSqlDatabase &db) {
        QSqlQuery q(db);
        q.prepare(QStringLiteral("INSERT INTO admin_tokens (name, role, token_hash, created_at) "
                                 "VALUES (:name, :role, :hash, :created)"));
        q.bindValue(QStringLiteral(":name"),
                    name.isNull() ? QString(QLatin1String("")) : name); // NOT NULL
        q.bindValue(QStringLiteral(":role"), role);
        q.bindValue(QStringLiteral(":hash"), hash);
        q.bindValue(QStringLiteral(":created"), static_cast<qlonglong>(createdAt));
        if (!q.exec()) {
            r = failed<core::AdminTokenRecord>(q);
            return;
        }
        r.value =
            core::AdminTokenRecord{q.lastInsertId().toLongLong(), name, role, hash, createdAt};
    });
    return r;
}

} // namespace sk::storage
