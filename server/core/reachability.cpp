#include "reachability.h"

#include <algorithm>
#include <random>
#include <unordered_map>

namespace sk::core {

const char *reachabilityName(Reachability r)
{
    switch (r) {
    case Reachability::Unknown:
        return "unknown";
    case Reachability::Connectable:
        return "connectable";
    case Reachability::Unreachable:
        return "unreachable";
    }
    return "unknown";
}

namespace {
constexpr std::size_t kShards = 16;

// The endpoint as a fixed key: compact address and port, then the family.
using EndpointKey = proto::FixedBytes<19, struct EndpointKeyTag>;

EndpointKey keyOf(const proto::PeerEndpoint &e)
{
    EndpointKey k;
    std::copy(e.compact.begin(), e.compact.end(), k.bytes.begin());
    k.bytes[18] = e.v6 ? 1 : 0;
    return k;
}

// Endpoints are chosen by clients (an IPv6 user owns a /64): a secret seed keeps them from
// building keys that share one bucket.
std::uint64_t makeSeed()
{
    std::random_device rd;
    return (std::uint64_t(rd()) << 32) ^ rd();
}
const std::uint64_t kSeed = makeSeed();

struct KeyHash
{
    std::size_t operator()(const EndpointKey &k) const noexcept { return k.hash(kSeed); }
};

struct Entry
{
    std::uint32_t answeredAt = 0; // Unix seconds of the last answer; 0: none yet
    Reachability state = Reachability::Unknown;
    bool pending = false; // a probe is queued or under way
};
} // namespace

struct ReachabilityCache::Shard
{
    mutable std::mutex lock;
    std::unordered_map<EndpointKey, Entry, KeyHash> entries;
};

ReachabilityCache::ReachabilityCache(const VerificationSettings &settings)
    : m_settings(settings), m_shards(new Shard[kShards]),
      m_perShard(std::max<std::size_t>(1, settings.maxCached / kShards))
{}

ReachabilityCache::~ReachabilityCache() = default;

ReachabilityCache::Shard &ReachabilityCache::shardFor(const proto::PeerEndpoint &endpoint) const
{
    return m_shards[KeyHash{}(keyOf(endpoint)) % kShards];
}

void ReachabilityCache::setWakeup(std::function<void()> wakeup)
{
    std::lock_guard lock(m_queueLock);
    m_wakeup = std::move(wakeup);
}

ReachabilityCache::Observation ReachabilityCache::observe(const proto::PeerEndpoint &endpoint,
                                                          std::int64_t now)
{
    Shard &shard = shardFor(endpoint);
    const EndpointKey key = keyOf(endpoint);
    std::lock_guard lock(shard.lock);
    auto it = shard.entries.find(key);
    if (it != shard.entries.end()) {
        m_hits.fetch_add(1, std::memory_order_relaxed);
        Entry &e = it->second;
        if (e.pending || now - std::int64_t(e.answeredAt) < std::int64_t(m_settings.cacheTtl))
            return {e.state, false};
        e.pending = true; // past its TTL: the old answer stands until the new one arrives
        return {e.state, true};
    }
    m_misses.fetch_add(1, std::memory_order_relaxed);
    // A full cache probes no new endpoint: the sweep makes room again.
    if (shard.entries.size() >= m_perShard) {
        m_dropped.fetch_add(1, std::memory_order_relaxed);
        return {};
    }
    shard.entries.emplace(key, Entry{0, Reachability::Unknown, true});
    return {Reachability::Unknown, true};
}

void ReachabilityCache::request(const ProbeRequest &request)
{
    {
        std::lock_guard lock(m_queueLock);
        if (m_queue.size() < m_settings.maxQueue) {
            const bool wake = m_queue.empty() && m_wakeup;
            m_queue.push_back(request);
            m_requested.fetch_add(1, std::memory_order_relaxed);
            if (wake)
                m_wakeup(); // posts an event: cheap enough under the lock
            return;
        }
    }
    m_dropped.fetch_add(1, std::memory_order_relaxed);
    unpend(request.endpoint);
}

void ReachabilityCache::release(const proto::PeerEndpoint &endpoint)
{
    m_failed.fetch_add(1, std::memory_order_relaxed);
    unpend(endpoint);
}

void ReachabilityCache::unpend(const proto::PeerEndpoint &endpoint)
{
    // No longer pending: an endpoint never answered is forgotten, an old answer stays.
    Shard &shard = shardFor(endpoint);
    std::lock_guard lock(shard.lock);
    const auto it = shard.entries.find(keyOf(endpoint));
    if (it == shard.entries.end())
        return;
    if (it->second.answeredAt == 0)
        shard.entries.erase(it);
    else
        it->second.pending = false;
}

Reachability ReachabilityCache::lookup(const proto::PeerEndpoint &endpoint) const
{
    Shard &shard = shardFor(endpoint);
    std::lock_guard lock(shard.lock);
    const auto it = shard.entries.find(keyOf(endpoint));
    return it == shard.entries.end() ? Reachability::Unknown : it->second.state;
}

std::size_t ReachabilityCache::take(std::vector<ProbeRequest> &out, std::size_t max)
{
    std::lock_guard lock(m_queueLock);
    const std::size_t n = std::min(max, m_queue.size());
    for (std::size_t i = 0; i < n; ++i) {
        out.push_back(m_queue.front());
        m_queue.pop_front();
    }
    return n;
}

void ReachabilityCache::record(const proto::PeerEndpoint &endpoint, Reachability answer,
                               std::int64_t now, bool timedOut)
{
    if (timedOut)
        m_timedOut.fetch_add(1, std::memory_order_relaxed);
    (answer == Reachability::Connectable ? m_connectable : m_unreachable)
        .fetch_add(1, std::memory_order_relaxed);
    Shard &shard = shardFor(endpoint);
    std::lock_guard lock(shard.lock);
    // Stored even when a clear() dropped the entry meanwhile: the answer is fresh.
    Entry &e = shard.entries[keyOf(endpoint)];
    e.state = answer;
    e.answeredAt = static_cast<std::uint32_t>(std::max<std::int64_t>(now, 1));
    e.pending = false;
}

std::size_t ReachabilityCache::clear()
{
    std::size_t removed = 0;
    for (std::size_t s = 0; s < kShards; ++s) {
        Shard &shard = m_shards[s];
        std::lock_guard lock(shard.lock);
        removed += std::erase_if(shard.entries, [](const auto &kv) { return !kv.second.pending; });
    }
    return removed;
}

std::size_t ReachabilityCache::sweep(std::int64_t now)
{
    const std::int64_t cutoff = now - std::int64_t(m_settings.cacheTtl);
    std::size_t removed = 0;
    for (std::size_t s = 0; s < kShards; ++s) {
        Shard &shard = m_shards[s];
        std::lock_guard lock(shard.lock);
        removed += std::erase_if(shard.entries, [cutoff](const auto &kv) {
            return !kv.second.pending && std::int64_t(kv.second.answeredAt) <= cutoff;
        });
    }
    return removed;
}

ReachabilityStats ReachabilityCache::stats() const
{
    ReachabilityStats st;
    for (std::size_t s = 0; s < kShards; ++s) {
        const Shard &shard = m_shards[s];
        std::lock_guard lock(shard.lock);
        st.cached += shard.entries.size();
        for (const auto &[key, e] : shard.entries) {
            st.connectable += e.state == Reachability::Connectable;
            st.unreachable += e.state == Reachability::Unreachable;
            st.pending += e.pending;
        }
    }
    {
        std::lock_guard lock(m_queueLock);
        st.queued = m_queue.size();
    }
    st.hits = m_hits.load(std::memory_order_relaxed);
    st.misses = m_misses.load(std::memory_order_relaxed);
    st.requested = m_requested.load(std::memory_order_relaxed);
    st.dropped = m_dropped.load(std::memory_order_relaxed);
    st.answeredConnectable = m_connectable.load(std::memory_order_relaxed);
    st.answeredUnreachable = m_unreachable.load(std::memory_order_relaxed);
    st.timedOut = m_timedOut.load(std::memory_order_relaxed);
    st.failed = m_failed.load(std::memory_order_relaxed);
    return st;
}

} // namespace sk::core
