#include "sqldatabase.h"

#include "migrations.h"
#include "sqlitebatch.h"
#include "walcheckpointer.h"

#include "server/core/peerjournal.h"

#include <QAtomicInt>
#include <QDebug>
#include <QMetaObject>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>
#include <QVariant>

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <span>

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

const QString kUserColumns = QStringLiteral("id, name, passkey, uploaded, downloaded, can_leech, "
                                            "created_at, hnr_warnings, bonus_millipoints");
const QString kTorrentColumns =
    QStringLiteral("id, info_hash, name, created_at, freeleech, freeleech_until, "
                   "upload_multiplier, download_multiplier, uploaded, downloaded, completed");

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
    u.hnrWarnings = q.value(7).toUInt();
    u.bonusMillipoints = q.value(8).toLongLong();
    return u;
}

core::TorrentRecord readTorrent(const QSqlQuery &q)
{
    core::TorrentRecord t;
    t.id = q.value(0).toUInt();
    t.infoHash = proto::InfoHash::fromBytes(q.value(1).toByteArray()).value_or(proto::InfoHash{});
    t.name = q.value(2).toString();
    t.createdAt = q.value(3).toLongLong();
    t.policy.freeleech = q.value(4).toBool();
    t.policy.freeleechUntil = q.value(5).toLongLong();
    t.policy.uploadMultiplier = q.value(6).toDouble();
    t.policy.downloadMultiplier = q.value(7).toDouble();
    t.uploaded = q.value(8).toULongLong();
    t.downloaded = q.value(9).toULongLong();
    t.completed = q.value(10).toULongLong();
    return t;
}

qlonglong dbInt(std::uint64_t v)
{
    return static_cast<qlonglong>(storedCounter(v));
}

template<typename T> DbResult<T> failed(const QSqlQuery &q)
{
    return DbResult<T>::fail(statusOf(q.lastError()), q.lastError().text());
}

// The shapes every call below takes: `?` placeholders bound in order from `values`.
bool execBound(QSqlQuery &q, const QString &sql, const QVariantList &values)
{
    if (!q.prepare(sql))
        return false;
    for (int i = 0; i < values.size(); ++i)
        q.bindValue(i, values[i]);
    return q.exec();
}

template<typename T, typename Read>
DbResult<std::vector<T>> selectAll(QSqlDatabase &db, const QString &sql, const QVariantList &values,
                                   Read read)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    if (!execBound(q, sql, values))
        return failed<std::vector<T>>(q);
    DbResult<std::vector<T>> r;
    while (q.next())
        r.value.push_back(read(q));
    return r;
}

// One row, or NotFound.
template<typename T, typename Read>
DbResult<T> selectOne(QSqlDatabase &db, const QString &sql, const QVariantList &values, Read read)
{
    QSqlQuery q(db);
    if (!execBound(q, sql, values))
        return failed<T>(q);
    if (!q.next())
        return DbResult<T>::fail(DbStatus::NotFound);
    DbResult<T> r;
    r.value = read(q);
    return r;
}

// An UPDATE or DELETE of one row by key: NotFound when it matched nothing.
DbResult<bool> changeOne(QSqlDatabase &db, const QString &sql, const QVariantList &values)
{
    QSqlQuery q(db);
    if (!execBound(q, sql, values))
        return failed<bool>(q);
    if (q.numRowsAffected() == 0)
        return DbResult<bool>::fail(DbStatus::NotFound);
    return {};
}

DbResult<std::int64_t> countRows(QSqlDatabase &db, const QString &sql)
{
    return selectOne<std::int64_t>(db, sql, {},
                                   [](const QSqlQuery &q) { return q.value(0).toLongLong(); });
}

QVariantList pageValues(core::Page page)
{
    return {static_cast<qlonglong>(page.limit > 0 ? page.limit : -1),
            static_cast<qlonglong>(page.offset)};
}

// The WHERE clause of a user search (fixed text; the values are bound) and its values.
QString userWhere(const core::UserQuery &query, QVariantList &values)
{
    if (query.text.isEmpty())
        return {};
    QString escaped = query.text;
    escaped.replace(QLatin1Char('\\'), QStringLiteral("\\\\"))
        .replace(QLatin1Char('%'), QStringLiteral("\\%"))
        .replace(QLatin1Char('_'), QStringLiteral("\\_"));
    values << QVariant(QLatin1Char('%') + escaped + QLatin1Char('%'));
    QString where = QStringLiteral(" WHERE (name LIKE ? ESCAPE '\\'");
    if (query.matchPasskey) {
        // substr compares case-sensitively, as passkeys are
        where += QStringLiteral(" OR substr(passkey, 1, ?) = ?");
        values << QVariant(qlonglong(query.text.size())) << QVariant(query.text);
    }
    return where + QLatin1Char(')');
}

// " ORDER BY key[ DESC], tie[ DESC]"; an empty key orders by the tie alone. Keys are ours, never
// the client's text.
QString orderBy(const QString &key, const QString &tie, bool descending)
{
    const QString dir = descending ? QStringLiteral(" DESC") : QString();
    if (key.isEmpty())
        return QStringLiteral(" ORDER BY ") + tie + dir;
    return QStringLiteral(" ORDER BY ") + key + dir + QStringLiteral(", ") + tie + dir;
}

QString userOrder(const core::UserQuery &query)
{
    QString key;
    switch (query.sort) {
    case core::UserSort::Id:
        break;
    case core::UserSort::Name:
        key = QStringLiteral("name");
        break;
    case core::UserSort::Uploaded:
        key = QStringLiteral("uploaded");
        break;
    case core::UserSort::Downloaded:
        key = QStringLiteral("downloaded");
        break;
    case core::UserSort::Ratio:
        key = QStringLiteral("CASE WHEN downloaded = 0 THEN 1e308 ELSE CAST(uploaded AS REAL) / "
                             "downloaded END");
        break;
    case core::UserSort::Created:
        key = QStringLiteral("created_at");
        break;
    case core::UserSort::Points:
        key = QStringLiteral("bonus_millipoints");
        break;
    case core::UserSort::Warnings:
        key = QStringLiteral("hnr_warnings");
        break;
    }
    return orderBy(key, QStringLiteral("id"), query.descending);
}

} // namespace

SqlDatabase::SqlDatabase() = default;

SqlDatabase::~SqlDatabase()
{
    if (m_thread) {
        run([this](QSqlDatabase &db) {
            if (m_checkpointer)
                m_checkpointer->detach(sqliteHandle(db));
            db.close();
            db = QSqlDatabase();
            QSqlDatabase::removeDatabase(m_connectionName);
        });
        m_thread->quit();
        m_thread->wait();
        delete m_context;
        delete m_thread;
        m_checkpointer.reset(); // the last connection: checkpoints and removes the log
    }
}

namespace {
constexpr int kCheckpointBytes = 4 << 20;
} // namespace

