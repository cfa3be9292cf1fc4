// BanList: banned addresses and CIDR ranges in memory, consulted on every announce and scrape.
#pragma once

#include "shared/types/iprange.h"

#include <QString>

#include <atomic>
#include <cstdint>
#include <optional>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

namespace sk::core {

struct Ban
{
    proto::IpRange range;
    QString reason;
    std::int64_t createdAt = 0; // Unix seconds
    std::int64_t expiresAt = 0; // Unix seconds; 0: never

    bool activeAt(std::int64_t now) const { return expiresAt == 0 || now < expiresAt; }
};

// Bans are grouped by (family, prefix length): a lookup masks the address once per length in
// use and probes a hash map, so its cost follows the number of distinct lengths (at most 33
// IPv4 + 129 IPv6), never the number of bans. An expired ban stops applying at its expiry
// second, before anything removes it.
class BanList
{
public:
    void put(const Ban &ban); // insert or replace the ban on ban.range
    bool remove(const proto::IpRange &range);
    std::optional<Ban> find(const proto::IpRange &range) const;
    // The most specific ban in force at `now` that covers `ip`.
    std::optional<Ban> match(const proto::IpAddress &ip, std::int64_t now) const;
    // The announce path's question; one atomic load when there are no bans.
    bool banned(const proto::IpAddress &ip, std::int64_t now) const;
    // Every ban, IPv4 before IPv6, then by network and prefix length.
    std::vector<Ban> all() const;
    std::vector<proto::IpRange> expiredAt(std::int64_t now) const;
    std::size_t size() const { return m_count.load(std::memory_order_acquire); }

private:
    struct Key
    {
        std::uint64_t hi = 0;
        std::uint64_t lo = 0;
        friend bool operator==(const Key &, const Key &) = default;
    };
    struct KeyHash
    {
        std::size_t operator()(const Key &k) const noexcept
        {
            return std::size_t((k.hi * 0x9E3779B97F4A7C15ull) ^ (k.lo + (k.lo >> 29)));
        }
    };
    struct Level
    {
        bool v6 = false;
        int prefixLength = 0;
        std::unordered_map<Key, Ban, KeyHash> bans;
    };
    static Key keyOf(const proto::IpAddress &network);
    Level *level(bool v6, int prefixLength);                                    // m_lock held
    const Ban *matchLocked(const proto::IpAddress &ip, std::int64_t now) const; // m_lock held

    mutable std::shared_mutex m_lock;
    std::vector<Level> m_levels; // most specific first; IPv4 and IPv6 interleaved
    std::atomic<std::size_t> m_count{0};
};

} // namespace sk::core
