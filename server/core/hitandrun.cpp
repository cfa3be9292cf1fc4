#include "hitandrun.h"

namespace sk::core {

HitAndRun::HitAndRun(Database &db, Registry &registry, const PeerStore &peers, const Clock &clock,
                     const HitAndRunSettings &settings, StatsWriter *stats)
    : m_db(db), m_registry(registry), m_peers(peers), m_clock(clock), m_settings(settings),
      m_stats(stats)
{}

DbResult<HitAndRunReport> HitAndRun::check()
{
    DbResult<HitAndRunReport> r;
    if (m_settings.minSeedtime == 0)
        return r;
    if (m_stats && !m_stats->flush().ok)
        return DbResult<HitAndRunReport>::fail(
            DbStatus::Error, QStringLiteral("pending stats could not be committed; no check"));
    const std::int64_t now = m_clock.now();
    auto due = m_db.hitAndRunCandidates(now - std::int64_t(m_settings.gracePeriod),
                                        m_settings.minSeedtime);
    if (!due.ok())
        return DbResult<HitAndRunReport>::fail(due.status, due.message);
    r.value.candidates = std::int64_t(due.value.size());
    std::vector<std::int64_t> flag;
    for (const SnatchRecord &s : due.value) {
        const auto infoHash = m_registry.infoHash(s.torrent);
        if (infoHash && m_peers.isSeeding(*infoHash, s.user)) {
            ++r.value.seeding; // still seeding: it may yet reach the minimum
            continue;
        }
        flag.push_back(s.id);
    }
    auto flagged = m_db.flagHitAndRuns(flag, m_settings.maxWarnings);
    if (!flagged.ok())
        return DbResult<HitAndRunReport>::fail(flagged.status, flagged.message);
    r.value.flagged = std::int64_t(flag.size());
    r.value.leechDisabled = std::move(flagged.value);
    for (UserId u : r.value.leechDisabled)
        m_registry.setCanLeech(u, false);
    return r;
}

DbResult<UserRecord> HitAndRun::clearWarnings(UserId user)
{
    return m_db.clearHnrWarnings(user);
}

} // namespace sk::core
