// Directory: user and torrent administration; writes the database first, then patches memory.
#pragma once

#include "clock.h"
#include "database.h"
#include "peerstore.h"
#include "registry.h"

#include <optional>

namespace sk::core {

class Directory
{
public:
    Directory(Database &db, Registry &registry, PeerStore &peers, const Clock &clock);

    // Fills the registry from the database (start-up).
    DbStatus load(QString *error);
    // Puts the peers of the last committed flush announced since then back in the store;
    // returns how many. Call after load().
    DbResult<std::size_t> restorePeers(std::int64_t announcedSince);
    // Freeleech and multipliers: the database first, then the announce path's registry.
    DbResult<TorrentRecord> setTorrentPolicy(TorrentId id, const TorrentPolicy &policy);

    // A passkey is generated when none is given; a given one must be well-formed and unused.
    DbResult<UserRecord> createUser(const QString &name,
                                    const std::optional<proto::Passkey> &passkey);
    DbStatus deleteUser(UserId id);
    DbResult<UserRecord> resetPasskey(UserId id);
    DbResult<UserRecord> setCanLeech(UserId id, bool canLeech);
    // Admin corrections of committed totals. Run them under StatsWriter::exclusive() so that
    // no commit (and its patch of the registry) interleaves: each delta lands exactly once,
    // before or after the correction.
    DbResult<UserRecord> setUserStats(UserId id, std::uint64_t uploaded, std::uint64_t downloaded);
    DbResult<TorrentRecord> setTorrentStats(TorrentId id, std::uint64_t uploaded,
                                            std::uint64_t downloaded, std::uint64_t completed);

    DbResult<TorrentRecord> createTorrent(const proto::InfoHash &infoHash, const QString &name);
    DbStatus deleteTorrent(TorrentId id);

    const Registry &registry() const { return m_registry; }

    static proto::Passkey generatePasskey();
    static UserInfo infoOf(const UserRecord &u);

private:
    Database &m_db;
    Registry &m_registry;
    PeerStore &m_peers;
    const Clock &m_clock;
};

} // namespace sk::core
