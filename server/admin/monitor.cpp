#include "monitor.h"

#include <QCoreApplication>
#include <QJsonArray>

namespace sk::admin {

Monitor::Monitor(const MonitorSources &sources) : m_src(sources), m_startedAt(sources.clock.now())
{
    m_last = counts();
    m_sinceSample.start();
}

api::TrackerStatsDto Monitor::counts() const
{
    api::TrackerStatsDto d;
    d.at = m_src.clock.now();
    d.users = m_src.registry.userCount();
    d.torrents = m_src.registry.torrentCount();
    const core::PeerStoreStats ps = m_src.peers.stats();
    d.swarms = ps.swarms;
    d.peers = ps.peers;
    d.seeders = ps.seeders;
    d.leechers = ps.leechers;
    const core::MetricsSnapshot m = m_src.metrics.snapshot();
    d.announces = m.announceTotal();
    d.scrapes = m.scrapeTotal();
    d.errors = m.errorTotal();
    d.flushQueue = m_src.ledger.pending() + m_src.stats.absorbed();
    d.lastFlush = m_src.stats.lastSuccess();
    d.flushFailures = m_src.stats.failures();
    d.startedAt = m_startedAt;
    d.uptime = d.at - m_startedAt;
    return d;
}

const api::TrackerStatsDto &Monitor::sample()
{
    api::TrackerStatsDto now = counts();
    const double seconds = double(m_sinceSample.restart()) / 1000.0;
    if (seconds > 0) {
        now.announcesPerSecond = double(now.announces - m_last.announces) / seconds;
        now.scrapesPerSecond = double(now.scrapes - m_last.scrapes) / seconds;
        now.errorsPerSecond = double(now.errors - m_last.errors) / seconds;
    }
    m_last = now;
    return m_last;
}

api::TrackerStatsDto Monitor::current() const
{
    api::TrackerStatsDto d = counts();
    d.announcesPerSecond = m_last.announcesPerSecond;
    d.scrapesPerSecond = m_last.scrapesPerSecond;
    d.errorsPerSecond = m_last.errorsPerSecond;
    return d;
}

api::SwarmDto swarmDto(const core::SwarmSummary &s, const core::Registry &registry)
{
    api::SwarmDto d;
    d.infoHash = s.infoHash;
    d.torrentId = registry.torrentId(s.infoHash).value_or(0);
    d.seeders = s.seeders;
    d.leechers = s.leechers;
    d.completed = s.completed;
    return d;
}

QJsonObject Monitor::swarmChanges(std::size_t cap)
{
    const std::vector<core::SwarmSummary> now = m_src.peers.swarms();
    QJsonArray changed;
    bool truncated = false;
    std::unordered_map<proto::InfoHash, bool, proto::FixedBytesHash<proto::InfoHash>> present;
    present.reserve(now.size());
    for (const core::SwarmSummary &s : now) {
        present.emplace(s.infoHash, true);
        const auto it = m_swarms.find(s.infoHash);
        if (it != m_swarms.end() && it->second.seeders == s.seeders &&
            it->second.leechers == s.leechers && it->second.completed == s.completed)
            continue;
        if (std::size_t(changed.size()) >= cap) {
            truncated = true; // left unrecorded: it is reported by a later call
            continue;
        }
        m_swarms[s.infoHash] = s;
        changed.append(swarmDto(s, m_src.registry).toJson());
    }
    QJsonArray removed;
    for (auto it = m_swarms.begin(); it != m_swarms.end();) {
        if (present.count(it->first)) {
            ++it;
            continue;
        }
        removed.append(it->first.toHexString());
        it = m_swarms.erase(it);
    }
    if (changed.isEmpty() && removed.isEmpty())
        return {};
    return QJsonObject{{QStringLiteral("swarms"), changed},
                       {QStringLiteral("removed"), removed},
                       {QStringLiteral("truncated"), truncated}};
}

namespace {

class Exposition
{
public:
    // Starts a metric family: its HELP and TYPE lines.
    void family(const char *name, const char *type, const char *help)
    {
        m_out += "# HELP swarmkeeper_";
        m_out += name;
        m_out += ' ';
        m_out += help;
        m_out += "\n# TYPE swarmkeeper_";
        m_out += name;
        m_out += ' ';
        m_out += type;
        m_out += '\n';
    }
    // One sample; `labels` is `key="value",...` (our own fixed strings) or empty.
    void sample(const char *name, const QByteArray &labels, std::uint64_t value)
    {
        line(name, labels);
        m_out += QByteArray::number(qulonglong(value));
        m_out += '\n';
    }
    void sample(const char *name, const QByteArray &labels, double value)
    {
        line(name, labels);
        m_out += QByteArray::number(value, 'g', 12);
        m_out += '\n';
    }
    QByteArray take() { return std::move(m_out); }

private:
    void line(const char *name, const QByteArray &labels)
    {
        m_out += "swarmkeeper_";
        m_out += name;
        if (!labels.isEmpty()) {
            m_out += '{';
            m_out += labels;
            m_out += '}';
        }
        m_out += ' ';
    }
    QByteArray m_out;
};

QByteArray label(const char *key, const char *value)
{
    return QByteArray(key) + "=\"" + value + '"';
}

} // namespace

QByteArray Monitor::prometheus() const
{
    const api::TrackerStatsDto d = current();
    const core::MetricsSnapshot m = m_src.metrics.snapshot();
    Exposition x;
    using core::Protocol;
    const Protocol protocols[] = {Protocol::Http, Protocol::Udp};

    x.family("announces_total", "counter",
             "Announces answered (not refused), by protocol and event.");
    for (Protocol p : protocols)
        for (std::size_t e = 0; e < core::kAnnounceEvents; ++e)
            x.sample("announces_total",
                     label("protocol", core::protocolName(p)) + ',' +
                         label("event", core::eventName(e)),
                     m.announces[std::size_t(p)][e]);
    x.family("scrapes_total", "counter", "Scrapes answered, by protocol.");
    for (Protocol p : protocols)
        x.sample("scrapes_total", label("protocol", core::protocolName(p)),
                 m.scrapes[std::size_t(p)]);
    x.family("errors_total", "counter",
             "Requests refused (failure reason or BEP 15 error), by protocol and kind.");
    for (Protocol p : protocols)
        for (std::size_t k = 1; k < core::kErrorKinds; ++k)
            x.sample("errors_total",
                     label("protocol", core::protocolName(p)) + ',' +
                         label("kind", core::errorKindName(k)),
                     m.errors[std::size_t(p)][k]);

    x.family("announce_duration_seconds", "histogram",
             "Time to answer an announce, by protocol: HTTP from the parsed request to the "
             "encoded reply; UDP from the announce answered before it in its receive batch (or "
             "the batch's arrival) to the reply written, other datagrams between included.");
    for (Protocol p : protocols) {
        const auto pi = std::size_t(p);
        const QByteArray proto = label("protocol", core::protocolName(p));
        std::uint64_t cumulative = 0;
        for (std::size_t b = 0; b < core::kLatencyBuckets; ++b) {
            cumulative += m.latency[pi][b];
            const QByteArray le =
                b < core::kLatencyBoundsUs.size()
                    ? QByteArray::number(double(core::kLatencyBoundsUs[b]) / 1e6, 'g', 6)
                    : QByteArray("+Inf");
            x.sample("announce_duration_seconds_bucket", proto + ",le=\"" + le + '"', cumulative);
        }
        x.sample("announce_duration_seconds_sum", proto, double(m.latencySumNs[pi]) / 1e9);
        x.sample("announce_duration_seconds_count", proto, cumulative);
    }

    x.family("peers", "gauge", "Peers in memory.");
    x.sample("peers", {}, d.peers);
    x.family("seeders", "gauge", "Seeding peers in memory.");
    x.sample("seeders", {}, d.seeders);
    x.family("leechers", "gauge", "Leeching peers in memory.");
    x.sample("leechers", {}, d.leechers);
    x.family("swarms", "gauge", "Swarms (torrents with peers) in memory.");
    x.sample("swarms", {}, d.swarms);
    x.family("users", "gauge", "Registered users.");
    x.sample("users", {}, d.users);
    x.family("torrents", "gauge", "Registered torrents.");
    x.sample("torrents", {}, d.torrents);
    x.family("bans", "gauge", "IP bans (addresses and ranges) held.");
    x.sample("bans", {}, std::uint64_t(m_src.bans.size()));
    x.family("whitelisted_clients", "gauge", "Client prefixes on the whitelist (0: off).");
    x.sample("whitelisted_clients", {}, std::uint64_t(m_src.clients.size()));

    x.family("flush_queue", "gauge", "Announces waiting for the accounting commit.");
    x.sample("flush_queue", {}, d.flushQueue);
    x.family("last_flush_age_seconds", "gauge",
             "Seconds since the last accounting commit (since the start before the first).");
    x.sample("last_flush_age_seconds", {},
             std::uint64_t(
                 std::max<std::int64_t>(0, d.at - (d.lastFlush > 0 ? d.lastFlush : d.startedAt))));
    x.family("db_errors_total", "counter", "Accounting commits the database refused.");
    x.sample("db_errors_total", {}, d.flushFailures);
    x.family("baseline_resets_total", "counter",
             "Announces whose uploaded or downloaded went backwards (a new baseline).");
    x.sample("baseline_resets_total", {}, m_src.ledger.resets());

    const core::RateLimiter::Stats rl = m_src.limiter.stats();
    x.family("rate_limited_total", "counter", "Requests refused by the rate limiter, by kind.");
    for (int k = 0; k < core::kRateKinds; ++k)
        x.sample("rate_limited_total",
                 label("kind", core::rateKindName(static_cast<core::RateKind>(k))),
                 rl.limited[std::size_t(k)]);
    x.family("rate_limiter_addresses", "gauge", "Addresses the rate limiter tracks.");
    x.sample("rate_limiter_addresses", {}, std::uint64_t(rl.tracked));

    const FeedStats feed = m_feed ? m_feed() : FeedStats{};
    x.family("websocket_clients", "gauge", "Clients of the /ws live feed.");
    x.sample("websocket_clients", {}, std::uint64_t(feed.clients));
    x.family("websocket_events_total", "counter", "Events published on the /ws live feed.");
    x.sample("websocket_events_total", {}, feed.published);
    x.family("websocket_dropped_total", "counter",
             "Live feed clients closed by the server: too slow to read, or silent too long.");
    x.sample("websocket_dropped_total", label("reason", "slow"), feed.droppedSlow);
    x.sample("websocket_dropped_total", label("reason", "idle"), feed.droppedIdle);
    x.family("uptime_seconds", "gauge", "Seconds since the server started.");
    x.sample("uptime_seconds", {}, std::uint64_t(std::max<std::int64_t>(0, d.uptime)));
    x.family("build_info", "gauge", "Always 1; the version in a label.");
    x.sample("build_info",
             label("version", qPrintable(QCoreApplication::applicationVersion().isEmpty()
                                             ? QStringLiteral("unknown")
                                             : QCoreApplication::applicationVersion())),
             std::uint64_t(1));
    return x.take();
}

} // namespace sk::admin
