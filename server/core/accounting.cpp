#include "accounting.h"

#include <cmath>
#include <limits>

namespace sk::core {

namespace {

std::uint64_t scaled(std::uint64_t bytes, double multiplier)
{
    if (bytes == 0 || !(multiplier > 0.0)) // also catches NaN
        return 0;
    if (multiplier == 1.0)
        return bytes;
    const long double v = std::floor(static_cast<long double>(bytes) * multiplier);
    constexpr auto top = std::numeric_limits<std::uint64_t>::max();
    return v >= static_cast<long double>(top) ? top : static_cast<std::uint64_t>(v);
}

std::atomic<std::uint64_t> g_ledgerIds{0};

struct LocalBuffer
{
    std::uint64_t ledger = 0;
    void *buffer = nullptr;
};
thread_local std::vector<LocalBuffer> t_buffers;

} // namespace

std::uint64_t addClamped(std::uint64_t a, std::uint64_t b)
{
    const std::uint64_t s = a + b;
    return s < a ? std::numeric_limits<std::uint64_t>::max() : s;
}

Credit computeCredit(const std::optional<PreviousPeer> &previous, std::uint64_t uploaded,
                     std::uint64_t downloaded, const TorrentPolicy &policy, bool globalFreeleech,
                     std::int64_t now)
{
    Credit c;
    if (!previous)
        return c;
    if (uploaded < previous->uploaded || downloaded < previous->downloaded) {
        // The client restarted its session (or lies): these totals are the new baseline.
        // Whichever counter still grew is not credited either: we cannot tell how much of it
        // belongs to the old session.
        c.reset = true;
        return c;
    }
    c.rawUploaded = uploaded - previous->uploaded;
    c.rawDownloaded = downloaded - previous->downloaded;
    c.uploaded = scaled(c.rawUploaded, policy.uploadMultiplier);
    c.downloaded = globalFreeleech || policy.freeleechAt(now)
                       ? 0
                       : scaled(c.rawDownloaded, policy.downloadMultiplier);
    return c;
}

StatsLedger::StatsLedger() : m_id(g_ledgerIds.fetch_add(1, std::memory_order_relaxed) + 1) {}

StatsLedger::~StatsLedger() = default;

StatsLedger::Buffer &StatsLedger::local()
{
    for (const LocalBuffer &b : t_buffers)
        if (b.ledger == m_id)
            return *static_cast<Buffer *>(b.buffer);
    auto owned = std::make_unique<Buffer>();
    Buffer *raw = owned.get();
    {
        std::lock_guard lock(m_buffersLock);
        m_buffers.push_back(std::move(owned));
    }
    // Entries of ledgers that are gone stay behind (ids are never reused): one per thread
    // and ledger, and servers create one ledger.
    t_buffers.push_back({m_id, raw});
    return *raw;
}

void StatsLedger::append(const StatsRecord &record)
{
    Buffer &b = local();
    {
        std::lock_guard lock(b.lock);
        b.records.push_back(record);
    }
    m_pending.fetch_add(1, std::memory_order_relaxed);
    if (record.credit.reset)
        m_resets.fetch_add(1, std::memory_order_relaxed);
}

std::vector<StatsRecord> StatsLedger::takeAll()
{
    std::vector<StatsRecord> all;
    std::lock_guard lock(m_buffersLock);
    for (const auto &b : m_buffers) {
        std::vector<StatsRecord> taken;
        {
            std::lock_guard bufferLock(b->lock);
            taken.swap(b->records);
        }
        m_pending.fetch_sub(taken.size(), std::memory_order_relaxed);
        if (all.empty())
            all = std::move(taken);
        else
            all.insert(all.end(), taken.begin(), taken.end());
    }
    return all;
}

void StatsBatch::add(const StatsRecord &r)
{
    const Credit &c = r.credit;
    if (c.uploaded || c.downloaded)
        users[r.user] += UserDelta{c.uploaded, c.downloaded};
    if (c.rawUploaded || c.rawDownloaded)
        userTorrents[{r.user, r.torrent}] +=
            UserTorrentDelta{c.uploaded, c.downloaded, c.rawUploaded, c.rawDownloaded};
    if (c.rawUploaded || c.rawDownloaded || r.completed)
        torrents[r.torrent] += TorrentDelta{c.rawUploaded, c.rawDownloaded, r.completed ? 1u : 0u};
    PeerState &p = peers[PeerKey{r.torrent, r.user, r.peerId}];
    if (r.sequence >= p.sequence)
        p = PeerState{r.sequence, r.uploaded,     r.downloaded, r.left,
                      r.endpoint, r.lastAnnounce, r.stopped};
}

void StatsBatch::addAll(const std::vector<StatsRecord> &records)
{
    peers.reserve(peers.size() + records.size());
    for (const StatsRecord &r : records)
        add(r);
}

void StatsBatch::merge(StatsBatch &&newer)
{
    if (empty()) {
        *this = std::move(newer);
        newer = StatsBatch{};
        return;
    }
    for (const auto &[id, d] : newer.users)
        users[id] += d;
    for (const auto &[key, d] : newer.userTorrents)
        userTorrents[key] += d;
    for (const auto &[id, d] : newer.torrents)
        torrents[id] += d;
    for (auto &[key, state] : newer.peers) {
        auto [it, inserted] = peers.try_emplace(key, state);
        if (!inserted && state.sequence >= it->second.sequence)
            it->second = state;
    }
    newer = StatsBatch{};
}

} // namespace sk::core
