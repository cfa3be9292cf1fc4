// MemoryPeerStore: the single-node PeerStore; swarms in memory, sharded by info_hash.
#pragma once

#include "server/core/peerstore.h"

#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace sk::peers {

class MemoryPeerStore final : public core::PeerStore
{
public:
    // Shards bound lock contention between workers; 64 is far more than cores we run on,
    // while a shard's expiry scan stays short (1M peers -> ~16k per shard).
    explicit MemoryPeerStore(std::size_t shardCount = 64);
    ~MemoryPeerStore() override;

    core::AnnounceOutcome announce(const core::PeerAnnounce &a,
                                   proto::AnnounceResult &out) override;
    proto::ScrapeEntry scrape(const proto::InfoHash &infoHash) const override;
    std::size_t expire(std::int64_t cutoff) override;
    void removeSwarm(const proto::InfoHash &infoHash) override;
    void removeUser(core::UserId user) override;
    void setCompleted(const proto::InfoHash &infoHash, std::uint64_t completed) override;
    bool isSeeding(const proto::InfoHash &infoHash, core::UserId user) const override;
    std::vector<std::pair<core::UserId, std::uint32_t>> seedingTorrentsPerUser(
        const std::function<bool(const proto::InfoHash &)> &counted) const override;
    bool setReachability(const proto::InfoHash &infoHash, core::UserId user,
                         const proto::PeerId &peerId, const proto::PeerEndpoint &endpoint,
                         core::Reachability r) override;
    std::vector<core::PeerInfo> peers(const proto::InfoHash &infoHash) const override;
    core::PeerStoreStats stats() const override;
    std::vector<core::SwarmSummary> swarms() const override;
    void snapshot(const SnapshotFn &fn) const override;

    class Swarm;

private:
    struct Shard;
    Shard &shardFor(const proto::InfoHash &infoHash) const;

    std::unique_ptr<Shard[]> m_shards;
    std::size_t m_shardCount;
};

} // namespace sk::peers
