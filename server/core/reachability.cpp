#include "reachability.h"

#include <algorithm>
#include <random>
#include <unordered_map>

namespace sk::core {

namespace {
// Enough that workers rarely meet on one lock; each shard is a mutex and a hash map.
constexpr std::size_t kShards = 16;

using EndpointKey = ReachabilityCache::Key;

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

// What the per-address bound counts: the IPv4 address, or the IPv6 /64 (what one user gets),
// without the port.
EndpointKey addressOf(const EndpointKey &k)
{
    EndpointKey a = k;
    const bool v6 = k.bytes[18] != 0;
    std::fill(a.bytes.begin() + (v6 ? 8 : 4), a.bytes.begin() + 18, 0);
    return a;
}

struct Entry
{
    std::uint32_t answeredAt = 0; // Unix seconds of the last answer; 0: none yet
    Reachability state = Reachability::Unknown;
    bool pending = false; // a probe is queued or under way
};
} // namespace

struct ReachabilityCache::AddressShard
{
    std::mutex lock;
    std::unordered_map<EndpointKey, std::uint32_t, KeyHash> counts;
};

struct ReachabilityCache::Shard
{
    mutable std::mutex lock;
    std::unordered_map<EndpointKey, Entry, KeyHash> entries;
};

ReachabilityCache::ReachabilityCache(const VerificationSettings &settings)
    : m_settings(settings), m_shards(new Shard[kShards]),
      m_perShard(std::max<std::size_t>(1, settings.maxCached / kShards)),
      m_addresses(new AddressShard[kShards])
{}

ReachabilityCache::~ReachabilityCache() = default;

bool ReachabilityCache::countAddress(const Key &endpointKey, bool force)
{
    const EndpointKey a = addressOf(endpointKey);
    AddressShard &shard = m_addresses[KeyHash{}(a) % kShards];
    std::lock_guard lock(shard.lock);
    std::uint32_t &n = shard.counts[a];
    if (!force && n >= m_settings.maxPerAddress) {
        if (n == 0)
            shard.counts.erase(a);
        return false;
    }
    ++n;
    return true;
}

void ReachabilityCache::uncountAddress(const Key &endpointKey)
{
    const EndpointKey a = addressOf(endpointKey);
    AddressShard &shard = m_addresses[KeyHash{}(a) % kShards];
    std::lock_guard lock(shard.lock);
    const auto it = shard.counts.find(a);
    if (it != shard.counts.end() && --it->second == 0)
        shard.counts.erase(it);
}

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
    // A full cache probes no new endpoint (the sweep makes room again), and no address may
    // take more than its share of it (one host, or one IPv6 /64 user, has many ports).
    if (shard.entries.size() >= m_perShard || !countAddress(key, false)) {
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
    if (it->second.answeredAt == 0) {
        uncountAddress(it->first);
        shard.entries.erase(it);
    } else
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
    const EndpointKey key = keyOf(endpoint);
    auto [it, inserted] = shard.entries.try_emplace(key);
    if (inserted)
        countAddress(key, true);
    Entry &e = it->second;
    e.state = answer;
    e.answeredAt = static_cast<std::uint32_t>(std::max<std::int64_t>(now, 1));
    e.pending = false;
}

template<typename Pred> std::size_t ReachabilityCache::eraseIf(Shard &shard, Pred pred)
{
    std::size_t removed = 0;
    for (auto it = shard.entries.begin(); it != shard.entries.end();) {
        if (pred(it->second)) {
            uncountAddress(it->first);
            it = shard.entries.erase(it);
            ++removed;
        } else {
            ++it;
        }
    }
    return removed;
}

std::size_t ReachabilityCache::clear()
{
    std::size_t removed = 0;
    for (std::size_t s = 0; s < kShards; ++s) {
        Shard &shard = m_shards[s];
        std::lock_guard lock(shard.lock);
        removed += eraseIf(shard, [](const Entry &e) { return !e.pending; });
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
        removed += eraseIf(shard, [cutoff](const Entry &e) {
            return !e.pending && std::int64_t(e.answeredAt) <= cutoff;
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
