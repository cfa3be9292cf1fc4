// HitAndRun: the periodic check that flags snatches whose user left without seeding enough,
// counts a warning per flag and, at max_warnings, disables the user's leeching.
#pragma once

#include "clock.h"
#include "database.h"
#include "peerstore.h"
#include "registry.h"
#include "statswriter.h"

#include <cstdint>

namespace sk::core {

struct HitAndRunSettings
{
    std::uint32_t minSeedtime = 72 * 3600;      // seconds; 0: no hit-and-run rule
    std::uint32_t gracePeriod = 14 * 24 * 3600; // seconds after completion to reach it
    std::uint32_t maxWarnings = 3;              // warnings that disable leeching; 0: never
    std::uint32_t checkInterval = 3600;         // seconds between periodic checks
};

struct HitAndRunReport
{
    std::int64_t candidates = 0;       // snatches past grace with too little seedtime
    std::int64_t seeding = 0;          // of those, spared because the user seeds now
    std::int64_t flagged = 0;          // newly flagged (one warning each)
    std::vector<UserId> leechDisabled; // users who reached max_warnings in this check
};

class HitAndRun
{
public:
    // `stats`, when given, is flushed before each check, so that seeding time reported up to
    // then counts (a check must not flag a seeder whose last stretch is still pending).
    HitAndRun(Database &db, Registry &registry, const PeerStore &peers, const Clock &clock,
              const HitAndRunSettings &settings, StatsWriter *stats = nullptr);

    const HitAndRunSettings &settings() const { return m_settings; }
    // Flags what is due now. The database changes in one transaction, then memory follows.
    DbResult<HitAndRunReport> check();
    // Sets a user's warnings to zero (leeching stays as it is: PUT /admin/users/:id/leech).
    DbResult<UserRecord> clearWarnings(UserId user);

private:
    Database &m_db;
    Registry &m_registry;
    const PeerStore &m_peers;
    const Clock &m_clock;
    HitAndRunSettings m_settings;
    StatsWriter *m_stats;
};

} // namespace sk::core
