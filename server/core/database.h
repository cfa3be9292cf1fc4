// Database: the core's interface to the source of truth (users, torrents, tokens); SQL lives behind
// it.
#pragma once

#include "accounting.h"
#include "banlist.h"
#include "cheatlog.h"
#include "clientwhitelist.h"
#include "registry.h"
#include "shared/types/fixedbytes.h"
#include "shared/types/passkey.h"

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <optional>
#include <vector>

namespace sk::core {

enum class DbStatus
{
    Ok,
    NotFound,
    Conflict,
    Error
};

template<typename T> struct DbResult
{
    DbStatus status = DbStatus::Ok;
    T value{};
    QString message; // for logs and 500 replies; never shown to tracker clients
    bool ok() const { return status == DbStatus::Ok; }
    static DbResult fail(DbStatus s, QString msg = {})
    {
        DbResult r;
        r.status = s;
        r.message = std::move(msg);
        return r;
    }
};

struct UserRecord
{
    UserId id = 0;
    QString name;
    proto::Passkey passkey;
    std::uint64_t uploaded = 0;
    std::uint64_t downloaded = 0;
    bool canLeech = true;
    std::int64_t createdAt = 0; // Unix seconds
    std::uint32_t hnrWarnings = 0;
    std::int64_t bonusMillipoints = 0; // thousandths of a bonus point
};

// The admin list and search of users: `text` matches a name (a substring, ASCII letters in
// any case) or, when `matchPasskey`, a passkey prefix; rows ordered by `sort`, ties by id.
enum class UserSort : std::uint8_t
{
    Id,
    Name,
    Uploaded,
    Downloaded,
    Ratio, // uploaded / downloaded; nothing downloaded counts as the highest
    Created,
    Points,
    Warnings,
};

struct UserQuery
{
    QString text; // empty: every user
    bool matchPasskey = false;
    UserSort sort = UserSort::Id;
    bool descending = false;
};

enum class TorrentSort : std::uint8_t
{
    Id,
    Name,
    Created,
    Uploaded,
    Downloaded,
    Completed,
};

struct TorrentQuery
{
    TorrentSort sort = TorrentSort::Id;
    bool descending = false;
    std::int64_t freeleechAt = 0; // nonzero: only torrents whose freeleech is in force then
};

struct TorrentRecord
{
    TorrentId id = 0;
    proto::InfoHash infoHash;
    QString name;
    std::int64_t createdAt = 0;
    TorrentPolicy policy;
    std::uint64_t uploaded = 0; // as reported by clients
    std::uint64_t downloaded = 0;
    std::uint64_t completed = 0;
};

// A peer as the last committed flush left it: its baseline after a restart.
struct PeerRecord
{
    TorrentId torrent = 0;
    UserId user = 0;
    proto::PeerId peerId;
    std::uint64_t uploaded = 0;
    std::uint64_t downloaded = 0;
    std::uint64_t left = 0;
    proto::PeerEndpoint endpoint;
    std::int64_t lastAnnounce = 0;
    friend bool operator==(const PeerRecord &, const PeerRecord &) = default;
};

// A snapshot of the peer store staged under `generation` (peerjournal.h): the commit that
// carries it makes it current and drops the log rows up to `logCut`, which it covers.
struct SnapshotPromotion
{
    std::int64_t generation = 0;
    std::int64_t logCut = 0;
};

// A user's completion of a torrent, with what accrued on that (user, torrent) since.
struct SnatchRecord
{
    std::int64_t id = 0;
    UserId user = 0;
    TorrentId torrent = 0;
    proto::InfoHash infoHash;
    std::int64_t completedAt = 0;
    std::uint64_t seedtime = 0; // seconds seeded, all clients of the user together
    std::int64_t lastSeen = 0;  // last announce that transferred, seeded or completed
    std::uint64_t uploaded = 0; // credited on this torrent
    std::uint64_t downloaded = 0;
    std::uint64_t rawUploaded = 0; // as reported
    std::uint64_t rawDownloaded = 0;
    bool hnr = false;
    bool hnrExempt = false; // its flag was cleared by hand: the check passes it by
};

// Which snatches a list holds; 0 / false: no restriction.
enum class SnatchSort : std::uint8_t
{
    Id,
    Completed,
    LastSeen,
    Seedtime,
    Uploaded,
    Downloaded,
};

struct SnatchFilter
{
    UserId user = 0;
    TorrentId torrent = 0;
    bool hnrOnly = false;
    SnatchSort sort = SnatchSort::Id; // ties by id, in the same direction
    bool descending = false;
};

struct AdminTokenRecord
{
    std::int64_t id = 0;
    QString name;
    QString role;
    QByteArray hash; // never the token itself
    std::int64_t createdAt = 0;
};

// One mutating admin call.
struct AuditEntry
{
    std::int64_t id = 0;
    std::int64_t at = 0; // Unix seconds
    QString token;       // the token's name
    QString role;
    QString ip;
    QString method;
    QString path;
    QString target;
    int status = 0;
    QString summary;
};

// Empty fields and zero times filter nothing.
struct AuditFilter
{
    QString token;
    QString target;
    std::int64_t since = 0; // at >= since
    std::int64_t until = 0; // at < until
};

struct Page
{
    std::int64_t offset = 0;
    std::int64_t limit = 0; // 0: everything (start-up loading only)
};

// Calls may come from any thread except the implementation's own; each returns when the
// statement has committed.
class Database
{
public:
    virtual ~Database() = default;

