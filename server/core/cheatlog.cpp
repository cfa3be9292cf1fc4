#include "cheatlog.h"

#include <iterator>

namespace sk::core {

const char *cheatKindName(CheatKind kind)
{
    switch (kind) {
    case CheatKind::NoLeechers:
        return "upload_without_leechers";
    case CheatKind::TooFast:
        return "upload_too_fast";
    }
    return "?";
}

void CheatLog::append(const CheatFlag &flag)
{
    m_flagged.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard lock(m_lock);
    if (m_flags.size() >= m_capacity) {
        m_dropped.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    m_flags.push_back(flag);
}

std::vector<CheatFlag> CheatLog::takeAll()
{
    std::lock_guard lock(m_lock);
    return std::exchange(m_flags, {});
}

void CheatLog::putBack(std::vector<CheatFlag> &&flags)
{
    std::lock_guard lock(m_lock);
    flags.insert(flags.end(), std::make_move_iterator(m_flags.begin()),
                 std::make_move_iterator(m_flags.end()));
    if (flags.size() > m_capacity) {
        m_dropped.fetch_add(flags.size() - m_capacity, std::memory_order_relaxed);
        flags.resize(m_capacity);
    }
    m_flags = std::move(flags);
}

} // namespace sk::core
