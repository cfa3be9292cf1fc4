#include "directory.h"

#include <QRandomGenerator>

namespace sk::core {

Directory::Directory(Database &db, Registry &registry, PeerStore &peers, const Clock &clock)
    : m_db(db), m_registry(registry), m_peers(peers), m_clock(clock)
{}

proto::Passkey Directory::generatePasskey()
{
    // QRandomGenerator::system() reads the OS CSPRNG (getrandom): passkeys are credentials.
    static constexpr char alphabet[] =
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    proto::Passkey p;
    for (char &c : p.chars)
        c = alphabet[QRandomGenerator::system()->bounded(62)];
    return p;
}

UserInfo Directory::infoOf(const UserRecord &u)
{
    return UserInfo{u.id, u.passkey, u.canLeech, u.uploaded, u.downloaded};
}

DbStatus Directory::load(QString *error)
{
    auto users = m_db.users({});
    if (!users.ok()) {
        *error = users.message;
        return users.status;
    }
    for (const UserRecord &u : users.value)
        m_registry.putUser(infoOf(u));
    auto torrents = m_db.torrents({}, {});
    if (!torrents.ok()) {
        *error = torrents.message;
        return torrents.status;
    }
    for (const TorrentRecord &t : torrents.value) {
        m_registry.putTorrent(t.id, t.infoHash, t.policy);
        m_peers.setCompleted(t.infoHash, t.completed); // scrape `downloaded` survives restarts
    }
    return DbStatus::Ok;
}

DbResult<std::size_t> Directory::restorePeers(std::int64_t announcedSince)
{
    DbResult<std::size_t> r;
    auto rows = m_db.peers(announcedSince);
    if (!rows.ok())
        return DbResult<std::size_t>::fail(rows.status, rows.message);
    proto::AnnounceResult scratch;
    for (const PeerRecord &p : rows.value) {
        const auto infoHash = m_registry.infoHash(p.torrent);
        if (!infoHash || !m_registry.userById(p.user))
            continue;
        // Re-announced as the last committed flush saw it: the swarm is back, and the
        // client's next announce is credited against these totals.
        PeerAnnounce a;
        a.infoHash = *infoHash;
        a.userId = p.user;
        a.peerId = p.peerId;
        a.endpoint = p.endpoint;
        a.uploaded = p.uploaded;
        a.downloaded = p.downloaded;
        a.left = p.left;
        a.now = p.lastAnnounce;
        a.numwant = 0;
        m_peers.announce(a, scratch);
        ++r.value;
    }
    return r;
}

DbResult<UserRecord> Directory::createUser(const QString &name,
                                           const std::optional<proto::Passkey> &passkey)
{
    auto r = m_db.insertUser(name, passkey ? *passkey : generatePasskey(), m_clock.now());
    if (r.ok())
        m_registry.putUser(infoOf(r.value));
    return r;
}

DbStatus Directory::deleteUser(UserId id)
{
    const DbStatus s = m_db.deleteUser(id);
    if (s == DbStatus::Ok) {
        m_registry.removeUser(id);
        m_peers.removeUser(id);
    }
    return s;
}

DbResult<UserRecord> Directory::resetPasskey(UserId id)
{
    auto r = m_db.setPasskey(id, generatePasskey());
    if (r.ok())
        m_registry.changePasskey(id, r.value.passkey);
    return r;
}

DbResult<UserRecord> Directory::setCanLeech(UserId id, bool canLeech)
{
    auto r = m_db.setCanLeech(id, canLeech);
    if (r.ok())
        m_registry.setCanLeech(id, r.value.canLeech);
    return r;
}

DbResult<UserRecord> Directory::setUserStats(UserId id, std::uint64_t uploaded,
                                             std::uint64_t downloaded)
{
    auto r = m_db.setUserStats(id, uploaded, downloaded);
    if (r.ok())
        m_registry.setUserTotals(id, r.value.uploaded, r.value.downloaded);
    return r;
}

DbResult<TorrentRecord> Directory::setTorrentStats(TorrentId id, std::uint64_t uploaded,
                                                   std::uint64_t downloaded,
                                                   std::uint64_t completed)
{
    auto r = m_db.setTorrentStats(id, uploaded, downloaded, completed);
    if (r.ok())
        m_peers.setCompleted(r.value.infoHash, r.value.completed);
    return r;
}

DbResult<TorrentRecord> Directory::createTorrent(const proto::InfoHash &infoHash,
                                                 const QString &name)
{
    auto r = m_db.insertTorrent(infoHash, name, m_clock.now());
    if (r.ok())
        m_registry.putTorrent(r.value.id, r.value.infoHash);
    return r;
}

DbResult<TorrentRecord> Directory::setTorrentPolicy(TorrentId id, const TorrentPolicy &policy)
{
    auto r = m_db.setTorrentPolicy(id, policy);
    if (r.ok())
        m_registry.putTorrent(r.value.id, r.value.infoHash, r.value.policy);
    return r;
}

DbStatus Directory::deleteTorrent(TorrentId id)
{
    const auto t = m_db.torrent(id);
    if (!t.ok())
        return t.status;
    const DbStatus s = m_db.deleteTorrent(id);
    if (s == DbStatus::Ok) {
        m_registry.removeTorrent(id);
        m_peers.removeSwarm(t.value.infoHash);
    }
    return s;
}

} // namespace sk::core
