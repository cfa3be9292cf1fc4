// Bonus: points for seeding, awarded per torrent seeded and hour, redeemable for upload
// credit. Points are counted in thousandths (millipoints) so that every sum is exact.
#pragma once

#include "clock.h"
#include "database.h"
#include "peerstore.h"
#include "registry.h"

#include <cstdint>

namespace sk::core {

struct BonusSettings
{
    double pointsPerHour = 1.0;                  // per torrent seeded; 0 turns awards off
    std::uint32_t interval = 3600;               // seconds between periodic awards
    std::uint64_t bytesPerPoint = 1'000'000'000; // upload credit one point redeems
};

struct BonusAward
{
    std::int64_t elapsed = 0;     // seconds since the previous award
    std::int64_t users = 0;       // users awarded
    std::int64_t torrents = 0;    // (user, torrent) pairs seeding
    std::int64_t millipoints = 0; // awarded in all
};

// Not thread-safe itself: the admin thread and its timers call it.
class Bonus
{
public:
    Bonus(Database &db, Registry &registry, const PeerStore &peers, const Clock &clock,
          const BonusSettings &settings);

    const BonusSettings &settings() const { return m_settings; }
    // Awards every user seeding now for the time since the previous award (at most two
    // intervals: a stalled timer does not pay out a day at once).
    DbResult<BonusAward> award();
    std::int64_t lastAwardAt() const { return m_lastAward; }
    const BonusAward &lastAward() const { return m_last; }
    std::int64_t awards() const { return m_awards; }

    // Conflict when the user has fewer points than `millipoints` (nothing changes).
    DbResult<UserRecord> addPoints(UserId user, std::int64_t millipoints);
    // Turns points into upload credit at bytesPerPoint, in one transaction, and patches the
    // registry's totals. Run it under StatsWriter::exclusive().
    DbResult<UserRecord> redeem(UserId user, std::int64_t millipoints);
    std::uint64_t bytesFor(std::int64_t millipoints) const;

private:
    Database &m_db;
    Registry &m_registry;
    const PeerStore &m_peers;
    const Clock &m_clock;
    BonusSettings m_settings;
    std::int64_t m_lastAward;
    BonusAward m_last;
    std::int64_t m_awards = 0;
};

} // namespace sk::core