std::uint64_t SqlDatabase::walCheckpoints() const
{
    return m_checkpointer ? m_checkpointer->completed() : 0;
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
            // 64 KiB pages, for a new file (an existing one keeps its size): most of what the
            // stats writer writes is the peer journal's blobs, and SQLite writes a WAL frame
            // and checkpoints page by page, a system call or two each; with 4 KiB pages the
            // storage thread took 11% of a loaded tracker's core, with 64 KiB 7% (the
            // rows of users and torrents, rewritten wholesale by large flushes, cost the same).
            // WAL lets readers proceed during the stats writer's transactions; NORMAL
            // syncs at checkpoints, which WAL makes safe against corruption.
            // 64 MiB of page cache: a flush rewrites as many rows as announces came in.
            for (const char *pragma :
                 {"PRAGMA page_size=65536", "PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
                  "PRAGMA foreign_keys=ON", "PRAGMA cache_size=-65536"}) {
                if (!q.exec(QString::fromLatin1(pragma))) {
                    err = q.lastError().text();
                    return;
                }
            }
            // Checkpoints move off the commits, to a thread of their own (WalCheckpointer).
            // Without one (another driver, a database not in WAL mode, or no second
            // connection) SQLite's automatic checkpoints stay on.
            // Woken at about 4 MiB of log, as SQLite's 1000 pages of 4 KiB would be.
            sqlite3 *handle = sqliteHandle(db);
            int pageSize = 0;
            if (q.exec(QStringLiteral("PRAGMA page_size")) && q.next())
                pageSize = q.value(0).toInt();
            if (handle && pageSize > 0 && q.exec(QStringLiteral("PRAGMA journal_mode")) &&
                q.next() && q.value(0).toString() == QLatin1String("wal")) {
                QString why;
                self->m_checkpointer = WalCheckpointer::start(
                    settings.path, &why, std::max(1, kCheckpointBytes / pageSize));
                if (self->m_checkpointer)
                    self->m_checkpointer->attach(handle);
                else
                    qWarning().noquote()
                        << "swarmkeeperd:" << why << "(checkpoints stay in the commits)";
            }
            q.finish();
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
        r = selectAll<core::UserRecord>(
            db,
            QStringLiteral("SELECT ") + kUserColumns +
                QStringLiteral(" FROM users ORDER BY id LIMIT ? OFFSET ?"),
            pageValues(page), readUser);
    });
    return r;
}

DbResult<core::UserRecord> SqlDatabase::user(core::UserId id)
{
    DbResult<core::UserRecord> r;
    run([&](QSqlDatabase &db) {
        r = selectOne<core::UserRecord>(db,
                                        QStringLiteral("SELECT ") + kUserColumns +
                                            QStringLiteral(" FROM users WHERE id = ?"),
                                        {id}, readUser);
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
        s = changeOne(db, QStringLiteral("DELETE FROM users WHERE id = ?"), {id}).status;
        if (s == DbStatus::Ok)
            m_deletedUsers[id] = m_commits;
    });
    return s;
}

DbResult<core::UserRecord> SqlDatabase::setPasskey(core::UserId id, const proto::Passkey &passkey)
{
    DbResult<bool> changed;
    run([&](QSqlDatabase &db) {
        changed = changeOne(db, QStringLiteral("UPDATE users SET passkey = ? WHERE id = ?"),
                            {passkey.toString(), id});
    });
    if (!changed.ok())
        return DbResult<core::UserRecord>::fail(changed.status, changed.message);
    return user(id);
}

DbResult<core::UserRecord> SqlDatabase::setCanLeech(core::UserId id, bool canLeech)
{
    DbResult<bool> changed;
    run([&](QSqlDatabase &db) {
        changed = changeOne(db, QStringLiteral("UPDATE users SET can_leech = ? WHERE id = ?"),
                            {canLeech ? 1 : 0, id});
    });
    if (!changed.ok())
        return DbResult<core::UserRecord>::fail(changed.status, changed.message);
    return user(id);
}

DbResult<core::UserRecord> SqlDatabase::setUserStats(core::UserId id, std::uint64_t uploaded,
                                                     std::uint64_t downloaded)
{
    DbResult<bool> changed;
    run([&](QSqlDatabase &db) {
        changed = changeOne(
            db, QStringLiteral("UPDATE users SET uploaded = ?, downloaded = ? WHERE id = ?"),
            {dbInt(uploaded), dbInt(downloaded), id});
    });
    if (!changed.ok())
        return DbResult<core::UserRecord>::fail(changed.status, changed.message);
    return user(id);
}

DbResult<std::int64_t> SqlDatabase::userCount()
{
    DbResult<std::int64_t> r;
    run([&](QSqlDatabase &db) { r = countRows(db, QStringLiteral("SELECT COUNT(*) FROM users")); });
    return r;
}

DbResult<std::vector<core::UserRecord>> SqlDatabase::findUsers(const core::UserQuery &query,
                                                               core::Page page)
{
    DbResult<std::vector<core::UserRecord>> r;
    run([&](QSqlDatabase &db) {
        QVariantList values;
        const QString where = userWhere(query, values);
        values << pageValues(page);
        r = selectAll<core::UserRecord>(db,
                                        QStringLiteral("SELECT ") + kUserColumns +
                                            QStringLiteral(" FROM users") + where +
                                            userOrder(query) + QStringLiteral(" LIMIT ? OFFSET ?"),
                                        values, readUser);
    });
    return r;
}

DbResult<std::int64_t> SqlDatabase::countUsers(const core::UserQuery &query)
{
    DbResult<std::int64_t> r;
    run([&](QSqlDatabase &db) {
        QVariantList values;
        const QString where = userWhere(query, values);
        r = selectOne<std::int64_t>(db, QStringLiteral("SELECT COUNT(*) FROM users") + where,
                                    values,
                                    [](const QSqlQuery &q) { return q.value(0).toLongLong(); });
    });
    return r;
}

DbResult<core::UserRecord> SqlDatabase::userByPasskey(const proto::Passkey &passkey)
{
    DbResult<core::UserRecord> r;
    run([&](QSqlDatabase &db) {
        r = selectOne<core::UserRecord>(db,
                                        QStringLiteral("SELECT ") + kUserColumns +
                                            QStringLiteral(" FROM users WHERE passkey = ?"),
                                        {passkey.toString()}, readUser);
    });
    return r;
}

namespace {
// Every torrent, or with a freeleech time only those whose freeleech is in force then.
const QString kTorrentFilter = QStringLiteral(
    " WHERE (? = 0 OR (freeleech <> 0 AND (freeleech_until = 0 OR freeleech_until > ?)))");

QVariantList torrentFilterValues(const core::TorrentQuery &q)
{
    return {qint64(q.freeleechAt), qint64(q.freeleechAt)};
}
} // namespace

DbResult<std::vector<core::TorrentRecord>> SqlDatabase::torrents(const core::TorrentQuery &query,
                                                                 core::Page page)
{
    using S = core::TorrentSort;
    QString key;
    switch (query.sort) {
    case S::Id:
        break;
    case S::Name:
        key = QStringLiteral("name");
        break;
    case S::Created:
        key = QStringLiteral("created_at");
        break;
    case S::Uploaded:
        key = QStringLiteral("uploaded");
        break;
    case S::Downloaded:
        key = QStringLiteral("downloaded");
        break;
    case S::Completed:
        key = QStringLiteral("completed");
        break;
    }
    DbResult<std::vector<core::TorrentRecord>> r;
    run([&](QSqlDatabase &db) {
        r = selectAll<core::TorrentRecord>(
            db,
            QStringLiteral("SELECT ") + kTorrentColumns + QStringLiteral(" FROM torrents") +
                kTorrentFilter + orderBy(key, QStringLiteral("id"), query.descending) +
                QStringLiteral(" LIMIT ? OFFSET ?"),
            torrentFilterValues(query) + pageValues(page), readTorrent);
    });
    return r;
}

