// Admin API DTOs: the JSON shapes of users and torrents, shared by the server and the console.
#pragma once

#include "../types/fixedbytes.h"

#include <QJsonObject>
#include <QString>

#include <cstdint>
#include <optional>

namespace sk::api {

inline constexpr int apiVersion = 1;

// ISO 8601 UTC, second precision: "2026-11-24T12:00:00Z".
QString isoTime(std::int64_t unixSeconds);
// Bonus points travel as numbers with three decimals; kept as thousandths.
double pointsOf(std::int64_t millipoints);
std::int64_t millipointsOf(double points);

struct UserDto
{
    std::uint32_t id = 0;
    QString name;
    QString passkey;
    std::uint64_t uploaded = 0;
    std::uint64_t downloaded = 0;
    bool canLeech = true;
    std::int64_t createdAt = 0;
    std::uint32_t hnrWarnings = 0;
    std::int64_t bonusMillipoints = 0; // "bonus_points": this / 1000, three decimals

    QJsonObject toJson() const;
    static std::optional<UserDto> fromJson(const QJsonObject &o);
};

struct TorrentDto
{
    std::uint32_t id = 0;
    proto::InfoHash infoHash;
    QString name;
    std::int64_t createdAt = 0;
    std::uint32_t seeders = 0;
    std::uint32_t leechers = 0;
    std::uint32_t completed = 0;
    bool freeleech = false;          // as set; see freeleechUntil
    std::int64_t freeleechUntil = 0; // Unix seconds; 0: no expiry ("freeleech_until": null)
    double uploadMultiplier = 1.0;
    double downloadMultiplier = 1.0;
    std::uint64_t uploaded = 0; // committed totals, as clients reported them
    std::uint64_t downloaded = 0;

    QJsonObject toJson() const;
    static std::optional<TorrentDto> fromJson(const QJsonObject &o);
};

// A user's completion of a torrent and what accrued on it since.
struct SnatchDto
{
    std::int64_t id = 0;
    std::uint32_t userId = 0;
    std::uint32_t torrentId = 0;
    proto::InfoHash infoHash;
    std::int64_t completedAt = 0;
    std::uint64_t seedtime = 0; // seconds
    std::int64_t lastSeen = 0;  // 0: never ("last_seen": null)
    std::uint64_t uploaded = 0; // credited on this torrent
    std::uint64_t downloaded = 0;
    std::uint64_t rawUploaded = 0; // as reported
    std::uint64_t rawDownloaded = 0;
    bool hnr = false;
    bool hnrExempt = false; // a moderator cleared its flag: not checked again
    bool seeding = false;   // a client of the user seeds it now

    QJsonObject toJson() const;
    static std::optional<SnatchDto> fromJson(const QJsonObject &o);
};

// A cheat flag: an announce whose reported upload looks impossible, for review.
struct CheatFlagDto
{
    std::int64_t id = 0;
    std::uint32_t userId = 0;
    std::uint32_t torrentId = 0;
    QString kind;   // "upload_without_leechers" or "upload_too_fast"
    QString peerId; // as hex
    QString ip;
    std::uint64_t uploaded = 0; // bytes reported since the previous announce
    std::int64_t seconds = 0;   // since the previous announce
    std::uint32_t leechers = 0; // other leechers in the swarm then
    std::int64_t at = 0;

    QJsonObject toJson() const;
    static std::optional<CheatFlagDto> fromJson(const QJsonObject &o);
};

// One peer of a swarm, as the tracker holds it now.
struct PeerDto
{
    std::uint32_t userId = 0;
    QString peerId; // as hex
    QString client; // the peer_id's client prefix ("qB4650" for "-qB4650-..."), may be empty
    QString ip;
    std::uint16_t port = 0;
    std::uint64_t uploaded = 0; // totals as last reported by the client
    std::uint64_t downloaded = 0;
    std::uint64_t left = 0;
    bool seeder = false;
    // Whether it accepted the tracker's connection probe; unset: not probed (yet), or
    // verification off ("connectable": null).
    std::optional<bool> connectable;
    std::int64_t lastAnnounce = 0;

