// SqlDatabase: the QtSql implementation of core::Database; one connection, owned by its own thread.
#pragma once

#include "server/core/database.h"

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>

class QObject;
class QSqlDatabase;
class QThread;

namespace sk::storage {

class WalCheckpointer;

struct StorageSettings
{
    QString driver = QStringLiteral("QSQLITE");
    QString path; // SQLite file
    int busyTimeoutMs =
        5000; // waits out a concurrent writer (e.g. the sqlite3 CLI) instead of failing
};

class SqlDatabase final : public core::Database
{
public:
    // Opens (creating if needed) and migrates the database on a new storage thread.
    static std::unique_ptr<SqlDatabase> open(const StorageSettings &settings, QString *error);
    ~SqlDatabase() override;

    core::DbResult<std::vector<core::UserRecord>> users(core::Page page) override;
    core::DbResult<core::UserRecord> user(core::UserId id) override;
    core::DbResult<core::UserRecord> insertUser(const QString &name, const proto::Passkey &passkey,
                                                std::int64_t createdAt) override;
    core::DbStatus deleteUser(core::UserId id) override;
    core::DbResult<core::UserRecord> setPasskey(core::UserId id,
                                                const proto::Passkey &passkey) override;
    core::DbResult<std::int64_t> userCount() override;
    core::DbResult<std::vector<core::UserRecord>> findUsers(const core::UserQuery &query,
                                                            core::Page page) override;
    core::DbResult<std::int64_t> countUsers(const core::UserQuery &query) override;
    core::DbResult<core::UserRecord> userByPasskey(const proto::Passkey &passkey) override;
    core::DbResult<core::UserRecord> setCanLeech(core::UserId id, bool canLeech) override;
    core::DbResult<core::UserRecord> setUserStats(core::UserId id, std::uint64_t uploaded,
                                                  std::uint64_t downloaded) override;

    core::DbResult<std::vector<core::TorrentRecord>> torrents(const core::TorrentQuery &query,
                                                              core::Page page) override;
    core::DbResult<core::TorrentRecord> torrent(core::TorrentId id) override;
    core::DbResult<core::TorrentRecord> torrentByHash(const proto::InfoHash &infoHash) override;
    core::DbResult<core::TorrentRecord> insertTorrent(const proto::InfoHash &infoHash,
                                                      const QString &name,
                                                      std::int64_t createdAt) override;
    core::DbStatus deleteTorrent(core::TorrentId id) override;
    core::DbResult<core::TorrentRecord>
    setTorrentPolicy(core::TorrentId id, const core::TorrentPolicy &policy) override;
    core::DbResult<std::int64_t> torrentCount(const core::TorrentQuery &query) override;
    core::DbResult<core::TorrentRecord> setTorrentStats(core::TorrentId id, std::uint64_t uploaded,
                                                        std::uint64_t downloaded,
                                                        std::uint64_t completed) override;

    core::DbResult<std::int64_t>
    commitStats(const core::StatsBatch &batch,
                const std::optional<core::SnapshotPromotion> &promote) override;
    core::DbResult<core::SnapshotPromotion> beginPeerSnapshot() override;
    core::DbStatus stagePeerSnapshot(std::int64_t generation, const QByteArray &entries) override;
    core::DbResult<std::vector<core::PeerRecord>> peers(std::int64_t announcedSince) override;
    QString lastError() const override;

    core::DbResult<std::vector<core::Ban>> bans() override;
    core::DbStatus insertBan(const core::Ban &ban) override;
    core::DbStatus updateBan(const core::Ban &ban) override;
    core::DbStatus deleteBan(const proto::IpRange &range) override;
    core::DbResult<std::int64_t> deleteExpiredBans(std::int64_t now) override;
    core::DbResult<std::vector<core::AllowedClient>> allowedClients() override;
    core::DbStatus insertAllowedClient(const core::AllowedClient &client) override;
    core::DbStatus deleteAllowedClient(const QByteArray &prefix) override;

