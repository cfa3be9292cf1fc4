#include "banlist.h"

#include <algorithm>
#include <cstring>
#include <mutex>

namespace sk::core {

BanList::Key BanList::keyOf(const proto::IpAddress &network)
{
    Key k;
    std::memcpy(&k.hi, network.bytes.data(), 8);
    std::memcpy(&k.lo, network.bytes.data() + 8, 8);
    return k;
}

BanList::Level *BanList::level(bool v6, int prefixLength)
{
    for (Level &l : m_levels)
        if (l.v6 == v6 && l.prefixLength == prefixLength)
            return &l;
    return nullptr;
}

void BanList::put(const Ban &ban)
{
    std::unique_lock lock(m_lock);
    const proto::IpRange &r = ban.range;
    Level *l = level(r.network.v6, r.prefixLength);
    if (!l) {
        m_levels.push_back(Level{r.network.v6, r.prefixLength, {}});
        // Most specific first; IPv4 before IPv6 at the same length (levels are unique).
        std::sort(m_levels.begin(), m_levels.end(), [](const Level &a, const Level &b) {
            if (a.prefixLength != b.prefixLength)
                return a.prefixLength > b.prefixLength;
            return !a.v6 && b.v6;
        });
        l = level(r.network.v6, r.prefixLength);
    }
    if (l->bans.insert_or_assign(keyOf(r.network), ban).second)
        m_count.fetch_add(1, std::memory_order_release);
}

bool BanList::remove(const proto::IpRange &range)
{
    std::unique_lock lock(m_lock);
    Level *l = level(range.network.v6, range.prefixLength);
    if (!l || l->bans.erase(keyOf(range.network)) == 0)
        return false;
    if (l->bans.empty())
        std::erase_if(m_levels, [](const Level &x) { return x.bans.empty(); });
    m_count.fetch_sub(1, std::memory_order_release);
    return true;
}

std::optional<Ban> BanList::find(const proto::IpRange &range) const
{
    std::shared_lock lock(m_lock);
    for (const Level &l : m_levels) {
        if (l.v6 != range.network.v6 || l.prefixLength != range.prefixLength)
            continue;
        const auto it = l.bans.find(keyOf(range.network));
        if (it != l.bans.end())
            return it->second;
    }
    return std::nullopt;
}

const Ban *BanList::matchLocked(const proto::IpAddress &ip, std::int64_t now) const
{
    for (const Level &l : m_levels) {
        if (l.v6 != ip.v6)
            continue;
        const auto it = l.bans.find(keyOf(proto::masked(ip, l.prefixLength)));
        // An expired ban no longer applies, and must not hide a wider one that still does.
        if (it != l.bans.end() && it->second.activeAt(now))
            return &it->second;
    }
    return nullptr;
}

std::optional<Ban> BanList::match(const proto::IpAddress &ip, std::int64_t now) const
{
    std::shared_lock lock(m_lock);
    const Ban *b = matchLocked(ip, now);
    return b ? std::optional(*b) : std::nullopt;
}

bool BanList::banned(const proto::IpAddress &ip, std::int64_t now) const
{
    if (m_count.load(std::memory_order_acquire) == 0)
        return false;
    std::shared_lock lock(m_lock);
    return matchLocked(ip, now) != nullptr;
}

std::vector<Ban> BanList::all() const
{
    std::vector<Ban> out;
    {
        std::shared_lock lock(m_lock);
        out.reserve(m_count.load(std::memory_order_relaxed));
        for (const Level &l : m_levels)
            for (const auto &[key, ban] : l.bans)
                out.push_back(ban);
    }
    std::sort(out.begin(), out.end(), [](const Ban &a, const Ban &b) {
        const auto &x = a.range, &y = b.range;
        if (x.network.v6 != y.network.v6)
            return !x.network.v6;
        if (x.network.bytes != y.network.bytes)
            return x.network.bytes < y.network.bytes;
        return x.prefixLength < y.prefixLength;
    });
    return out;
}

std::vector<proto::IpRange> BanList::expiredAt(std::int64_t now) const
{
    std::vector<proto::IpRange> out;
    std::shared_lock lock(m_lock);
    for (const Level &l : m_levels)
        for (const auto &[key, ban] : l.bans)
            if (!ban.activeAt(now))
                out.push_back(ban.range);
    return out;
}

} // namespace sk::core
