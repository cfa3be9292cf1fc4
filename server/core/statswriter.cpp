#include "statswriter.h"

#include <QDebug>

#include <algorithm>

namespace sk::core {

StatsWriter::StatsWriter(StatsLedger &ledger, Database &db, const Clock &clock,
                         std::int64_t peerTimeout)
    : m_ledger(ledger), m_db(db), m_clock(clock), m_peerTimeout(peerTimeout)
{}

FlushResult StatsWriter::flush()
{
    std::lock_guard lock(m_lock);
    FlushResult result;
    const std::vector<StatsRecord> records = m_ledger.takeAll();
    result.records = records.size();
    StatsBatch fresh;
    fresh.addAll(records);
    m_pending.merge(std::move(fresh));
    // Stale peer rows are swept by a table scan, so only now and then.
    const std::int64_t now = m_clock.now();
    const bool sweep = now >= m_nextSweep;
    if (m_pending.empty() && !sweep)
        return result;
    const std::size_t rows = m_pending.size();
    if (m_db.commitStats(m_pending, sweep ? now - m_peerTimeout : 0) != DbStatus::Ok) {
        // Kept, and merged with newer deltas next time. Coalescing bounds it: at most one
        // row per user, (user, torrent), torrent and live peer.
        m_failures.fetch_add(1, std::memory_order_relaxed);
        qWarning().noquote() << "swarmkeeperd: stats flush failed, keeping" << rows
                             << "rows for the next attempt:" << m_db.lastError();
        result.ok = false;
        result.pending = rows;
        return result;
    }
    if (m_observer)
        m_observer(m_pending);
    m_pending = StatsBatch{};
    m_lastSuccess.store(now, std::memory_order_relaxed);
    if (sweep)
        m_nextSweep = now + std::clamp<std::int64_t>(m_peerTimeout / 4, 1, kMaxSweepInterval);
    result.committed = rows;
    return result;
}

bool StatsWriter::flushAll(int attempts)
{
    for (int i = 0; i < attempts; ++i) {
        const FlushResult r = flush();
        if (r.ok && m_ledger.pending() == 0)
            return true;
    }
    return false;
}

void StatsWriter::setCommitObserver(std::function<void(const StatsBatch &)> observer)
{
    std::lock_guard lock(m_lock);
    m_observer = std::move(observer);
}

} // namespace sk::core
