#include "memorypeerstore.h"
#include "swarm.h"

#include <algorithm>

namespace sk::peers {

struct MemoryPeerStore::Shard
{
    mutable std::mutex lock;
    std::unordered_map<proto::InfoHash, std::unique_ptr<Swarm>,
                       proto::FixedBytesHash<proto::InfoHash>>
        swarms;
};

MemoryPeerStore::MemoryPeerStore(std::size_t shardCount)
    : m_shards(new Shard[shardCount ? shardCount : 1]), m_shardCount(shardCount ? shardCount : 1)
{}

MemoryPeerStore::~MemoryPeerStore() = default;

MemoryPeerStore::Shard &MemoryPeerStore::shardFor(const proto::InfoHash &infoHash) const
{
    // info_hashes are SHA-1 output: their first bytes are already uniform.
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i)
        v = v << 8 | infoHash.bytes[static_cast<std::size_t>(i)];
    return m_shards[v % m_shardCount];
}

core::AnnounceOutcome MemoryPeerStore::announce(const core::PeerAnnounce &a,
                                                proto::AnnounceResult &out)
{
    Shard &shard = shardFor(a.infoHash);
    std::lock_guard lock(shard.lock);
    auto it = shard.swarms.find(a.infoHash);
    if (it == shard.swarms.end()) {
        if (a.event == proto::AnnounceEvent::Stopped)
            return {}; // nothing to stop, and no empty swarm to create
        it = shard.swarms.emplace(a.infoHash, std::make_unique<Swarm>()).first;
    }
    return it->second->announce(a, out);
}

void MemoryPeerStore::setCompleted(const proto::InfoHash &infoHash, std::uint64_t completed)
{
    Shard &shard = shardFor(infoHash);
    std::lock_guard lock(shard.lock);
    auto it = shard.swarms.find(infoHash);
    if (it == shard.swarms.end()) {
        if (completed == 0)
            return; // an empty swarm without a count is no swarm
        it = shard.swarms.emplace(infoHash, std::make_unique<Swarm>()).first;
    }
    it->second->setCompleted(completed);
}

bool MemoryPeerStore::isSeeding(const proto::InfoHash &infoHash, core::UserId user) const
{
    Shard &shard = shardFor(infoHash);
    std::lock_guard lock(shard.lock);
    const auto it = shard.swarms.find(infoHash);
    return it != shard.swarms.end() && it->second->hasSeeder(user);
}

std::vector<std::pair<core::UserId, std::uint32_t>> MemoryPeerStore::seedingTorrentsPerUser(
    const std::function<bool(const proto::InfoHash &)> &counted) const
{
    std::unordered_map<core::UserId, std::uint32_t> counts;
    std::vector<core::UserId> users;
    for (std::size_t s = 0; s < m_shardCount; ++s) {
        const Shard &shard = m_shards[s];
        std::lock_guard lock(shard.lock);
        for (const auto &[hash, swarm] : shard.swarms) {
            if (!counted(hash))
                continue;
            users.clear();
            swarm->seedingUsers(users);
            std::sort(users.begin(), users.end());
            users.erase(std::unique(users.begin(), users.end()), users.end());
            for (const core::UserId u : users)
                ++counts[u];
        }
    }
    std::vector<std::pair<core::UserId, std::uint32_t>> out(counts.begin(), counts.end());
    std::sort(out.begin(), out.end());
    return out;
}

proto::ScrapeEntry MemoryPeerStore::scrape(const proto::InfoHash &infoHash) const
{
    proto::ScrapeEntry e;
    e.infoHash = infoHash;
    Shard &shard = shardFor(infoHash);
    std::lock_guard lock(shard.lock);
    const auto it = shard.swarms.find(infoHash);
    if (it != shard.swarms.end()) {
        e.complete = it->second->seeders();
        e.incomplete = it->second->leechers();
        e.downloaded = it->second->completed();
    }
    return e;
}

std::size_t MemoryPeerStore::expire(std::int64_t cutoff)
{
    std::size_t removed = 0;
    for (std::size_t s = 0; s < m_shardCount; ++s) {
        Shard &shard = m_shards[s];
        std::lock_guard lock(shard.lock);
        for (auto it = shard.swarms.begin(); it != shard.swarms.end();) {
            removed += it->second->expire(cutoff);
            // An empty swarm keeps its completed count (scrape `downloaded`) alive.
            if (it->second->empty() && it->second->completed() == 0)
                it = shard.swarms.erase(it);
            else
                ++it;
        }
    }
    return removed;
}