DbResult<core::TorrentRecord> SqlDatabase::torrent(core::TorrentId id)
{
    DbResult<core::TorrentRecord> r;
    run([&](QSqlDatabase &db) {
        r = selectOne<core::TorrentRecord>(db,
                                           QStringLiteral("SELECT ") + kTorrentColumns +
                                               QStringLiteral(" FROM torrents WHERE id = ?"),
                                           {id}, readTorrent);
    });
    return r;
}

DbResult<core::TorrentRecord> SqlDatabase::torrentByHash(const proto::InfoHash &infoHash)
{
    DbResult<core::TorrentRecord> r;
    run([&](QSqlDatabase &db) {
        r = selectOne<core::TorrentRecord>(db,
                                           QStringLiteral("SELECT ") + kTorrentColumns +
                                               QStringLiteral(" FROM torrents WHERE info_hash = ?"),
                                           {infoHash.toByteArray()}, readTorrent);
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
        s = changeOne(db, QStringLiteral("DELETE FROM torrents WHERE id = ?"), {id}).status;
        if (s == DbStatus::Ok)
            m_deletedTorrents[id] = m_commits;
    });
    return s;
}

DbResult<core::TorrentRecord> SqlDatabase::setTorrentPolicy(core::TorrentId id,
                                                            const core::TorrentPolicy &policy)
{
    DbResult<bool> changed;
    run([&](QSqlDatabase &db) {
        changed =
            changeOne(db,
                      QStringLiteral("UPDATE torrents SET freeleech = ?, freeleech_until = ?, "
                                     "upload_multiplier = ?, download_multiplier = ? "
                                     "WHERE id = ?"),
                      {policy.freeleech ? 1 : 0, static_cast<qlonglong>(policy.freeleechUntil),
                       policy.uploadMultiplier, policy.downloadMultiplier, id});
    });
    if (!changed.ok())
        return DbResult<core::TorrentRecord>::fail(changed.status, changed.message);
    return torrent(id);
}

DbResult<core::TorrentRecord> SqlDatabase::setTorrentStats(core::TorrentId id,
                                                           std::uint64_t uploaded,
                                                           std::uint64_t downloaded,
                                                           std::uint64_t completed)
{
    DbResult<bool> changed;
    run([&](QSqlDatabase &db) {
        changed = changeOne(db,
                            QStringLiteral("UPDATE torrents SET uploaded = ?, downloaded = ?, "
                                           "completed = ? WHERE id = ?"),
                            {dbInt(uploaded), dbInt(downloaded), dbInt(completed), id});
    });
    if (!changed.ok())
        return DbResult<core::TorrentRecord>::fail(changed.status, changed.message);
    return torrent(id);
}

DbResult<std::int64_t> SqlDatabase::torrentCount(const core::TorrentQuery &query)
{
    DbResult<std::int64_t> r;
    run([&](QSqlDatabase &db) {
        r = selectOne<std::int64_t>(
            db, QStringLiteral("SELECT COUNT(*) FROM torrents") + kTorrentFilter,
            torrentFilterValues(query), [](const QSqlQuery &q) { return q.value(0).toLongLong(); });
    });
    return r;
}

namespace {

// user_torrents' key (migration 0010): both ids in one integer, the rowid, so that the
// commit's upserts overwrite rows in place. SQLite shifts as the cast does: the same key.
std::int64_t userTorrentKey(core::UserId user, core::TorrentId torrent)
{
    return static_cast<std::int64_t>(std::uint64_t(user) << 32 | torrent);
}

} // namespace