    core::DbResult<std::vector<core::SnatchRecord>> snatches(const core::SnatchFilter &filter,
                                                             core::Page page) override;
    core::DbResult<std::int64_t> snatchCount(const core::SnatchFilter &filter) override;
    core::DbResult<core::SnatchRecord> snatch(std::int64_t id) override;
    core::DbResult<core::SnatchRecord> updateSnatch(std::int64_t id,
                                                    std::optional<std::uint64_t> seedtime,
                                                    std::optional<bool> hnr) override;
    core::DbStatus deleteSnatch(std::int64_t id) override;
    core::DbResult<std::vector<core::SnatchRecord>>
    hitAndRunCandidates(std::int64_t completedBefore, std::uint64_t minSeedtime) override;
    core::DbResult<std::vector<core::UserId>> flagHitAndRuns(const std::vector<std::int64_t> &ids,
                                                             std::uint32_t maxWarnings) override;
    core::DbResult<core::UserRecord> clearHnrWarnings(core::UserId user) override;

    core::DbResult<std::int64_t>
    awardMillipoints(const std::vector<std::pair<core::UserId, std::int64_t>> &grants) override;
    core::DbResult<core::UserRecord> addMillipoints(core::UserId user,
                                                    std::int64_t millipoints) override;
    core::DbResult<core::UserRecord> redeemMillipoints(core::UserId user, std::int64_t millipoints,
                                                       std::uint64_t bytes) override;

    core::DbStatus insertCheatFlags(const std::vector<core::CheatFlag> &flags) override;
    core::DbResult<std::vector<core::CheatFlag>>
    cheatFlags(core::UserId user, core::TorrentId torrent, core::Page page) override;
    core::DbResult<std::int64_t> cheatFlagCount(core::UserId user,
                                                core::TorrentId torrent) override;
    core::DbStatus deleteCheatFlag(std::int64_t id) override;

    core::DbResult<std::vector<core::AdminTokenRecord>> adminTokens() override;
    core::DbResult<core::AdminTokenRecord> insertAdminToken(const QString &name,
                                                            const QString &role,
                                                            const QByteArray &hash,
                                                            std::int64_t createdAt) override;
    core::DbStatus deleteAdminToken(std::int64_t id) override;
    core::DbStatus insertAudit(const core::AuditEntry &entry) override;
    core::DbResult<std::vector<core::AuditEntry>> audit(const core::AuditFilter &filter,
                                                        core::Page page) override;
    core::DbResult<std::int64_t> auditCount(const core::AuditFilter &filter) override;
    core::DbResult<std::int64_t> pruneAudit(std::int64_t before) override;

    // Whole checkpoints of the write-ahead log done off the commits (WalCheckpointer); 0
    // while SQLite's automatic ones stand in.
    std::uint64_t walCheckpoints() const;

private:
    SqlDatabase();
    // Runs `fn` on the storage thread with its connection and waits for it.
    void run(const std::function<void(QSqlDatabase &)> &fn);

    std::unique_ptr<WalCheckpointer> m_checkpointer; // SQLite in WAL mode only
    QThread *m_thread = nullptr;
    QObject *m_context = nullptr; // lives in m_thread; queued calls target it
    QString m_connectionName;
    QString m_lastError; // of the last failed commitStats, for logs

    // Users and torrents deleted while deltas of theirs may still be in the ledger or in a kept
    // batch, each with the commit count at its deletion: commitStats leaves their
    // (user, torrent), peer and snatch rows out, so a late delta writes no orphan row, with no
    // lookup per row. Touched on the storage thread only (inside run()); an id is forgotten
    // kDeletedCommits successful commits after its deletion, when nothing of it can be left.
    // Four: a delta is drained by the flush after it was recorded, and the memory patch that
    // stops new ones follows the deletion at once; the rest is margin for a slow worker.
    static constexpr std::uint64_t kDeletedCommits = 4;
    void forgetDeleted(std::uint64_t commits);
    std::unordered_map<std::uint32_t, std::uint64_t> m_deletedUsers;
    std::unordered_map<std::uint32_t, std::uint64_t> m_deletedTorrents;
    std::uint64_t m_commits = 0;
    // The buffer of the peer journal's log parts, reused by every commit (storage thread).
    QByteArray m_logPart;
};

} // namespace sk::storage
