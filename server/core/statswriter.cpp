#include "statswriter.h"

#include <QDebug>

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
    if (m_pending.empty())
        return result;
    const std::size_t rows = m_pending.size();
    if (m_db.commitStats(m_pending, m_clock.now() - m_peerTimeout) != DbStatus::Ok) {
        // Kept, and merged with newer deltas next time. Coalescing bounds it: at most one
        // row per user, (user, torrent), torrent and live peer.
        ++m_failures;
        qWarning().noquote() << "swarmkeeperd: stats flush failed, keeping" << rows
                             << "rows for the next attempt:" << m_db.lastError();
        result.ok = false;
        result.pending = rows;
        return result;
    }
    m_pending = StatsBatch{};
    m_lastSuccess = m_clock.now();
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

std::uint64_t StatsWriter::failures() const
{
    std::lock_guard lock(m_lock);
    return m_failures;
}

std::int64_t StatsWriter::lastSuccess() const
{
    std::lock_guard lock(m_lock);
    return m_lastSuccess;
}

} // namespace sk::core