DbResult<std::int64_t>
SqlDatabase::commitStats(const core::StatsBatch &batch,
                         const std::optional<core::SnapshotPromotion> &promote)
{
    DbStatus status = DbStatus::Ok;
    std::int64_t logBytes = 0;
    run([&](QSqlDatabase &db) {
        sqlite3 *handle = sqliteHandle(db);
        if (!handle) {
            status = DbStatus::Error;
            m_lastError = QStringLiteral("the stats commit needs the QSQLITE driver");
            return;
        }
        // The batch keeps (user, torrent) rows in key order, the order B-tree writes want (an
        // unsorted million-row batch took five times as long); peers go to the journal's log
        // as they are, in drain order. Rows of users
        // and torrents deleted meanwhile are left out here (see m_deletedUsers); the users and
        // torrents updates simply match nothing for them.
        const auto deleted = [this](core::UserId user, core::TorrentId torrent) {
            return m_deletedUsers.count(user) != 0 || m_deletedTorrents.count(torrent) != 0;
        };
        const bool filter = !m_deletedUsers.empty() || !m_deletedTorrents.empty();
        // The peers' newest totals go to the journal's log (below) as blobs of entries
        // (stopped peers too: the fold drops them), parts of a bounded size, each written as
        // soon as it is full into one buffer kept from commit to commit (a commit's log is
        // tens of MiB under load: fresh buffers faulted in every page again).
        QByteArray &part = m_logPart;
        const auto appendPeers = [&](SqliteBatch &sql) {
            part.resize(0); // keeps its capacity
            const auto write = [&] {
                logBytes += part.size();
                const bool written =
                    sql.each("INSERT INTO peer_log (entries) VALUES (?)", std::span(&part, 1),
                             [](RowBinder &b, const QByteArray &p) {
                                 b.blob(p.constData(), int(p.size()));
                             });
                part.resize(0);
                return written;
            };
            for (const auto &[key, state] : batch.peers) {
                if (filter && deleted(key.user, key.torrent))
                    continue;
                if (part.isEmpty())
                    part.reserve(core::journal::kPartBytes + core::journal::kMaxEntrySize);
                const core::journal::Entry e{state.stopped ? core::journal::EntryKind::Stopped
                                                           : core::journal::EntryKind::Live,
                                             core::PeerRecord{key.torrent, key.user, key.peerId,
                                                              state.uploaded, state.downloaded,
                                                              state.left, state.endpoint,
                                                              state.lastAnnounce},
                                             state.sequence};
                core::journal::append(part, e);
                if (part.size() >= core::journal::kPartBytes && !write())
                    return false;
            }
            return part.isEmpty() || write();
        };

        using UserTorrentRow = std::pair<core::UserTorrentKey, core::UserTorrentDelta>;
        std::vector<const UserTorrentRow *> userTorrents;
        std::vector<const UserTorrentRow *> snatched;
        userTorrents.reserve(batch.userTorrents.size());
        for (const UserTorrentRow &r : batch.userTorrents) {
            if (filter && deleted(r.first.first, r.first.second))
                continue;
            userTorrents.push_back(&r);
            if (r.second.completedAt)
                snatched.push_back(&r);
        }

        SqliteBatch sql(handle);
        // The rows of deleted users and torrents are out of the batch (above), so the
        // foreign-key checks would only cost a lookup per row: they are off for this
        // transaction (the pragma cannot change inside one; one connection writes).
        bool ok = sql.exec("PRAGMA foreign_keys=OFF") && sql.exec("BEGIN IMMEDIATE");
        ok = ok &&
             sql.run("UPDATE users SET uploaded = uploaded + v.column2, "
                     "downloaded = downloaded + v.column3 FROM (",
                     ") AS v WHERE users.id = v.column1", 3, batch.users,
                     [](RowBinder &b, const auto &r) {
                         b.integer(r.first).counter(r.second.uploaded).counter(r.second.downloaded);
                     }) &&
             sql.run("UPDATE torrents SET uploaded = uploaded + v.column2, "
                     "downloaded = downloaded + v.column3, "
                     "completed = completed + v.column4 FROM (",
                     ") AS v WHERE torrents.id = v.column1", 4, batch.torrents,
                     [](RowBinder &b, const auto &r) {
                         b.integer(r.first)
                             .counter(r.second.uploaded)
                             .counter(r.second.downloaded)
                             .integer(r.second.completed);
                     }) &&
             sql.run("INSERT INTO user_torrents (id, uploaded, downloaded, raw_uploaded, "
                     "raw_downloaded, seedtime, last_seen) SELECT * FROM (",
                     ") AS v WHERE true ON CONFLICT (id) DO UPDATE SET "
                     "uploaded = uploaded + excluded.uploaded, "
                     "downloaded = downloaded + excluded.downloaded, "
                     "raw_uploaded = raw_uploaded + excluded.raw_uploaded, "
                     "raw_downloaded = raw_downloaded + excluded.raw_downloaded, "
                     "seedtime = seedtime + excluded.seedtime, "
                     "last_seen = max(last_seen, excluded.last_seen)",
                     7, userTorrents,
                     [](RowBinder &b, const UserTorrentRow *r) {
                         b.integer(userTorrentKey(r->first.first, r->first.second))
                             .counter(r->second.uploaded)
                             .counter(r->second.downloaded)
                             .counter(r->second.rawUploaded)
                             .counter(r->second.rawDownloaded)
                             .counter(r->second.seedtime)
                             .integer(r->second.lastSeen);
                     }) &&
             // One snatch per user and torrent: a later completion keeps the first. The few
             // snatch rows keep their EXISTS filters, so that none can ever name a user or
             // torrent that is gone (snatches are listed; the rows above are not on their own).
             sql.run("INSERT INTO snatches (user_id, torrent_id, completed_at) SELECT * FROM (",
                     ") AS v WHERE EXISTS (SELECT 1 FROM users WHERE id = v.column1) "
                     "AND EXISTS (SELECT 1 FROM torrents WHERE id = v.column2) "
                     "ON CONFLICT (user_id, torrent_id) DO NOTHING",
                     3, snatched,
                     [](RowBinder &b, const UserTorrentRow *r) {
                         b.integer(r->first.first)
                             .integer(r->first.second)
                             .integer(r->second.completedAt);
                     }) &&
             appendPeers(sql);
        if (ok && promote) {
            // After the append above: the new log rows are past the cut, so they stay.
            const std::vector<core::SnapshotPromotion> once{*promote};
            ok = sql.each("UPDATE peer_journal SET generation = ?", once,
                          [](RowBinder &b, const core::SnapshotPromotion &p) {
                              b.integer(p.generation);
                          }) &&
                 sql.each("DELETE FROM peer_snapshot WHERE generation <> ?", once,
                          [](RowBinder &b, const core::SnapshotPromotion &p) {
                              b.integer(p.generation);
                          }) &&
                 sql.each(
                     "DELETE FROM peer_log WHERE id <= ?", once,
                     [](RowBinder &b, const core::SnapshotPromotion &p) { b.integer(p.logCut); }) &&
                 sql.exec("DELETE FROM peers"); // the table before 0009, read once
        }
        ok = ok && sql.exec("COMMIT");
        if (!ok) {
            m_lastError = sql.error();
            sqlite3_exec(handle, "ROLLBACK", nullptr, nullptr, nullptr);
            status = DbStatus::Error;
        } else {
            forgetDeleted(++m_commits);
        }
        sqlite3_exec(handle, "PRAGMA foreign_keys=ON", nullptr, nullptr, nullptr);
    });
    if (status != DbStatus::Ok)
        return DbResult<std::int64_t>::fail(status, m_lastError);
    return {DbStatus::Ok, logBytes, {}};
}

void SqlDatabase::forgetDeleted(std::uint64_t commits)
{
    for (auto *ids : {&m_deletedUsers, &m_deletedTorrents})
        std::erase_if(*ids,
                      [commits](const auto &e) { return commits - e.second >= kDeletedCommits; });
}

DbResult<core::SnapshotPromotion> SqlDatabase::beginPeerSnapshot()
{
    DbResult<core::SnapshotPromotion> r;
    run([&](QSqlDatabase &db) {
        QSqlQuery q(db);
        // Parts of a snapshot that never became current (a crash, a failed commit) go.
        if (!execBound(q,
                       QStringLiteral("DELETE FROM peer_snapshot WHERE generation <> "
                                      "(SELECT generation FROM peer_journal)"),
                       {}) ||
            !execBound(q,
                       QStringLiteral("SELECT generation, (SELECT COALESCE(MAX(id), 0) FROM "
                                      "peer_log) FROM peer_journal"),
                       {}) ||
            !q.next()) {
            r = failed<core::SnapshotPromotion>(q);
            return;
        }
        r.value.generation = q.value(0).toLongLong() + 1;
        r.value.logCut = q.value(1).toLongLong();
    });
    return r;
}

DbStatus SqlDatabase::stagePeerSnapshot(std::int64_t generation, const QByteArray &entries)
{
    DbStatus status = DbStatus::Ok;
    run([&](QSqlDatabase &db) {
        QSqlQuery q(db);
        if (!execBound(
                q, QStringLiteral("INSERT INTO peer_snapshot (generation, entries) VALUES (?, ?)"),
                {static_cast<qlonglong>(generation), entries})) {
            m_lastError = q.lastError().text();
            status = DbStatus::Error;
        }
    });
    return status;
}

