// Swarm: the peers of one torrent, split into seeders and leechers, indexed by (user, peer_id).
#pragma once

#include "memorypeerstore.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace sk::peers {

// 72 bytes; fields ordered by alignment so no padding is wasted between them. The last byte
// holds the connectability probe's answer (the BEP key is parsed but not kept: we identify a
// client by its user and peer_id, never by key).
struct Peer
{
    std::uint64_t uploaded = 0;
    std::uint64_t downloaded = 0;
    std::uint64_t left = 0;
    std::uint32_t userId = 0;
    std::uint32_t lastAnnounce = 0; // Unix seconds; fits until 2106
    proto::PeerId peerId;
    proto::PeerEndpoint endpoint; // reply-ready compact bytes
    core::Reachability reachability = core::Reachability::Unknown;
};
static_assert(sizeof(Peer) <= 72, "Peer grew: check the per-peer memory budget");

class MemoryPeerStore::Swarm
{
public:
    Swarm();
    core::AnnounceOutcome announce(const core::PeerAnnounce &a, proto::AnnounceResult &out);
    std::size_t expire(std::int64_t cutoff);
    std::size_t removeUser(core::UserId user);

    std::uint32_t seeders() const { return static_cast<std::uint32_t>(m_seeders.size()); }
    std::uint32_t leechers() const { return static_cast<std::uint32_t>(m_leechers.size()); }
    std::uint32_t completed() const { return m_completed; }
    void setCompleted(std::uint64_t n)
    {
        m_completed = n > 0xFFFF'FFFFu ? 0xFFFF'FFFFu : static_cast<std::uint32_t>(n);
    }
    bool hasSeeder(core::UserId user) const
    {
        return std::any_of(m_seeders.begin(), m_seeders.end(),
                           [user](const Peer &p) { return p.userId == user; });
    }
    void seedingUsers(std::vector<core::UserId> &out) const
    {
        for (const Peer &p : m_seeders)
            out.push_back(p.userId);
    }
    // Sets the probe's answer on the peer if it still announces from `endpoint`.
    bool setReachability(core::UserId user, const proto::PeerId &id,
                         const proto::PeerEndpoint &endpoint, core::Reachability r);
    void list(std::vector<core::PeerInfo> &out) const;
    std::uint64_t sequence() const { return m_sequence; } // the newest announce's
    bool empty() const { return m_seeders.empty() && m_leechers.empty(); }
    std::size_t size() const { return m_seeders.size() + m_leechers.size(); }
    // Checks that the index and the vectors agree (tests only).
    bool consistent() const;

private:
    // A reference into one of the vectors: top bit = seeder list, the rest = position.
    using Ref = std::uint32_t;
    static constexpr Ref kSeederBit = 0x8000'0000u;
    static constexpr Ref kEmpty = 0xFFFF'FFFFu;

    std::vector<Peer> &listOf(Ref r) { return (r & kSeederBit) ? m_seeders : m_leechers; }
    const std::vector<Peer> &listOf(Ref r) const
    {
        return (r & kSeederBit) ? m_seeders : m_leechers;
    }
    Peer &at(Ref r) { return listOf(r)[r & ~kSeederBit]; }
    const Peer &at(Ref r) const { return listOf(r)[r & ~kSeederBit]; }

    static std::size_t hashKey(std::uint32_t user, const proto::PeerId &id);
    std::size_t findSlot(std::uint32_t user, const proto::PeerId &id) const; // or npos
    void indexInsert(Ref ref);
    void indexErase(std::size_t slot);
    void indexRehash(std::size_t capacity);
    void removeAt(Ref ref); // swap-remove from its vector, keeping the index right
    Ref append(bool seeder, const Peer &p);
    void select(const core::PeerAnnounce &a, bool requesterSeeds, proto::AnnounceResult &out) const;

    std::vector<Peer> m_seeders;
    std::vector<Peer> m_leechers;
    // Open addressing with linear probing and backward-shift deletion: 4 bytes per slot
    // instead of a node per peer, which keeps a peer near 90 bytes in all.
    std::vector<Ref> m_index;
    std::uint32_t m_completed = 0;
    std::uint64_t m_sequence; // see core::AnnounceOutcome
};

} // namespace sk::peers
