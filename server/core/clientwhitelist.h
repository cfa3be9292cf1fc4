// ClientWhitelist: the BitTorrent clients allowed to announce, by peer_id prefix ("-TR", "-qB").
#pragma once

#include "shared/types/fixedbytes.h"

#include <QByteArray>
#include <QString>

#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <shared_mutex>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace sk::core {

struct AllowedClient
{
    QByteArray prefix; // 1 to 20 bytes of peer_id
    QString name;
    std::int64_t createdAt = 0;

    static constexpr int kMaxPrefix = 20;
    // Admin input: 1 to 20 printable ASCII characters, no space.
    static bool validPrefix(QByteArrayView prefix);
};

// Empty means every client may announce. A lookup probes one hash set per distinct prefix
// length in use (at most 20), whatever the number of entries; one atomic load when empty.
class ClientWhitelist
{
public:
    void put(const AllowedClient &client); // insert or replace; an invalid prefix is ignored
    bool remove(const QByteArray &prefix);
    std::optional<AllowedClient> find(const QByteArray &prefix) const;
    std::vector<AllowedClient> all() const; // by prefix
    std::size_t size() const { return m_count.load(std::memory_order_acquire); }

    // True when the list is empty or one of its prefixes starts `peerId`.
    bool allows(const proto::PeerId &peerId) const;

private:
    void reindex(); // m_lock held

    mutable std::shared_mutex m_lock;
    std::map<QByteArray, AllowedClient> m_clients;
    // Views into m_clients' keys (std::map never moves them), per prefix length.
    std::vector<std::pair<int, std::unordered_set<std::string_view>>> m_byLength;
    std::atomic<std::size_t> m_count{0};
};

} // namespace sk::core
