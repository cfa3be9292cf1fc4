#include "clientwhitelist.h"

#include <algorithm>
#include <mutex>

namespace sk::core {

bool AllowedClient::validPrefix(QByteArrayView prefix)
{
    if (prefix.isEmpty() || prefix.size() > kMaxPrefix)
        return false;
    return std::all_of(prefix.begin(), prefix.end(), [](char c) { return c > ' ' && c < 0x7F; });
}

void ClientWhitelist::reindex()
{
    m_byLength.clear();
    for (const auto &[prefix, client] : m_clients) {
        const int len = int(prefix.size());
        auto it = std::find_if(m_byLength.begin(), m_byLength.end(),
                               [len](const auto &level) { return level.first == len; });
        if (it == m_byLength.end())
            it = m_byLength.insert(m_byLength.end(), {len, {}});
        it->second.insert(std::string_view(prefix.constData(), std::size_t(len)));
    }
    m_count.store(m_clients.size(), std::memory_order_release);
}

void ClientWhitelist::put(const AllowedClient &client)
{
    if (!AllowedClient::validPrefix(client.prefix))
        return; // never index a prefix longer than a peer_id (or empty)
    std::unique_lock lock(m_lock);
    m_clients.insert_or_assign(client.prefix, client);
    reindex();
}

bool ClientWhitelist::remove(const QByteArray &prefix)
{
    std::unique_lock lock(m_lock);
    if (m_clients.erase(prefix) == 0)
        return false;
    reindex();
    return true;
}

std::optional<AllowedClient> ClientWhitelist::find(const QByteArray &prefix) const
{
    std::shared_lock lock(m_lock);
    const auto it = m_clients.find(prefix);
    return it == m_clients.end() ? std::nullopt : std::optional(it->second);
}

std::vector<AllowedClient> ClientWhitelist::all() const
{
    std::shared_lock lock(m_lock);
    std::vector<AllowedClient> out;
    out.reserve(m_clients.size());
    for (const auto &[prefix, client] : m_clients)
        out.push_back(client);
    return out;
}

bool ClientWhitelist::allows(const proto::PeerId &peerId) const
{
    if (m_count.load(std::memory_order_acquire) == 0)
        return true;
    const auto *bytes = reinterpret_cast<const char *>(peerId.bytes.data());
    std::shared_lock lock(m_lock);
    if (m_clients.empty())
        return true;
    for (const auto &[len, prefixes] : m_byLength)
        if (prefixes.contains(std::string_view(bytes, std::size_t(len))))
            return true;
    return false;
}

} // namespace sk::core
