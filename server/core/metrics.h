// TrackerMetrics: request counters and announce latency, one shard per worker thread.
// Each shard has a single writer (its worker), so a count is a plain load and store, never a
// locked instruction or a cache line shared between workers; readers sum the shards.
#pragma once

#include "shared/protocol/announce.h"
#include "shared/protocol/trackererror.h"

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace sk::core {

enum class Protocol : std::uint8_t
{
    Http = 0,
    Udp = 1,
};
constexpr std::size_t kProtocols = 2;
const char *protocolName(Protocol p);

constexpr std::size_t kAnnounceEvents =
    4; // proto::AnnounceEvent: none, completed, started, stopped
const char *eventName(std::size_t event);

// Refusals: every proto::TrackerError, then what fails before a request is understood.
enum class FrontError : std::uint8_t
{
    MalformedPacket = static_cast<std::uint8_t>(proto::TrackerError::Internal) + 1, // BEP 15
    InvalidConnectionId,
    BadHttpRequest, // HTTP framing: request line, headers, sizes
};
constexpr std::size_t kErrorKinds = static_cast<std::size_t>(FrontError::BadHttpRequest) + 1;
// A stable snake_case name per kind, for metric labels ("unknown_passkey", ...).
const char *errorKindName(std::size_t kind);

// Upper bounds of the announce latency histogram, in microseconds (then +Inf).
constexpr std::array<std::uint32_t, 12> kLatencyBoundsUs = {
    25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 100000, 1000000};
constexpr std::size_t kLatencyBuckets = kLatencyBoundsUs.size() + 1;

// Plain sums, as read at one moment.
struct MetricsSnapshot
{
    std::uint64_t announces[kProtocols][kAnnounceEvents] = {};
    std::uint64_t scrapes[kProtocols] = {};
    std::uint64_t errors[kProtocols][kErrorKinds] = {};
    std::uint64_t latency[kProtocols][kLatencyBuckets] = {}; // per bucket, not cumulative
    std::uint64_t latencySumNs[kProtocols] = {};

    std::uint64_t announceTotal() const;
    std::uint64_t scrapeTotal() const;
    std::uint64_t errorTotal() const;
};

class alignas(64) MetricsShard
{
public:
    void announced(Protocol p, proto::AnnounceEvent event, std::uint64_t nanoseconds);
    void scraped(Protocol p);
    void refused(Protocol p, std::size_t kind); // kind < kErrorKinds
    void refused(Protocol p, proto::TrackerError e) { refused(p, static_cast<std::size_t>(e)); }
    void refused(Protocol p, FrontError e) { refused(p, static_cast<std::size_t>(e)); }

    void addTo(MetricsSnapshot &s) const;

private:
    using Counter = std::atomic<std::uint64_t>;
    static void bump(Counter &c, std::uint64_t by = 1)
    {
        c.store(c.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
    }
    Counter m_announces[kProtocols][kAnnounceEvents] = {};
    Counter m_scrapes[kProtocols] = {};
    Counter m_errors[kProtocols][kErrorKinds] = {};
    Counter m_latency[kProtocols][kLatencyBuckets] = {};
    Counter m_latencySumNs[kProtocols] = {};
};

class TrackerMetrics
{
public:
    explicit TrackerMetrics(std::size_t shards);
    MetricsShard &shard(std::size_t i) { return m_shards[i < m_count ? i : 0]; }
    MetricsSnapshot snapshot() const;

private:
    std::unique_ptr<MetricsShard[]> m_shards;
    std::size_t m_count;
};

} // namespace sk::core