void MemoryPeerStore::removeSwarm(const proto::InfoHash &infoHash)
{
    Shard &shard = shardFor(infoHash);
    std::lock_guard lock(shard.lock);
    shard.swarms.erase(infoHash);
}

void MemoryPeerStore::removeUser(core::UserId user)
{
    for (std::size_t s = 0; s < m_shardCount; ++s) {
        Shard &shard = m_shards[s];
        std::lock_guard lock(shard.lock);
        for (auto &[hash, swarm] : shard.swarms)
            swarm->removeUser(user);
    }
}

bool MemoryPeerStore::setReachability(const proto::InfoHash &infoHash, core::UserId user,
                                      const proto::PeerId &peerId,
                                      const proto::PeerEndpoint &endpoint, core::Reachability r)
{
    Shard &shard = shardFor(infoHash);
    std::lock_guard lock(shard.lock);
    const auto it = shard.swarms.find(infoHash);
    return it != shard.swarms.end() && it->second->setReachability(user, peerId, endpoint, r);
}

std::vector<core::PeerInfo> MemoryPeerStore::peers(const proto::InfoHash &infoHash) const
{
    std::vector<core::PeerInfo> out;
    {
        Shard &shard = shardFor(infoHash);
        std::lock_guard lock(shard.lock);
        const auto it = shard.swarms.find(infoHash);
        if (it != shard.swarms.end())
            it->second->list(out);
    }
    // Sorted outside the lock: announces to the shard wait only for the copy.
    std::sort(out.begin(), out.end(), [](const core::PeerInfo &x, const core::PeerInfo &y) {
        return x.userId != y.userId ? x.userId < y.userId : x.peerId.bytes < y.peerId.bytes;
    });
    return out;
}

core::PeerStoreStats MemoryPeerStore::stats() const
{
    core::PeerStoreStats st;
    for (std::size_t s = 0; s < m_shardCount; ++s) {
        const Shard &shard = m_shards[s];
        std::lock_guard lock(shard.lock);
        st.swarms += shard.swarms.size();
        for (const auto &[hash, swarm] : shard.swarms) {
            st.seeders += swarm->seeders();
            st.leechers += swarm->leechers();
        }
    }
    st.peers = st.seeders + st.leechers;
    return st;
}

std::vector<core::SwarmSummary> MemoryPeerStore::swarms() const
{
    std::vector<core::SwarmSummary> all;
    for (std::size_t s = 0; s < m_shardCount; ++s) {
        const Shard &shard = m_shards[s];
        std::lock_guard lock(shard.lock);
        for (const auto &[hash, swarm] : shard.swarms)
            if (swarm->seeders() + swarm->leechers() > 0)
                all.push_back({hash, swarm->seeders(), swarm->leechers(), swarm->completed()});
    }
    return all;
}

void MemoryPeerStore::snapshot(const SnapshotFn &fn) const
{
    struct Copied
    {
        proto::InfoHash infoHash;
        std::uint64_t sequence;
        std::size_t begin;
        std::size_t end;
    };
    std::vector<Copied> swarms;
    std::vector<core::PeerInfo> peers;
    for (std::size_t s = 0; s < m_shardCount; ++s) {
        swarms.clear();
        peers.clear();
        {
            // Only the copy holds the shard: announces to it wait for a memcpy-sized pause,
            // never for the caller's work.
            const Shard &shard = m_shards[s];
            std::lock_guard lock(shard.lock);
            std::size_t total = 0;
            for (const auto &[hash, swarm] : shard.swarms)
                total += swarm->size();
            peers.reserve(total); // once: list() would otherwise reserve swarm by swarm
            for (const auto &[hash, swarm] : shard.swarms) {
                const std::size_t begin = peers.size();
                swarm->list(peers);
                swarms.push_back({hash, swarm->sequence(), begin, peers.size()});
            }
        }
        for (const Copied &c : swarms)
            fn(c.infoHash, c.sequence,
               std::span<const core::PeerInfo>(peers.data() + c.begin, c.end - c.begin));
    }
}

} // namespace sk::peers
