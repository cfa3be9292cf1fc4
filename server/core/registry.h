// Registry: the in-memory maps the announce path consults (passkey -> user, info_hash -> torrent).
#pragma once

#include "saturating.h"
#include "shared/types/fixedbytes.h"
#include "shared/types/passkey.h"

#include <cstdint>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <unordered_map>

namespace sk::core {

using UserId = std::uint32_t;
using TorrentId = std::uint32_t;

// A torrent's accounting terms. Multipliers apply to the user's credit only; the torrent's
// own totals and the per-(user, torrent) raw figures are what clients reported.
struct TorrentPolicy
{
    bool freeleech = false;
    std::int64_t freeleechUntil = 0; // Unix seconds; 0: no expiry
    double uploadMultiplier = 1.0;
    double downloadMultiplier = 1.0;

    bool freeleechAt(std::int64_t now) const
    {
        return freeleech && (freeleechUntil == 0 || now < freeleechUntil);
    }
};

struct TorrentInfo
{
    TorrentId id = 0;
    TorrentPolicy policy;
};

struct UserInfo
{
    UserId id = 0;
    proto::Passkey passkey;
    bool canLeech = true;
    std::uint64_t uploaded = 0; // committed credit (the ratio rule reads it)
    std::uint64_t downloaded = 0;

    // Leeching is allowed: the account may, and it is not below the ratio past the grace.
    bool mayLeech(double minRatio, std::uint64_t graceBytes) const
    {
        return canLeech && (minRatio <= 0 || downloaded <= graceBytes ||
                            double(uploaded) >= minRatio * double(downloaded));
    }
};

// Read-mostly: every announce reads it, only admin changes write it. A shared_mutex lets
// all workers read at once; writers are rare and short.
class Registry
{
public:
    std::optional<UserInfo> userByPasskey(const proto::Passkey &passkey) const;
    std::optional<UserInfo> userById(UserId id) const;
    void putUser(const UserInfo &user); // insert or replace (passkey changes are handled)
    void removeUser(UserId id);
    // In-place changes of one field: they never undo a concurrent change of another.
    void changePasskey(UserId id, const proto::Passkey &passkey);
    void setCanLeech(UserId id, bool canLeech);
    void setUserTotals(UserId id, std::uint64_t uploaded, std::uint64_t downloaded);
    // Adds committed credit to users' totals (the stats writer, after each commit); unknown
    // ids are skipped.
    template<typename Deltas> void addUserTotals(const Deltas &deltas)
    {
        std::unique_lock lock(m_usersLock);
        for (const auto &[id, d] : deltas) {
            if (UserInfo *u = findUser(id)) {
                u->uploaded = addClamped(u->uploaded, d.uploaded);
                u->downloaded = addClamped(u->downloaded, d.downloaded);
            }
        }
    }
    std::size_t userCount() const;

    std::optional<TorrentId> torrentId(const proto::InfoHash &infoHash) const;
    std::optional<TorrentInfo> torrent(const proto::InfoHash &infoHash) const;
    std::optional<proto::InfoHash> infoHash(TorrentId id) const;
    void putTorrent(TorrentId id, const proto::InfoHash &infoHash,
                    const TorrentPolicy &policy = {});
    void removeTorrent(TorrentId id);
    std::size_t torrentCount() const;

private:
    UserInfo *findUser(UserId id); // m_usersLock held

    mutable std::shared_mutex m_usersLock;
    std::unordered_map<proto::Passkey, UserInfo, proto::PasskeyHash> m_usersByPasskey;
    std::unordered_map<UserId, proto::Passkey> m_passkeyById;

    mutable std::shared_mutex m_torrentsLock;
    std::unordered_map<proto::InfoHash, TorrentInfo, proto::FixedBytesHash<proto::InfoHash>>
        m_torrents;
    std::unordered_map<TorrentId, proto::InfoHash> m_hashById;
};

} // namespace sk::core
