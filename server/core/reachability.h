// ReachabilityCache: connectability probe results per announced endpoint (address and port),
// and the bounded queue of probes the announce path asks for. The prober (net/PeerProber)
// takes from the queue and answers; announces read the answers from memory.
#pragma once

#include "peerstore.h"

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace sk::core {

// Defaults sized for a tracker of about a million peers: probes run at what 50 sockets
// sustain with a 3 s timeout (~17 per second when every peer is silent), a queue of 10,000
// is ten minutes of that, 200,000 answers take ~15 MB, and 64 endpoints per address leave
// room for a NAT or a household behind one address while one host cannot fill the cache.
struct VerificationSettings
{
    bool enabled = false;
    int connectTimeoutMs = 3000;
    std::uint32_t cacheTtl = 3600;    // seconds a result stands before the endpoint is probed again
    int maxConcurrent = 50;           // connection attempts at once
    std::size_t maxQueue = 10000;     // probes waiting; more are dropped (counted)
    std::size_t maxCached = 200000;   // endpoints remembered; past it new ones are not probed
    std::uint32_t maxPerAddress = 64; // endpoints of one IPv4 address or IPv6 /64 at once
    bool warnUnreachable = true;      // HTTP announces of unreachable peers carry a warning
};

// One probe: the endpoint, and the peer whose announce asked for it (its state is set with
// the answer, so that it need not wait for its next announce).
struct ProbeRequest
{
    proto::PeerEndpoint endpoint;
    proto::InfoHash infoHash;
    UserId user = 0;
    proto::PeerId peerId;
};

struct ReachabilityStats
{
    std::size_t cached = 0; // endpoints with an answer or a probe under way
    std::size_t connectable = 0;
    std::size_t unreachable = 0;
    std::size_t pending = 0; // queued or being probed
    std::size_t queued = 0;
    std::size_t inFlight() const { return pending > queued ? pending - queued : 0; }
    std::uint64_t hits = 0;      // announces that found their endpoint
    std::uint64_t misses = 0;    // announces of endpoints not seen before
    std::uint64_t requested = 0; // probes queued (first sight, or a result past its TTL)
    std::uint64_t dropped = 0;   // probes not queued: queue or cache full
    std::uint64_t answeredConnectable = 0;
    std::uint64_t answeredUnreachable = 0;
    std::uint64_t timedOut = 0; // of answeredUnreachable
    std::uint64_t failed = 0;   // probes that ended without an answer (local errors, stop)
};

class ReachabilityCache
{
public:
    // An endpoint as a fixed key: compact address and port, then the family byte.
    using Key = proto::FixedBytes<19, struct ReachabilityKeyTag>;

    explicit ReachabilityCache(const VerificationSettings &settings);
    ~ReachabilityCache();

    struct Observation
    {
        Reachability state = Reachability::Unknown;
        bool probe = false; // the caller must request() a probe of the endpoint
    };
    // Announce path (any worker): the endpoint's last answer, Unknown before the first.
    // Asks for a probe of an endpoint seen for the first time, or whose answer is older than
    // the TTL (the old answer is served until the new one arrives); the endpoint is marked
    // pending, so concurrent announces do not ask twice. Never blocks on I/O.
    Observation observe(const proto::PeerEndpoint &endpoint, std::int64_t now);
    // Queues the probe observe() asked for, once the peer is in the store (so that the answer
    // finds it). A full queue drops it (counted); the endpoint's next announce asks again.
    void request(const ProbeRequest &request);
    // The answer for an endpoint without side effects (Unknown if none).
    Reachability lookup(const proto::PeerEndpoint &endpoint) const;

    // Prober side: moves up to `max` queued probes into `out`.
    std::size_t take(std::vector<ProbeRequest> &out, std::size_t max);
    // `timedOut`: the answer is Unreachable because the connect timed out (counted apart).
    void record(const proto::PeerEndpoint &endpoint, Reachability answer, std::int64_t now,
                bool timedOut = false);
    // A probe that ended without an answer (a local error, or the prober stopping): the
    // endpoint is no longer pending, and its next announce asks again.
    void release(const proto::PeerEndpoint &endpoint);
    // Called when the queue stops being empty, from the announcing thread, under the queue's
    // lock (so that setWakeup({}) returns only once no call is under way). Must not block.
    void setWakeup(std::function<void()> wakeup);

    // Forgets every answer (probes under way still land); returns how many were forgotten.
    std::size_t clear();
    // Drops answers older than the TTL, which the next announce of their endpoint would
    // refresh anyway (reaper); returns how many.
    std::size_t sweep(std::int64_t now);
    ReachabilityStats stats() const;
    const VerificationSettings &settings() const { return m_settings; }

private:
    struct Shard;
    struct AddressShard;
    Shard &shardFor(const proto::PeerEndpoint &endpoint) const;
    // Counts one more endpoint of the key's address, unless it has maxPerAddress already
    // (`force`: count anyway). Called under the endpoint's shard lock (then the address's).
    bool countAddress(const Key &endpointKey, bool force);
    void uncountAddress(const Key &endpointKey);
    template<typename Pred> std::size_t eraseIf(Shard &shard, Pred pred);
    void unpend(const proto::PeerEndpoint &endpoint);

    VerificationSettings m_settings;
    std::unique_ptr<Shard[]> m_shards;
    std::size_t m_perShard;
    std::unique_ptr<AddressShard[]> m_addresses;
    mutable std::mutex m_queueLock;
    std::deque<ProbeRequest> m_queue;
    std::function<void()> m_wakeup;
    std::atomic<std::uint64_t> m_hits{0};
    std::atomic<std::uint64_t> m_misses{0};
    std::atomic<std::uint64_t> m_requested{0};
    std::atomic<std::uint64_t> m_dropped{0};
    std::atomic<std::uint64_t> m_connectable{0};
    std::atomic<std::uint64_t> m_unreachable{0};
    std::atomic<std::uint64_t> m_timedOut{0};
    std::atomic<std::uint64_t> m_failed{0};
};

} // namespace sk::core
