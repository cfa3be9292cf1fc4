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

std::uint64_t addClamped(std::uint64_t a, std::uint64_t b)
{
    const std::uint64_t s = a + b;
    return s < a ? std::numeric_limits<std::uint64_t>::max() : s;
}

std::atomic<std::uint64_t> g_ledgerIds{0};

struct LocalBuffer
{
    std::uint64_t ledger = 0;
    void *buffer = nullptr;
};
thread_local std::vector<LocalBuffer> t_buffers;

} // namespace

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
    if (c.uploaded || c.downloaded) {
        UserDelta &u = users[r.user];
        u.uploaded = addClamped(u.uploaded, c.uploaded);
        u.downloaded = addClamped(u.downloaded, c.downloaded);
    }
    if (c.rawUploaded || c.rawDownloaded) {
        UserTorrentDelta &ut = userTorrents[{r.user, r.torrent}];
        ut.uploaded = addClamped(ut.uploaded, c.uploaded);
        ut.downloaded = addClamped(ut.downloaded, c.downloaded);
        ut.rawUploaded = addClamped(ut.rawUploaded, c.rawUploaded);
        ut.rawDownloaded = addClamped(ut.rawDownloaded, c.rawDownloaded);
    }
    if (c.rawUploaded || c.rawDownloaded || r.completed) {
        TorrentDelta &t = torrents[r.torrent];
        t.uploaded = addClamped(t.uploaded, c.rawUploaded);
        t.downloaded = addClamped(t.downloaded, c.rawDownloaded);
        t.completed += r.completed ? 1 : 0;
    }
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
    for (const auto &[id, d] : newer.users) {
        UserDelta &u = users[id];
        u.uploaded = addClamped(u.uploaded, d.uploaded);
        u.downloaded = addClamped(u.downloaded, d.downloaded);
    }
    for (const auto &[key, d] : newer.userTorrents) {
        UserTorrentDelta &ut = userTorrents[key];
        ut.uploaded = addClamped(ut.uploaded, d.uploaded);
        ut.downloaded = addClamped(ut.downloaded, d.downloaded);
        ut.rawUploaded = addClamped(ut.rawUploaded, d.rawUploaded);
        ut.rawDownloaded = addClamped(ut.rawDownloaded, d.rawDownloaded);
    }
    for (const auto &[id, d] : newer.torrents) {
        TorrentDelta &t = torrents[id];
        t.uploaded = addClamped(t.uploaded, d.uploaded);
        t.downloaded = addClamped(t.downloaded, d.downloaded);
        t.completed += d.completed;
    }
    for (auto &[key, state] : newer.peers) {
        auto [it, inserted] = peers.try_emplace(key, state);
        if (!inserted && state.sequence >= it->second.sequence)
            it->second = state;
    }
    newer = StatsBatch{};
}

} // namespace sk::core