DbResult<std::vector<core::PeerRecord>> SqlDatabase::peers(std::int64_t announcedSince)
{
    DbResult<std::vector<core::PeerRecord>> r;
    run([&](QSqlDatabase &db) {
        core::journal::Fold fold;
        QSqlQuery q(db);
        q.setForwardOnly(true);
        // Rows of the table before 0009 (until the first snapshot empties it): a base with
        // no watermark, older than any snapshot or log.
        if (!execBound(q,
                       QStringLiteral("SELECT torrent_id, user_id, peer_id, uploaded, downloaded, "
                                      "left_bytes, ip, port, last_announce FROM peers"),
                       {})) {
            r = failed<std::vector<core::PeerRecord>>(q);
            return;
        }
        std::vector<core::journal::Entry> base;
        while (q.next()) {
            const auto id = proto::PeerId::fromBytes(q.value(2).toByteArray());
            const QByteArray ipBytes = q.value(6).toByteArray();
            if (!id || (ipBytes.size() != 4 && ipBytes.size() != 16))
                continue; // not written by us: skip rather than restore garbage
            proto::IpAddress ip;
            ip.v6 = ipBytes.size() == 16;
            std::memcpy(ip.bytes.data(), ipBytes.constData(),
                        static_cast<std::size_t>(ipBytes.size()));
            core::journal::Entry &e = base.emplace_back();
            e.peer.torrent = q.value(0).toUInt();
            e.peer.user = q.value(1).toUInt();
            e.peer.peerId = *id;
            e.peer.uploaded = q.value(3).toULongLong();
            e.peer.downloaded = q.value(4).toULongLong();
            e.peer.left = q.value(5).toULongLong();
            e.peer.endpoint =
                proto::PeerEndpoint::make(ip, static_cast<std::uint16_t>(q.value(7).toUInt()));
            e.peer.lastAnnounce = q.value(8).toLongLong();
        }
        fold.addSnapshot(base);
        // Then the current snapshot, then the log, each part decoded and folded in turn.
        const auto foldParts = [&](const QString &sql, bool snapshot) {
            if (!execBound(q, sql, {}))
                return false;
            std::vector<core::journal::Entry> entries;
            while (q.next()) {
                entries.clear();
                if (!core::journal::decode(q.value(1).toByteArray(), entries)) {
                    // Its peers' next announces only set new baselines: nothing is credited
                    // twice, at worst what they reported since their last commit is lost.
                    qWarning().noquote()
                        << "swarmkeeperd: peer journal:" << (snapshot ? "snapshot" : "log")
                        << "part" << q.value(0).toLongLong() << "is damaged, skipped";
                    continue;
                }
                snapshot ? fold.addSnapshot(entries) : fold.addLog(entries);
            }
            return true;
        };
        if (!foldParts(QStringLiteral("SELECT id, entries FROM peer_snapshot WHERE generation = "
                                      "(SELECT generation FROM peer_journal) ORDER BY id"),
                       true) ||
            !foldParts(QStringLiteral("SELECT id, entries FROM peer_log ORDER BY id"), false)) {
            r = failed<std::vector<core::PeerRecord>>(q);
            return;
        }
        r.value = fold.peers(announcedSince);
    });
    return r;
}

QString SqlDatabase::lastError() const
{
    return m_lastError;
}

// ---- snatches and hit-and-run ----

namespace {

const QString kSnatchSelect = QStringLiteral(
    "SELECT s.id, s.user_id, s.torrent_id, t.info_hash, s.completed_at, "
    "COALESCE(ut.seedtime, 0), COALESCE(ut.last_seen, 0), COALESCE(ut.uploaded, 0), "
    "COALESCE(ut.downloaded, 0), COALESCE(ut.raw_uploaded, 0), COALESCE(ut.raw_downloaded, 0), "
    "s.hnr, s.hnr_exempt FROM snatches s JOIN torrents t ON t.id = s.torrent_id "
    "LEFT JOIN user_torrents ut ON ut.id = ((s.user_id << 32) | s.torrent_id) ");
const QString kSnatchFilter =
    QStringLiteral("WHERE (? = 0 OR s.user_id = ?) AND (? = 0 OR s.torrent_id = ?) "
                   "AND (? = 0 OR s.hnr = 1) ");

core::SnatchRecord readSnatch(const QSqlQuery &q)
{
    core::SnatchRecord s;
    s.id = q.value(0).toLongLong();
    s.user = q.value(1).toUInt();
    s.torrent = q.value(2).toUInt();
    s.infoHash = proto::InfoHash::fromBytes(q.value(3).toByteArray()).value_or(proto::InfoHash{});
    s.completedAt = q.value(4).toLongLong();
    s.seedtime = q.value(5).toULongLong();
    s.lastSeen = q.value(6).toLongLong();
    s.uploaded = q.value(7).toULongLong();
    s.downloaded = q.value(8).toULongLong();
    s.rawUploaded = q.value(9).toULongLong();
    s.rawDownloaded = q.value(10).toULongLong();
    s.hnr = q.value(11).toBool();
    s.hnrExempt = q.value(12).toBool();
    return s;
}

QVariantList filterValues(const core::SnatchFilter &f)
{
    return {f.user, f.user, f.torrent, f.torrent, f.hnrOnly ? 1 : 0};
}

QString snatchOrder(const core::SnatchFilter &f)
{
    using S = core::SnatchSort;
    QString key;
    switch (f.sort) {
    case S::Id:
        break;
    case S::Completed:
        key = QStringLiteral("s.completed_at");
        break;
    case S::LastSeen:
        key = QStringLiteral("COALESCE(ut.last_seen, 0)");
        break;
    case S::Seedtime:
        key = QStringLiteral("COALESCE(ut.seedtime, 0)");
        break;
    case S::Uploaded:
        key = QStringLiteral("COALESCE(ut.uploaded, 0)");
        break;
    case S::Downloaded:
        key = QStringLiteral("COALESCE(ut.downloaded, 0)");
        break;
    }
    return orderBy(key, QStringLiteral("s.id"), f.descending);
}

// Runs `fn` inside one transaction on `db`; rolls back when it returns false.
bool inTransaction(QSqlDatabase &db, const std::function<bool()> &fn)
{
    if (!db.transaction())
        return false;
    if (fn() && db.commit())
        return true;
    db.rollback();
    return false;
}

} // namespace

DbResult<std::vector<core::SnatchRecord>> SqlDatabase::snatches(const core::SnatchFilter &filter,
                                                                core::Page page)
{
    DbResult<std::vector<core::SnatchRecord>> r;
    run([&](QSqlDatabase &db) {
        r = selectAll<core::SnatchRecord>(db,
                                          kSnatchSelect + kSnatchFilter + snatchOrder(filter) +
                                              QStringLiteral(" LIMIT ? OFFSET ?"),
                                          filterValues(filter) + pageValues(page), readSnatch);
    });
    return r;
}

DbResult<std::int64_t> SqlDatabase::snatchCount(const core::SnatchFilter &filter)
{
    DbResult<std::int64_t> r;
    run([&](QSqlDatabase &db) {
        r = selectOne<std::int64_t>(
            db, QStringLiteral("SELECT COUNT(*) FROM snatches s ") + kSnatchFilter,
            filterValues(filter), [](const QSqlQuery &q) { return q.value(0).toLongLong(); });
    });
    return r;
}

DbResult<core::SnatchRecord> SqlDatabase::snatch(std::int64_t id)
{
    DbResult<core::SnatchRecord> r;
    run([&](QSqlDatabase &db) {
        r = selectOne<core::SnatchRecord>(db, kSnatchSelect + QStringLiteral("WHERE s.id = ?"),
                                          {qlonglong(id)}, readSnatch);
    });
    return r;
}

DbResult<core::SnatchRecord> SqlDatabase::updateSnatch(std::int64_t id,
                                                       std::optional<std::uint64_t> seedtime,
                                                       std::optional<bool> hnr)
{
    DbStatus status = DbStatus::Ok;
    QString message;
    run([&](QSqlDatabase &db) {
        const bool ok = inTransaction(db, [&] {
            QSqlQuery q(db);
            // The snatch's (user, torrent) row exists from the commit that recorded it; the
            // upsert covers a row deleted by hand.
            if (seedtime &&
                !execBound(q,
                           QStringLiteral("INSERT INTO user_torrents (id, seedtime) SELECT "
                                          "(user_id << 32) | torrent_id, ? FROM snatches "
                                          "WHERE id = ? ON CONFLICT (id) DO "
                                          "UPDATE SET seedtime = excluded.seedtime"),
                           {dbInt(*seedtime), qlonglong(id)}))
                return false;
            if (hnr &&
                !execBound(
                    q, QStringLiteral("UPDATE snatches SET hnr = ?, hnr_exempt = ? WHERE id = ?"),
                    {*hnr ? 1 : 0, *hnr ? 0 : 1, qlonglong(id)}))
                return false;
            return true;
        });
        if (!ok) {
            status = DbStatus::Error;
            message = db.lastError().text();
        }
    });
    if (status != DbStatus::Ok)
        return DbResult<core::SnatchRecord>::fail(status, message);
    return snatch(id);
}

