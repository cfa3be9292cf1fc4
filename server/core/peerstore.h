// PeerStore: where swarms live (memory by default, Redis in cluster mode); the core's only view of
// peers.
#pragma once

#include "registry.h"
#include "shared/protocol/announce.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

namespace sk::core {

// Whether a peer accepted a TCP connection from the tracker on the address it announced
// (see ReachabilityCache). Unknown until a probe answered, or with verification off.
enum class Reachability : std::uint8_t
{
    Unknown = 0,
    Connectable = 1,
    Unreachable = 2
};

// Which address families a reply may carry. BEP 15: a UDP reply holds peers of the request's
// family only; BEP 7: an HTTP reply may hold both (`peers` and `peers6`).
enum class PeerFamilies : std::uint8_t
{
    Any,
    V4Only,
    V6Only
};

struct PeerAnnounce
{
    proto::InfoHash infoHash;
    UserId userId = 0;
    proto::PeerId peerId;
    proto::PeerEndpoint endpoint;
    std::uint64_t uploaded = 0;
    std::uint64_t downloaded = 0;
    std::uint64_t left = 0;
    proto::AnnounceEvent event = proto::AnnounceEvent::None;
    std::int64_t now = 0;
    std::uint32_t numwant = 0; // already capped by the caller
    PeerFamilies families = PeerFamilies::Any;
    bool wantPeerIds = false;   // dictionary (non-compact) replies need peer ids
    bool excludeOwnUser = true; // off: a user's other clients may be returned (never itself)
    // The endpoint's last probe result; Unknown keeps what the peer had at the same endpoint.
    Reachability reachability = Reachability::Unknown;
};

// What the store knew about the announcing peer before this announce: the accounting
// baseline for its delta.
struct PreviousPeer
{
    std::uint64_t uploaded = 0;
    std::uint64_t downloaded = 0;
    std::uint64_t left = 0;
    std::int64_t lastAnnounce = 0;
};

// What one announce did to the store. `sequence` orders the announces of one peer (it grows
// with every announce to a swarm, across swarm re-creation), so that whoever receives the
// records of several workers can tell which totals are the newest.
struct AnnounceOutcome
{
    std::optional<PreviousPeer> previous;
    std::uint64_t sequence = 0;
};

// One peer as the admin API shows it.
struct PeerInfo
{
    UserId userId = 0;
    proto::PeerId peerId;
    proto::PeerEndpoint endpoint;
    std::uint64_t uploaded = 0; // as last reported
    std::uint64_t downloaded = 0;
    std::uint64_t left = 0;
    std::int64_t lastAnnounce = 0;
    bool seeder = false;
    Reachability reachability = Reachability::Unknown;
};

struct PeerStoreStats
{
    std::uint64_t swarms = 0;
    std::uint64_t peers = 0;
    std::uint64_t seeders = 0;
    std::uint64_t leechers = 0;
};

// One swarm's counts, as scrape reports them.
struct SwarmSummary
{
    proto::InfoHash infoHash;
    std::uint32_t seeders = 0;
    std::uint32_t leechers = 0;
    std::uint64_t completed = 0;
};

class PeerStore
{
public:
    virtual ~PeerStore() = default;

    // Applies the announce to the swarm (insert, update, or remove on `stopped`), then fills
    // `out` with counts and up to numwant peers: a leecher gets seeders first, a seeder gets
    // leechers only, and never a peer of the announcing user. Returns the peer's previous
    // state if it was known and the announce's sequence number.
    virtual AnnounceOutcome announce(const PeerAnnounce &a, proto::AnnounceResult &out) = 0;
    virtual proto::ScrapeEntry scrape(const proto::InfoHash &infoHash) const = 0;
    // Drops peers whose last announce is older than `cutoff`; returns how many.
    virtual std::size_t expire(std::int64_t cutoff) = 0;
    virtual void removeSwarm(const proto::InfoHash &infoHash) = 0;
    virtual void removeUser(UserId user) = 0;
    // Sets a torrent's completed count (scrape `downloaded`): the committed figure at start,
    // or an admin correction.
    virtual void setCompleted(const proto::InfoHash &infoHash, std::uint64_t completed) = 0;
    // Whether any client of `user` is a seeder of the torrent now.
    virtual bool isSeeding(const proto::InfoHash &infoHash, UserId user) const = 0;
    // For every user seeding now, how many torrents it seeds (by user id), counting only
    // torrents for which `counted` is true.
    virtual std::vector<std::pair<UserId, std::uint32_t>>
    seedingTorrentsPerUser(const std::function<bool(const proto::InfoHash &)> &counted) const = 0;
    // Records a probe's answer on the peer, if it is still in the swarm at that endpoint;
    // returns whether it was.
    virtual bool setReachability(const proto::InfoHash &infoHash, UserId user,
                                 const proto::PeerId &peerId, const proto::PeerEndpoint &endpoint,
                                 Reachability r) = 0;
    // The peers of one torrent, ordered by (user, peer_id): a stable order to page through.
    virtual std::vector<PeerInfo> peers(const proto::InfoHash &infoHash) const = 0;
    virtual PeerStoreStats stats() const = 0;
    // Every swarm with at least one peer, in no particular order.
    virtual std::vector<SwarmSummary> swarms() const = 0;
    // Copies every swarm for a snapshot of the peer journal (see peerjournal.h): one shard
    // at a time under its lock, then `fn` per swarm outside it, with the sequence of the
    // swarm's newest announce at the copy (every later announce gets a higher one).
    using SnapshotFn = std::function<void(const proto::InfoHash &, std::uint64_t sequence,
                                          std::span<const PeerInfo>)>;
    virtual void snapshot(const SnapshotFn &fn) const = 0;
};

} // namespace sk::core