    virtual DbResult<std::vector<UserRecord>> users(Page page) = 0;
    virtual DbResult<UserRecord> user(UserId id) = 0;
    virtual DbResult<UserRecord> insertUser(const QString &name, const proto::Passkey &passkey,
                                            std::int64_t createdAt) = 0;
    virtual DbStatus deleteUser(UserId id) = 0;
    virtual DbResult<UserRecord> setPasskey(UserId id, const proto::Passkey &passkey) = 0;
    virtual DbResult<std::int64_t> userCount() = 0;
    virtual DbResult<std::vector<UserRecord>> findUsers(const UserQuery &query, Page page) = 0;
    virtual DbResult<std::int64_t> countUsers(const UserQuery &query) = 0;
    virtual DbResult<UserRecord> userByPasskey(const proto::Passkey &passkey) = 0;
    virtual DbResult<UserRecord> setCanLeech(UserId id, bool canLeech) = 0;
    // Sets a user's credited totals (an admin correction), replacing what was committed.
    virtual DbResult<UserRecord> setUserStats(UserId id, std::uint64_t uploaded,
                                              std::uint64_t downloaded) = 0;

    // Ties are ordered by id, in the same direction, so pages stay stable.
    virtual DbResult<std::vector<TorrentRecord>> torrents(const TorrentQuery &query, Page page) = 0;
    virtual DbResult<TorrentRecord> torrent(TorrentId id) = 0;
    virtual DbResult<TorrentRecord> torrentByHash(const proto::InfoHash &infoHash) = 0;
    virtual DbResult<TorrentRecord> insertTorrent(const proto::InfoHash &infoHash,
                                                  const QString &name, std::int64_t createdAt) = 0;
    virtual DbStatus deleteTorrent(TorrentId id) = 0;
    virtual DbResult<TorrentRecord> setTorrentPolicy(TorrentId id, const TorrentPolicy &policy) = 0;
    virtual DbResult<std::int64_t> torrentCount(const TorrentQuery &query) = 0;
    virtual DbResult<TorrentRecord> setTorrentStats(TorrentId id, std::uint64_t uploaded,
                                                    std::uint64_t downloaded,
                                                    std::uint64_t completed) = 0;

    // One transaction: the batch's sums and its peers' newest totals appended to the peer
    // journal's log (peerjournal.h); with `promote`, also the staged snapshot made current and
    // the log it covers dropped. Rows of users or torrents deleted meanwhile are skipped, never
    // an error. The value: the bytes appended to the log.
    virtual DbResult<std::int64_t> commitStats(const StatsBatch &batch,
                                               const std::optional<SnapshotPromotion> &promote) = 0;
    // Starts a snapshot of the peer store: drops what unfinished ones staged, and returns the
    // next generation with the newest committed log row (the snapshot will cover the log up
    // to it, since it copies the store after that commit).
    virtual DbResult<SnapshotPromotion> beginPeerSnapshot() = 0;
    // Stores one part (journal entries) of a snapshot; not in use until promoted.
    virtual DbStatus stagePeerSnapshot(std::int64_t generation, const QByteArray &entries) = 0;
    // The peers as the current snapshot and the log after it leave them, last announced at or
    // after `announcedSince`.
    virtual DbResult<std::vector<PeerRecord>> peers(std::int64_t announcedSince) = 0;
    // Why the last commitStats failed (for the log line).
    virtual QString lastError() const = 0;