DbStatus SqlDatabase::deleteSnatch(std::int64_t id)
{
    DbStatus s = DbStatus::Ok;
    run([&](QSqlDatabase &db) {
        s = changeOne(db, QStringLiteral("DELETE FROM snatches WHERE id = ?"), {qlonglong(id)})
                .status;
    });
    return s;
}

DbResult<std::vector<core::SnatchRecord>>
SqlDatabase::hitAndRunCandidates(std::int64_t completedBefore, std::uint64_t minSeedtime)
{
    DbResult<std::vector<core::SnatchRecord>> r;
    run([&](QSqlDatabase &db) {
        r = selectAll<core::SnatchRecord>(
            db,
            kSnatchSelect + QStringLiteral("WHERE s.hnr = 0 AND s.hnr_exempt = 0 AND "
                                           "s.completed_at <= ? AND "
                                           "COALESCE(ut.seedtime, 0) < ? ORDER BY s.id"),
            {qlonglong(completedBefore), dbInt(minSeedtime)}, readSnatch);
    });
    return r;
}

DbResult<std::vector<core::UserId>>
SqlDatabase::flagHitAndRuns(const std::vector<std::int64_t> &ids, std::uint32_t maxWarnings)
{
    DbResult<std::vector<core::UserId>> r;
    run([&](QSqlDatabase &db) {
        std::vector<core::UserId> warned;
        const bool ok = inTransaction(db, [&] {
            QSqlQuery q(db);
            for (const std::int64_t id : ids) {
                if (!execBound(q,
                               QStringLiteral("UPDATE snatches SET hnr = 1 WHERE id = ? AND "
                                              "hnr = 0 RETURNING user_id"),
                               {qlonglong(id)}))
                    return false;
                if (!q.next())
                    continue; // flagged meanwhile, or deleted
                const core::UserId user = q.value(0).toUInt();
                q.finish();
                if (!execBound(q,
                               QStringLiteral(
                                   "UPDATE users SET hnr_warnings = hnr_warnings + 1 WHERE id = ?"),
                               {user}))
                    return false;
                warned.push_back(user);
            }
            std::sort(warned.begin(), warned.end());
            warned.erase(std::unique(warned.begin(), warned.end()), warned.end());
            if (maxWarnings == 0)
                return true;
            for (const core::UserId user : warned) {
                if (!execBound(q,
                               QStringLiteral("UPDATE users SET can_leech = 0 WHERE id = ? AND "
                                              "can_leech = 1 AND hnr_warnings >= ?"),
                               {user, maxWarnings}))
                    return false;
                if (q.numRowsAffected() == 1)
                    r.value.push_back(user);
            }
            return true;
        });
        if (!ok) {
            r.status = DbStatus::Error;
            r.message = db.lastError().text();
            r.value.clear();
        }
    });
    return r;
}

DbResult<core::UserRecord> SqlDatabase::clearHnrWarnings(core::UserId user)
{
    DbResult<bool> changed;
    run([&](QSqlDatabase &db) {
        changed =
            changeOne(db, QStringLiteral("UPDATE users SET hnr_warnings = 0 WHERE id = ?"), {user});
    });
    if (!changed.ok())
        return DbResult<core::UserRecord>::fail(changed.status, changed.message);
    return this->user(user);
}

// ---- bonus points ----

DbResult<std::int64_t>
SqlDatabase::awardMillipoints(const std::vector<std::pair<core::UserId, std::int64_t>> &grants)
{
    DbResult<std::int64_t> r;
    run([&](QSqlDatabase &db) {
        const bool ok = inTransaction(db, [&] {
            QSqlQuery q(db);
            if (!q.prepare(QStringLiteral("UPDATE users SET bonus_millipoints = "
                                          "bonus_millipoints + ? WHERE id = ?")))
                return false;
            for (const auto &[user, millis] : grants) {
                q.bindValue(0, qlonglong(millis));
                q.bindValue(1, user);
                if (!q.exec())
                    return false;
                r.value += q.numRowsAffected();
            }
            return true;
        });
        if (!ok) {
            r.status = DbStatus::Error;
            r.message = db.lastError().text();
        }
    });
    return r;
}

namespace {
// After a conditional UPDATE of one user matched nothing: NotFound, or Conflict if the user
// exists (the condition failed).
template<typename T> DbResult<T> missOrConflict(QSqlDatabase &db, core::UserId user)
{
    QSqlQuery q(db);
    if (execBound(q, QStringLiteral("SELECT 1 FROM users WHERE id = ?"), {user}) && q.next())
        return DbResult<T>::fail(DbStatus::Conflict);
    return DbResult<T>::fail(DbStatus::NotFound);
}
} // namespace

DbResult<core::UserRecord> SqlDatabase::addMillipoints(core::UserId user, std::int64_t millipoints)
{
    DbResult<bool> changed;
    run([&](QSqlDatabase &db) {
        changed = changeOne(db,
                            QStringLiteral("UPDATE users SET bonus_millipoints = bonus_millipoints "
                                           "+ ? WHERE id = ? AND bonus_millipoints + ? >= 0"),
                            {qlonglong(millipoints), user, qlonglong(millipoints)});
        if (changed.status == DbStatus::NotFound)
            changed = missOrConflict<bool>(db, user);
    });
    if (!changed.ok())
        return DbResult<core::UserRecord>::fail(changed.status, changed.message);
    return this->user(user);
}

DbResult<core::UserRecord>
SqlDatabase::redeemMillipoints(core::UserId user, std::int64_t millipoints, std::uint64_t bytes)
{
    DbResult<bool> changed;
    run([&](QSqlDatabase &db) {
        // One statement: the points go and the credit lands together, or neither. A credit
        // that would pass the stored maximum is refused like a short balance.
        changed = changeOne(
            db,
            QStringLiteral("UPDATE users SET bonus_millipoints = bonus_millipoints - ?, "
                           "uploaded = uploaded + ? WHERE id = ? AND bonus_millipoints >= ? "
                           "AND uploaded <= 9223372036854775807 - ?"),
            {qlonglong(millipoints), dbInt(bytes), user, qlonglong(millipoints), dbInt(bytes)});
        if (changed.status == DbStatus::NotFound)
            changed = missOrConflict<bool>(db, user);
    });
    if (!changed.ok())
        return DbResult<core::UserRecord>::fail(changed.status, changed.message);
    return this->user(user);
}

// ---- cheat flags ----

