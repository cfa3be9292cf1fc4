#include "ratelimiter.h"

#include <algorithm>
#include <cstring>
#include <ctime>

namespace sk::core {

namespace {
// Enough that workers rarely meet on one lock (a handful of cores), few enough that a sweep
// or the per-shard share of max_tracked stays meaningful.
constexpr std::size_t kShards = 32;

std::int64_t monotonicMs()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts); // vDSO, a few ms of resolution
    return std::int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}
} // namespace

const char *rateKindName(RateKind kind)
{
    switch (kind) {
    case RateKind::Announce:
        return "announce";
    case RateKind::Scrape:
        return "scrape";
    case RateKind::Admin:
        return "admin";
    }
    return "?";
}

std::optional<std::vector<proto::IpRange>> parseRangeList(const QString &text)
{
    std::vector<proto::IpRange> out;
    for (const QString &part : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString item = part.trimmed();
        if (item.isEmpty())
            continue;
        const auto r = proto::IpRange::parse(item);
        if (!r)
            return std::nullopt;
        out.push_back(*r);
    }
    return out;
}

std::size_t RateLimiter::KeyHash::operator()(const Key &k) const noexcept
{
    return std::size_t((k.hi * 0x9E3779B97F4A7C15ull) ^ (k.lo * 0xC2B2AE3D27D4EB4Full) ^ k.v6);
}

RateLimiter::RateLimiter(const RateLimitSettings &settings, Clock nowMs)
    : m_settings(settings),
      m_exempt(parseRangeList(settings.exempt).value_or(std::vector<proto::IpRange>{})),
      m_now(nowMs ? std::move(nowMs) : Clock(monotonicMs)),
      m_perShard(std::max<std::size_t>(1, settings.maxTracked / kShards)),
      m_shards(new Shard[kShards])
{}

RateLimiter::~RateLimiter() = default;

RateLimiter::Key RateLimiter::keyOf(const proto::IpAddress &ip)
{
    Key k;
    std::memcpy(&k.hi, ip.bytes.data(), 8);
    std::memcpy(&k.lo, ip.bytes.data() + 8, 8);
    k.v6 = ip.v6;
    return k;
}

RateLimiter::Shard &RateLimiter::shardOf(const Key &k) const
{
    return m_shards[KeyHash{}(k) % kShards];
}

double RateLimiter::refilled(const Entry &e, int kind, std::int64_t now) const
{
    const Bucket &b = m_settings.buckets[std::size_t(kind)];
    const double elapsed = double(std::max<std::int64_t>(0, now - e.lastMs[std::size_t(kind)]));
    return std::min(b.burst, double(e.tokens[std::size_t(kind)]) + elapsed * b.rate / 1000.0);
}

bool RateLimiter::idle(const Entry &e, std::int64_t now) const
{
    for (int k = 0; k < kRateKinds; ++k)
        if (refilled(e, k, now) < m_settings.buckets[std::size_t(k)].burst)
            return false;
    return true;
}

bool RateLimiter::exempt(const proto::IpAddress &ip) const
{
    return std::any_of(m_exempt.begin(), m_exempt.end(),
                       [&ip](const proto::IpRange &r) { return r.contains(ip); });
}

bool RateLimiter::allow(const proto::IpAddress &ip, RateKind kind)
{
    const auto k = static_cast<std::size_t>(kind);
    // No shared counter on the passing path: workers would contend for its cache line.
    if (!m_settings.enabled || exempt(ip))
        return true;
    const std::int64_t now = m_now();
    const Key key = keyOf(ip);
    Shard &shard = shardOf(key);
    std::lock_guard lock(shard.lock);
    auto it = shard.entries.find(key);
    if (it == shard.entries.end()) {
        if (shard.entries.size() >= m_perShard && now - shard.lastFullSweepMs >= 1000) {
            // A flood of new addresses must not turn every request into a scan.
            shard.lastFullSweepMs = now;
            std::erase_if(shard.entries, [&](const auto &row) { return idle(row.second, now); });
        }
        if (shard.entries.size() >= m_perShard) {
            m_untracked.fetch_add(1, std::memory_order_relaxed);
            return true;
        }
        Entry fresh;
        for (int i = 0; i < kRateKinds; ++i) {
            fresh.tokens[std::size_t(i)] = float(m_settings.buckets[std::size_t(i)].burst);
            fresh.lastMs[std::size_t(i)] = now;
        }
        it = shard.entries.emplace(key, fresh).first;
    }
    Entry &e = it->second;
    const double tokens = refilled(e, int(k), now);
    e.lastMs[k] = now;
    if (tokens < 1.0) {
        e.tokens[k] = float(tokens);
        m_limited[k].fetch_add(1, std::memory_order_relaxed);
        return false;
    }
    e.tokens[k] = float(tokens - 1.0);
    return true;
}

std::optional<RateLimiter::State> RateLimiter::state(const proto::IpAddress &ip) const
{
    const Key key = keyOf(ip);
    const Shard &shard = shardOf(key);
    std::lock_guard lock(shard.lock);
    const auto it = shard.entries.find(key);
    if (it == shard.entries.end())
        return std::nullopt;
    State s;
    const std::int64_t now = m_now();
    for (int k = 0; k < kRateKinds; ++k)
        s.tokens[std::size_t(k)] = refilled(it->second, k, now);
    return s;
}

bool RateLimiter::reset(const proto::IpAddress &ip)
{
    const Key key = keyOf(ip);
    Shard &shard = shardOf(key);
    std::lock_guard lock(shard.lock);
    return shard.entries.erase(key) > 0;
}

std::size_t RateLimiter::sweep()
{
    const std::int64_t now = m_now();
    std::size_t removed = 0;
    for (std::size_t s = 0; s < kShards; ++s) {
        std::lock_guard lock(m_shards[s].lock);
        removed += std::erase_if(m_shards[s].entries,
                                 [&](const auto &row) { return idle(row.second, now); });
    }
    return removed;
}

RateLimiter::Stats RateLimiter::stats() const
{
    Stats st;
    for (std::size_t s = 0; s < kShards; ++s) {
        std::lock_guard lock(m_shards[s].lock);
        st.tracked += m_shards[s].entries.size();
    }
    for (int k = 0; k < kRateKinds; ++k)
        st.limited[std::size_t(k)] = m_limited[std::size_t(k)].load(std::memory_order_relaxed);
    st.untracked = m_untracked.load(std::memory_order_relaxed);
    return st;
}

} // namespace sk::core
