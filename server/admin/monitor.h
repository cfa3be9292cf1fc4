// Monitor: the tracker's live figures for GET /admin/stats, the WebSocket `stats` tick and the
// Prometheus exposition at /metrics. Main thread only; the workers' counters are read, never
// locked.
#pragma once

#include "eventhub.h"
#include "server/core/accounting.h"
#include "server/core/banlist.h"
#include "server/core/clientwhitelist.h"
#include "server/core/metrics.h"
#include "server/core/peerstore.h"
#include "server/core/ratelimiter.h"
#include "server/core/registry.h"
#include "server/core/statswriter.h"
#include "shared/api/dto.h"

#include <QByteArray>
#include <QElapsedTimer>

#include <functional>
#include <unordered_map>

namespace sk::admin {

struct MonitorSources
{
    const core::TrackerMetrics &metrics;
    const core::PeerStore &peers;
    const core::Registry &registry;
    const core::StatsLedger &ledger;
    const core::StatsWriter &stats;
    const core::BanList &bans;
    const core::ClientWhitelist &clients;
    const core::RateLimiter &limiter;
    const core::Clock &clock;
};

// A swarm as the API shows it: its counts and the id of its registered torrent.
api::SwarmDto swarmDto(const core::SwarmSummary &s, const core::Registry &registry);

class Monitor
{
public:
    explicit Monitor(const MonitorSources &sources);

    // Takes a new sample: counts now, rates against the previous sample. The server calls it
    // once a second; returns the sample.
    const api::TrackerStatsDto &sample();
    // The last sample's rates with counts read now.
    api::TrackerStatsDto current() const;
    // Prometheus text exposition format 0.0.4.
    QByteArray prometheus() const;
    // The live feed's `swarm` event: the swarms whose counts changed since the last call (all of
    // them at the first), at most `cap` (`truncated` says there were more: the rest come in
    // the next call), and the info_hashes of swarms gone.
    QJsonObject swarmChanges(std::size_t cap);
    // Nobody listens for swarms: drops what the next call would compare with.
    void forgetSwarms() { m_swarms.clear(); }
    // The live feed's figures, for the exposition.
    void setFeed(std::function<FeedStats()> stats) { m_feed = std::move(stats); }

private:
    api::TrackerStatsDto counts() const;

    MonitorSources m_src;
    std::int64_t m_startedAt;
    QElapsedTimer m_sinceSample;
    api::TrackerStatsDto m_last;
    std::function<FeedStats()> m_feed;
    // The counts last reported by swarmChanges().
    std::unordered_map<proto::InfoHash, core::SwarmSummary, proto::FixedBytesHash<proto::InfoHash>>
        m_swarms;
};

} // namespace sk::admin