DbStatus SqlDatabase::insertCheatFlags(const std::vector<core::CheatFlag> &flags)
{
    DbStatus s = DbStatus::Ok;
    run([&](QSqlDatabase &db) {
        sqlite3 *handle = sqliteHandle(db);
        if (!handle) {
            s = DbStatus::Error;
            return;
        }
        // Multi-row statements: with a statement per flag, SQLite first copied every page
        // each one touched into its statement journal (64 KiB pages: two per flag, over a
        // GiB written for a full queue of 10,000 flags); now it does so once per 200 rows.
        SqliteBatch sql(handle);
        const bool ok =
            sql.exec("BEGIN IMMEDIATE") &&
            sql.run("INSERT INTO cheat_flags (user_id, torrent_id, kind, peer_id, ip, uploaded, "
                    "seconds, leechers, created_at) SELECT * FROM (",
                    ") AS v WHERE EXISTS (SELECT 1 FROM users WHERE id = v.column1) "
                    "AND EXISTS (SELECT 1 FROM torrents WHERE id = v.column2)",
                    9, flags,
                    [](RowBinder &b, const core::CheatFlag &f) {
                        b.integer(f.user)
                            .integer(f.torrent)
                            .text(core::cheatKindName(f.kind))
                            .blob(f.peerId.bytes.data(), int(f.peerId.bytes.size()))
                            .text(f.ip.toString().toLatin1())
                            .counter(f.uploaded)
                            .integer(f.seconds)
                            .integer(f.leechers)
                            .integer(f.at);
                    }) &&
            sql.exec("COMMIT");
        if (!ok) {
            qWarning().noquote() << "swarmkeeperd: cheat flags not written:" << sql.error();
            sqlite3_exec(handle, "ROLLBACK", nullptr, nullptr, nullptr);
            s = DbStatus::Error;
        }
    });
    return s;
}

namespace {
core::CheatFlag readCheat(const QSqlQuery &q)
{
    core::CheatFlag f;
    f.id = q.value(0).toLongLong();
    f.user = q.value(1).toUInt();
    f.torrent = q.value(2).toUInt();
    f.kind = q.value(3).toString() == QLatin1String("upload_too_fast")
                 ? core::CheatKind::TooFast
                 : core::CheatKind::NoLeechers;
    f.peerId = proto::PeerId::fromBytes(q.value(4).toByteArray()).value_or(proto::PeerId{});
    f.ip = proto::IpAddress::parse(q.value(5).toString().toLatin1()).value_or(proto::IpAddress{});
    f.uploaded = q.value(6).toULongLong();
    f.seconds = q.value(7).toLongLong();
    f.leechers = q.value(8).toUInt();
    f.at = q.value(9).toLongLong();
    return f;
}
const QString kCheatFilter =
    QStringLiteral("WHERE (? = 0 OR user_id = ?) AND (? = 0 OR torrent_id = ?) ");
} // namespace

DbResult<std::vector<core::CheatFlag>>
SqlDatabase::cheatFlags(core::UserId user, core::TorrentId torrent, core::Page page)
{
    DbResult<std::vector<core::CheatFlag>> r;
    run([&](QSqlDatabase &db) {
        r = selectAll<core::CheatFlag>(
            db,
            QStringLiteral("SELECT id, user_id, torrent_id, kind, peer_id, ip, uploaded, seconds, "
                           "leechers, created_at FROM cheat_flags ") +
                kCheatFilter + QStringLiteral("ORDER BY id DESC LIMIT ? OFFSET ?"),
            QVariantList{user, user, torrent, torrent} + pageValues(page), readCheat);
    });
    return r;
}

DbResult<std::int64_t> SqlDatabase::cheatFlagCount(core::UserId user, core::TorrentId torrent)
{
    DbResult<std::int64_t> r;
    run([&](QSqlDatabase &db) {
        r = selectOne<std::int64_t>(
            db, QStringLiteral("SELECT COUNT(*) FROM cheat_flags ") + kCheatFilter,
            {user, user, torrent, torrent},
            [](const QSqlQuery &q) { return q.value(0).toLongLong(); });
    });
    return r;
}

DbStatus SqlDatabase::deleteCheatFlag(std::int64_t id)
{
    DbStatus s = DbStatus::Ok;
    run([&](QSqlDatabase &db) {
        s = changeOne(db, QStringLiteral("DELETE FROM cheat_flags WHERE id = ?"), {qlonglong(id)})
                .status;
    });
    return s;
}

// ---- access: bans and the client whitelist ----

DbResult<std::vector<core::Ban>> SqlDatabase::bans()
{
    DbResult<std::vector<std::optional<core::Ban>>> rows;
    run([&](QSqlDatabase &db) {
        rows = selectAll<std::optional<core::Ban>>(
            db, QStringLiteral("SELECT ip, reason, created_at, expires_at FROM ip_bans"), {},
            [](const QSqlQuery &q) -> std::optional<core::Ban> {
                const auto range = proto::IpRange::parse(q.value(0).toString());
                if (!range) {
                    qWarning("storage: ip_bans row %s is not an address or range; skipped",
                             qPrintable(q.value(0).toString().left(64)));
                    return std::nullopt;
                }
                return core::Ban{*range, q.value(1).toString(), q.value(2).toLongLong(),
                                 q.value(3).toLongLong()};
            });
    });
    if (!rows.ok())
        return DbResult<std::vector<core::Ban>>::fail(rows.status, rows.message);
    // Updates and deletes name a ban by its canonical text: rewrite rows written otherwise
    // (by hand, say "2001:DB8::/32"), dropping one that duplicates a canonical row.
    run([&](QSqlDatabase &db) {
        QSqlQuery names(db);
        names.setForwardOnly(true);
        if (!names.exec(QStringLiteral("SELECT ip FROM ip_bans")))
            return;
        std::vector<std::pair<QString, QString>> rename;
        while (names.next()) {
            const QString text = names.value(0).toString();
            if (const auto range = proto::IpRange::parse(text); range && range->toString() != text)
                rename.emplace_back(text, range->toString());
        }
        names.finish();
        for (const auto &[from, to] : rename) {
            QSqlQuery q(db);
            if (!execBound(q, QStringLiteral("UPDATE ip_bans SET ip = ? WHERE ip = ?"), {to, from}))
                execBound(q, QStringLiteral("DELETE FROM ip_bans WHERE ip = ?"), {from});
        }
    });
    DbResult<std::vector<core::Ban>> r;
    for (auto &b : rows.value)
        if (b)
            r.value.push_back(std::move(*b));
    return r;
}

DbStatus SqlDatabase::insertBan(const core::Ban &ban)
{
    DbStatus s = DbStatus::Ok;
    run([&](QSqlDatabase &db) {
        QSqlQuery q(db);
        if (!execBound(q,
                       QStringLiteral("INSERT INTO ip_bans (ip, reason, created_at, expires_at) "
                                      "VALUES (?, ?, ?, ?)"),
                       {ban.range.toString(), ban.reason.isNull() ? QStringLiteral("") : ban.reason,
                        qlonglong(ban.createdAt), qlonglong(ban.expiresAt)}))
            s = statusOf(q.lastError());
    });
    return s;
}

DbStatus SqlDatabase::updateBan(const core::Ban &ban)
{
    DbStatus s = DbStatus::Ok;
    run([&](QSqlDatabase &db) {
        s = changeOne(db,
                      QStringLiteral("UPDATE ip_bans SET reason = ?, expires_at = ? WHERE ip = ?"),
                      {ban.reason.isNull() ? QStringLiteral("") : ban.reason,
                       qlonglong(ban.expiresAt), ban.range.toString()})
                .status;
    });
    return s;
}

