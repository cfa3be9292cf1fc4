#include "bonus.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace sk::core {

Bonus::Bonus(Database &db, Registry &registry, const PeerStore &peers, const Clock &clock,
             const BonusSettings &settings)
    : m_db(db), m_registry(registry), m_peers(peers), m_clock(clock), m_settings(settings),
      m_lastAward(clock.now())
{}

DbResult<BonusAward> Bonus::award()
{
    DbResult<BonusAward> r;
    const std::int64_t now = m_clock.now();
    r.value.elapsed =
        std::clamp<std::int64_t>(now - m_lastAward, 0, 2 * std::int64_t(m_settings.interval));
    if (m_settings.pointsPerHour <= 0 || r.value.elapsed == 0) {
        m_lastAward = std::max(m_lastAward, now);
        return r;
    }
    // Thousandths per seeded torrent for the elapsed time, rounded down.
    const double perTorrent = m_settings.pointsPerHour * 1000.0 * double(r.value.elapsed) / 3600.0;
    std::vector<std::pair<UserId, std::int64_t>> grants;
    // Only registered torrents pay: with enforce_registration off anyone could seed
    // made-up info_hashes.
    const auto registered = [this](const proto::InfoHash &ih) {
        return m_registry.torrentId(ih).has_value();
    };
    for (const auto &[user, torrents] : m_peers.seedingTorrentsPerUser(registered)) {
        const auto millis = static_cast<std::int64_t>(std::floor(perTorrent * torrents));
        if (millis <= 0)
            continue;
        grants.emplace_back(user, millis);
        r.value.torrents += torrents;
        r.value.millipoints += millis;
    }
    const auto done = m_db.awardMillipoints(grants);
    if (!done.ok())
        return DbResult<BonusAward>::fail(done.status, done.message);
    r.value.users = done.value;
    m_lastAward = now;
    m_last = r.value;
    ++m_awards;
    return r;
}

DbResult<UserRecord> Bonus::addPoints(UserId user, std::int64_t millipoints)
{
    return m_db.addMillipoints(user, millipoints);
}

std::uint64_t Bonus::bytesFor(std::int64_t millipoints) const
{
    const long double bytes =
        (long double)(m_settings.bytesPerPoint) * (long double)(millipoints) / 1000.0L;
    const long double cap = (long double)std::numeric_limits<std::int64_t>::max();
    return bytes >= cap ? std::uint64_t(std::numeric_limits<std::int64_t>::max())
                        : static_cast<std::uint64_t>(bytes);
}

DbResult<UserRecord> Bonus::redeem(UserId user, std::int64_t millipoints)
{
    auto r = m_db.redeemMillipoints(user, millipoints, bytesFor(millipoints));
    if (r.ok())
        m_registry.setUserTotals(user, r.value.uploaded, r.value.downloaded);
    return r;
}

} // namespace sk::core
