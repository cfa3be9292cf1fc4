#include "registry.h"

#include <mutex>

namespace sk::core {

std::optional<UserInfo> Registry::userByPasskey(const proto::Passkey &passkey) const
{
    std::shared_lock lock(m_usersLock);
    const auto it = m_usersByPasskey.find(passkey);
    if (it == m_usersByPasskey.end())
        return std::nullopt;
    return it->second;
}

std::optional<UserInfo> Registry::userById(UserId id) const
{
    std::shared_lock lock(m_usersLock);
    const auto it = m_passkeyById.find(id);
    if (it == m_passkeyById.end())
        return std::nullopt;
    return m_usersByPasskey.at(it->second);
}

void Registry::putUser(const UserInfo &user)
{
    std::unique_lock lock(m_usersLock);
    const auto old = m_passkeyById.find(user.id);
    if (old != m_passkeyById.end())
        m_usersByPasskey.erase(old->second);
    m_usersByPasskey[user.passkey] = user;
    m_passkeyById[user.id] = user.passkey;
}

void Registry::removeUser(UserId id)
{
    std::unique_lock lock(m_usersLock);
    const auto it = m_passkeyById.find(id);
    if (it == m_passkeyById.end())
        return;
    m_usersByPasskey.erase(it->second);
    m_passkeyById.erase(it);
}

UserInfo *Registry::findUser(UserId id)
{
    const auto it = m_passkeyById.find(id);
    if (it == m_passkeyById.end())
        return nullptr;
    const auto u = m_usersByPasskey.find(it->second);
    return u == m_usersByPasskey.end() ? nullptr : &u->second;
}

void Registry::changePasskey(UserId id, const proto::Passkey &passkey)
{
    std::unique_lock lock(m_usersLock);
    const auto it = m_passkeyById.find(id);
    if (it == m_passkeyById.end())
        return;
    auto node = m_usersByPasskey.extract(it->second);
    if (node.empty())
        return;
    node.key() = passkey;
    node.mapped().passkey = passkey;
    m_usersByPasskey.insert(std::move(node));
    it->second = passkey;
}

void Registry::setCanLeech(UserId id, bool canLeech)
{
    std::unique_lock lock(m_usersLock);
    if (UserInfo *u = findUser(id))
        u->canLeech = canLeech;
}

void Registry::setUserTotals(UserId id, std::uint64_t uploaded, std::uint64_t downloaded)
{
    std::unique_lock lock(m_usersLock);
    if (UserInfo *u = findUser(id)) {
        u->uploaded = uploaded;
        u->downloaded = downloaded;
    }
}

std::size_t Registry::userCount() const
{
    std::shared_lock lock(m_usersLock);
    return m_passkeyById.size();
}

std::optional<TorrentId> Registry::torrentId(const proto::InfoHash &infoHash) const
{
    std::shared_lock lock(m_torrentsLock);
    const auto it = m_torrents.find(infoHash);
    if (it == m_torrents.end())
        return std::nullopt;
    return it->second.id;
}

std::optional<TorrentInfo> Registry::torrent(const proto::InfoHash &infoHash) const
{
    std::shared_lock lock(m_torrentsLock);
    const auto it = m_torrents.find(infoHash);
    if (it == m_torrents.end())
        return std::nullopt;
    return it->second;
}

std::optional<proto::InfoHash> Registry::infoHash(TorrentId id) const
{
    std::shared_lock lock(m_torrentsLock);
    const auto it = m_hashById.find(id);
    if (it == m_hashById.end())
        return std::nullopt;
    return it->second;
}

void Registry::putTorrent(TorrentId id, const proto::InfoHash &infoHash,
                          const TorrentPolicy &policy)
{
    std::unique_lock lock(m_torrentsLock);
    m_torrents[infoHash] = TorrentInfo{id, policy};
    m_hashById[id] = infoHash;
}

void Registry::removeTorrent(TorrentId id)
{
    std::unique_lock lock(m_torrentsLock);
    const auto it = m_hashById.find(id);
    if (it == m_hashById.end())
        return;
    m_torrents.erase(it->second);
    m_hashById.erase(it);
}

std::size_t Registry::torrentCount() const
{
    std::shared_lock lock(m_torrentsLock);
    return m_hashById.size();
}

} // namespace sk::core