DbStatus SqlDatabase::deleteBan(const proto::IpRange &range)
{
    DbStatus s = DbStatus::Ok;
    run([&](QSqlDatabase &db) {
        s = changeOne(db, QStringLiteral("DELETE FROM ip_bans WHERE ip = ?"), {range.toString()})
                .status;
    });
    return s;
}

DbResult<std::int64_t> SqlDatabase::deleteExpiredBans(std::int64_t now)
{
    DbResult<std::int64_t> r;
    run([&](QSqlDatabase &db) {
        QSqlQuery q(db);
        if (!execBound(
                q, QStringLiteral("DELETE FROM ip_bans WHERE expires_at > 0 AND expires_at <= ?"),
                {qlonglong(now)})) {
            r = failed<std::int64_t>(q);
            return;
        }
        r.value = q.numRowsAffected();
    });
    return r;
}

DbResult<std::vector<core::AllowedClient>> SqlDatabase::allowedClients()
{
    DbResult<std::vector<core::AllowedClient>> r;
    run([&](QSqlDatabase &db) {
        r = selectAll<core::AllowedClient>(
            db, QStringLiteral("SELECT prefix, name, created_at FROM client_whitelist"), {},
            [](const QSqlQuery &q) {
                return core::AllowedClient{q.value(0).toByteArray(), q.value(1).toString(),
                                           q.value(2).toLongLong()};
            });
    });
    return r;
}

DbStatus SqlDatabase::insertAllowedClient(const core::AllowedClient &client)
{
    DbStatus s = DbStatus::Ok;
    run([&](QSqlDatabase &db) {
        QSqlQuery q(db);
        if (!execBound(q,
                       QStringLiteral("INSERT INTO client_whitelist (prefix, name, created_at) "
                                      "VALUES (?, ?, ?)"),
                       {client.prefix, client.name.isNull() ? QStringLiteral("") : client.name,
                        qlonglong(client.createdAt)}))
            s = statusOf(q.lastError());
    });
    return s;
}

DbStatus SqlDatabase::deleteAllowedClient(const QByteArray &prefix)
{
    DbStatus s = DbStatus::Ok;
    run([&](QSqlDatabase &db) {
        s = changeOne(db, QStringLiteral("DELETE FROM client_whitelist WHERE prefix = ?"), {prefix})
                .status;
    });
    return s;
}

DbResult<std::vector<core::AdminTokenRecord>> SqlDatabase::adminTokens()
{
    DbResult<std::vector<core::AdminTokenRecord>> r;
    run([&](QSqlDatabase &db) {
        r = selectAll<core::AdminTokenRecord>(
            db,
            QStringLiteral(
                "SELECT id, name, role, token_hash, created_at FROM admin_tokens ORDER BY id"),
            {}, [](const QSqlQuery &q) {
                core::AdminTokenRecord t;
                t.id = q.value(0).toLongLong();
                t.name = q.value(1).toString();
                t.role = q.value(2).toString();
                t.hash = q.value(3).toByteArray();
                t.createdAt = q.value(4).toLongLong();
                return t;
            });
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

DbStatus SqlDatabase::deleteAdminToken(std::int64_t id)
{
    DbStatus s = DbStatus::Ok;
    run([&](QSqlDatabase &db) {
        s = changeOne(db,
                      QStringLiteral("DELETE FROM admin_tokens WHERE id = ? AND (role <> 'admin' "
                                     "OR (SELECT COUNT(*) FROM admin_tokens WHERE role = 'admin') "
                                     "> 1)"),
                      {qlonglong(id)})
                .status;
        if (s == DbStatus::NotFound &&
            selectOne<int>(db, QStringLiteral("SELECT 1 FROM admin_tokens WHERE id = ?"),
                           {qlonglong(id)}, [](const QSqlQuery &) { return 1; })
                .ok())
            s = DbStatus::Conflict; // it exists: the last admin token
    });
    return s;
}

// ---- audit log ----

namespace {
const QString kAuditFilter =
    QStringLiteral("WHERE (? = '' OR token = ?) AND (? = '' OR target = ?) "
                   "AND (? = 0 OR at >= ?) AND (? = 0 OR at < ?) ");

QString notNull(const QString &s)
{
    return s.isNull() ? QStringLiteral("") : s;
}

QVariantList auditValues(const core::AuditFilter &f)
{
    const QString token = notNull(f.token);
    const QString target = notNull(f.target);
    return {token,
            token,
            target,
            target,
            qlonglong(f.since),
            qlonglong(f.since),
            qlonglong(f.until),
            qlonglong(f.until)};
}
} // namespace

DbStatus SqlDatabase::insertAudit(const core::AuditEntry &e)
{
    DbStatus s = DbStatus::Ok;
    run([&](QSqlDatabase &db) {
        QSqlQuery q(db);
        if (!execBound(
                q,
                QStringLiteral("INSERT INTO audit_log (at, token, role, ip, method, path, "
                               "target, status, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
                {qlonglong(e.at), notNull(e.token), notNull(e.role), notNull(e.ip),
                 notNull(e.method), notNull(e.path), notNull(e.target), e.status,
                 notNull(e.summary)}))
            s = failed<bool>(q).status;
    });
    return s;
}

DbResult<std::vector<core::AuditEntry>> SqlDatabase::audit(const core::AuditFilter &filter,
                                                           core::Page page)
{
    DbResult<std::vector<core::AuditEntry>> r;
    run([&](QSqlDatabase &db) {
        r = selectAll<core::AuditEntry>(
            db,
            QStringLiteral("SELECT id, at, token, role, ip, method, path, target, status, summary "
                           "FROM audit_log ") +
                kAuditFilter + QStringLiteral("ORDER BY id DESC LIMIT ? OFFSET ?"),
            auditValues(filter) + pageValues(page), [](const QSqlQuery &q) {
                core::AuditEntry e;
                e.id = q.value(0).toLongLong();
                e.at = q.value(1).toLongLong();
                e.token = q.value(2).toString();
                e.role = q.value(3).toString();
                e.ip = q.value(4).toString();
                e.method = q.value(5).toString();
                e.path = q.value(6).toString();
                e.target = q.value(7).toString();
                e.status = q.value(8).toInt();
                e.summary = q.value(9).toString();
                return e;
            });
    });
    return r;
}

DbResult<std::int64_t> SqlDatabase::auditCount(const core::AuditFilter &filter)
{
    DbResult<std::int64_t> r;
    run([&](QSqlDatabase &db) {
        r = selectOne<std::int64_t>(
            db, QStringLiteral("SELECT COUNT(*) FROM audit_log ") + kAuditFilter,
            auditValues(filter), [](const QSqlQuery &q) { return q.value(0).toLongLong(); });
    });
    return r;
}

DbResult<std::int64_t> SqlDatabase::pruneAudit(std::int64_t before)
{
    DbResult<std::int64_t> r;
    run([&](QSqlDatabase &db) {
        QSqlQuery q(db);
        if (!execBound(q, QStringLiteral("DELETE FROM audit_log WHERE at < ?"),
                       {qlonglong(before)})) {
            r = failed<std::int64_t>(q);
            return;
        }
        r.value = q.numRowsAffected();
    });
    return r;
}

} // namespace sk::storage
