// RateLimiter: token buckets per client address, one per kind of request (announce, scrape,
// admin), in a bounded, sharded table.
#pragma once

#include "shared/types/iprange.h"

#include <QString>

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

namespace sk::core {

enum class RateKind : unsigned char
{
    Announce = 0,
    Scrape = 1,
    Admin = 2,
};
inline constexpr int kRateKinds = 3;
const char *rateKindName(RateKind kind);

struct Bucket
{
    double rate = 0;  // tokens per second
    double burst = 0; // bucket size: requests allowed at once
};

struct RateLimitSettings
{
    bool enabled = true;
    std::array<Bucket, kRateKinds> buckets{{{20, 200}, {5, 50}, {20, 100}}};
    // Comma-separated addresses and ranges never limited.
    QString exempt = QStringLiteral("127.0.0.0/8, ::1");
    std::size_t maxTracked = 100000; // addresses held at once
};

// Parses "a, b/n, ..." into ranges; nothing when one entry is not an address or range.
std::optional<std::vector<proto::IpRange>> parseRangeList(const QString &text);

class RateLimiter
{
public:
    using Clock = std::function<std::int64_t()>; // milliseconds, monotonic
    explicit RateLimiter(const RateLimitSettings &settings, Clock nowMs = {});
    ~RateLimiter();

    // Takes a token from `ip`'s bucket of `kind`; false when it is empty. Exempt addresses
    // and a disabled limiter always pass. When the table is full even after dropping idle
    // entries, a new address passes untracked (counted): the limiter never refuses service
    // for want of memory.
    bool allow(const proto::IpAddress &ip, RateKind kind);

    struct State
    {
        std::array<double, kRateKinds> tokens{}; // now, after refill
    };
    std::optional<State> state(const proto::IpAddress &ip) const;
    bool reset(const proto::IpAddress &ip);
    bool exempt(const proto::IpAddress &ip) const;
    const std::vector<proto::IpRange> &exemptRanges() const { return m_exempt; }
    // Drops entries whose buckets are all full again (they behave like new ones); returns
    // how many.
    std::size_t sweep();

    struct Stats
    {
        std::size_t tracked = 0;
        std::array<std::uint64_t, kRateKinds> limited{};
        std::uint64_t untracked = 0; // passed because the table was full
    };
    Stats stats() const;
    const RateLimitSettings &settings() const { return m_settings; }

private:
    struct Entry
    {
        std::array<float, kRateKinds> tokens{};
        std::array<std::int64_t, kRateKinds> lastMs{};
    };
    struct Key
    {
        std::uint64_t hi = 0;
        std::uint64_t lo = 0;
        bool v6 = false;
        friend bool operator==(const Key &, const Key &) = default;
    };
    struct KeyHash
    {
        std::size_t operator()(const Key &k) const noexcept;
    };
    struct Shard
    {
        mutable std::mutex lock;
        std::unordered_map<Key, Entry, KeyHash> entries;
        std::int64_t lastFullSweepMs = 0; // a full shard is scanned at most once a second
    };
    static Key keyOf(const proto::IpAddress &ip);
    double refilled(const Entry &e, int kind, std::int64_t now) const;
    bool idle(const Entry &e, std::int64_t now) const;
    Shard &shardOf(const Key &k) const;

    RateLimitSettings m_settings;
    std::vector<proto::IpRange> m_exempt;
    Clock m_now;
    std::size_t m_perShard;
    std::unique_ptr<Shard[]> m_shards;
    std::array<std::atomic<std::uint64_t>, kRateKinds> m_limited{};
    std::atomic<std::uint64_t> m_untracked{0};
};

} // namespace sk::core