    // IP bans, each named by its range (stored as the range's canonical text).
    virtual DbResult<std::vector<Ban>> bans() = 0;
    virtual DbStatus insertBan(const Ban &ban) = 0; // Conflict: that range is banned already
    virtual DbStatus updateBan(const Ban &ban) = 0; // reason and expiry; NotFound: not banned
    virtual DbStatus deleteBan(const proto::IpRange &range) = 0;
    // Removes bans whose expiry is at or before `now`; returns how many.
    virtual DbResult<std::int64_t> deleteExpiredBans(std::int64_t now) = 0;

    virtual DbResult<std::vector<AllowedClient>> allowedClients() = 0;
    virtual DbStatus insertAllowedClient(const AllowedClient &client) = 0; // Conflict: exists
    virtual DbStatus deleteAllowedClient(const QByteArray &prefix) = 0;

    // Snatches, by id order.
    virtual DbResult<std::vector<SnatchRecord>> snatches(const SnatchFilter &filter, Page page) = 0;
    virtual DbResult<std::int64_t> snatchCount(const SnatchFilter &filter) = 0;
    virtual DbResult<SnatchRecord> snatch(std::int64_t id) = 0;
    // Seedtime lives on the (user, torrent) row the stats writer adds to: run this under
    // StatsWriter::exclusive(). Changing `hnr` leaves the user's warnings as they are;
    // clearing it exempts the snatch from later checks, setting it lifts the exemption.
    virtual DbResult<SnatchRecord> updateSnatch(std::int64_t id,
                                                std::optional<std::uint64_t> seedtime,
                                                std::optional<bool> hnr) = 0;
    virtual DbStatus deleteSnatch(std::int64_t id) = 0;
    // Unflagged snatches completed at or before `completedBefore` with less seedtime.
    virtual DbResult<std::vector<SnatchRecord>> hitAndRunCandidates(std::int64_t completedBefore,
                                                                    std::uint64_t minSeedtime) = 0;
    // One transaction: flags these snatches (those not flagged yet), adds a warning to the
    // user per flag and, when `maxWarnings` > 0, turns leeching off for users who reached
    // it. Returns the users whose leeching this turned off.
    virtual DbResult<std::vector<UserId>> flagHitAndRuns(const std::vector<std::int64_t> &ids,
                                                         std::uint32_t maxWarnings) = 0;
    virtual DbResult<UserRecord> clearHnrWarnings(UserId user) = 0;

    // Bonus points, in thousandths. One transaction for all grants; returns users changed.
    virtual DbResult<std::int64_t>
    awardMillipoints(const std::vector<std::pair<UserId, std::int64_t>> &grants) = 0;
    // Adds (or, negative, removes) points; Conflict when the balance would go below zero.
    virtual DbResult<UserRecord> addMillipoints(UserId user, std::int64_t millipoints) = 0;
    // Takes points and credits `bytes` of upload in one statement; Conflict when the
    // balance is short. Run under StatsWriter::exclusive() (it changes committed totals).
    virtual DbResult<UserRecord> redeemMillipoints(UserId user, std::int64_t millipoints,
                                                   std::uint64_t bytes) = 0;

    // Cheat flags: rows of deleted users or torrents are skipped on insert.
    virtual DbStatus insertCheatFlags(const std::vector<CheatFlag> &flags) = 0;
    virtual DbResult<std::vector<CheatFlag>> cheatFlags(UserId user, TorrentId torrent,
                                                        Page page) = 0; // 0: any; newest first
    virtual DbResult<std::int64_t> cheatFlagCount(UserId user, TorrentId torrent) = 0;
    virtual DbStatus deleteCheatFlag(std::int64_t id) = 0;

    virtual DbResult<std::vector<AdminTokenRecord>> adminTokens() = 0;
    virtual DbResult<AdminTokenRecord> insertAdminToken(const QString &name, const QString &role,
                                                        const QByteArray &hash,
                                                        std::int64_t createdAt) = 0;
    // NotFound: no such token; Conflict: it is the last admin token (checked in the statement).
    virtual DbStatus deleteAdminToken(std::int64_t id) = 0;

    // The audit log, newest first; entries older than `before` go with pruneAudit.
    virtual DbStatus insertAudit(const AuditEntry &entry) = 0;
    virtual DbResult<std::vector<AuditEntry>> audit(const AuditFilter &filter, Page page) = 0;
    virtual DbResult<std::int64_t> auditCount(const AuditFilter &filter) = 0;
    virtual DbResult<std::int64_t> pruneAudit(std::int64_t before) = 0; // rows removed
};

} // namespace sk::core