    QJsonObject toJson() const;
    static std::optional<PeerDto> fromJson(const QJsonObject &o);
};

// The readable client prefix of a peer_id: Azureus style "-XXnnnn-" gives "XXnnnn", else its
// leading printable characters (at most 8).
QString clientOf(const proto::PeerId &peerId);

// An IP ban. `ip` names it: an address ("203.0.113.7") or a CIDR range ("10.0.0.0/8").
struct BanDto
{
    QString ip;
    QString reason;
    std::int64_t createdAt = 0;
    std::int64_t expiresAt = 0; // Unix seconds; 0: permanent ("expires_at": null)
    bool active = true;         // false once expired (until cleaned up)

    QJsonObject toJson() const;
    static std::optional<BanDto> fromJson(const QJsonObject &o);
};

// A client-whitelist entry: peer_ids starting with `prefix` may announce.
struct AllowedClientDto
{
    QString prefix;
    QString name;
    std::int64_t createdAt = 0;

    QJsonObject toJson() const;
    static std::optional<AllowedClientDto> fromJson(const QJsonObject &o);
};

// An admin API token as listed: never its secret, which only the reply that created it holds
// (`token`, present then and only then).
struct TokenDto
{
    std::int64_t id = 0;
    QString name;
    QString role; // "admin", "moderator" or "readonly"
    std::int64_t createdAt = 0;
    QString secret; // empty except in the reply to its creation

    QJsonObject toJson() const;
    static std::optional<TokenDto> fromJson(const QJsonObject &o);
};

// One mutating admin call in the audit log.
struct AuditEntryDto
{
    std::int64_t id = 0;
    std::int64_t at = 0;
    QString token; // the token's name
    QString role;
    QString ip;
    QString method;
    QString path;
    QString target;  // what the call named or created; empty if nothing
    int status = 0;  // the HTTP status it was answered with
    QString summary; // the request body as compact JSON, secrets replaced by "***"

    QJsonObject toJson() const;
    static std::optional<AuditEntryDto> fromJson(const QJsonObject &o);
};

// The tracker at one moment: GET /admin/stats and the WebSocket `stats` tick. Rates are per
// second over the last whole second.
struct TrackerStatsDto
{
    std::int64_t at = 0; // Unix seconds
    std::uint64_t users = 0;
    std::uint64_t torrents = 0;
    std::uint64_t swarms = 0;
    std::uint64_t peers = 0;
    std::uint64_t seeders = 0;
    std::uint64_t leechers = 0;
    double announcesPerSecond = 0;
    double scrapesPerSecond = 0;
    double errorsPerSecond = 0;
    std::uint64_t announces = 0; // since the start
    std::uint64_t scrapes = 0;
    std::uint64_t errors = 0;
    std::uint64_t flushQueue = 0; // announces waiting for the accounting commit
    std::int64_t lastFlush = 0;   // Unix seconds of the last commit; 0: none yet
    std::uint64_t flushFailures = 0;
    std::int64_t startedAt = 0;
    std::int64_t uptime = 0; // seconds

    QJsonObject toJson() const;
    static std::optional<TrackerStatsDto> fromJson(const QJsonObject &o);
};

// A swarm in GET /admin/swarms and the WebSocket `swarm` event.
struct SwarmDto
{
    proto::InfoHash infoHash;
    std::uint32_t torrentId = 0; // 0: not a registered torrent (tracker.enforce_registration off)
    std::uint32_t seeders = 0;
    std::uint32_t leechers = 0;
    std::uint64_t completed = 0;

    QJsonObject toJson() const;
    static std::optional<SwarmDto> fromJson(const QJsonObject &o);
};

} // namespace sk::api
