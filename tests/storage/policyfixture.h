// Storage tests of policy jobs (hit-and-run, bonus): a PeerStore that only answers who seeds
// what, and a fresh SQLite file with users and torrents known to a registry.
#pragma once

#include "server/core/peerstore.h"
#include "server/core/registry.h"
#include "server/storage/sqldatabase.h"

#include <map>
#include <memory>
#include <set>
#include <vector>

namespace sk::itest {

inline proto::InfoHash fixtureHash(int i)
{
    proto::InfoHash h;
    h.bytes.fill(static_cast<unsigned char>(i));
    return h;
}

class SeedingStore final : public core::PeerStore
{
public:
    core::AnnounceOutcome announce(const core::PeerAnnounce &, proto::AnnounceResult &) override
    {
        return {};
    }
    proto::ScrapeEntry scrape(const proto::InfoHash &) const override { return {}; }
    std::size_t expire(std::int64_t) override { return 0; }
    void removeSwarm(const proto::InfoHash &) override {}
    void removeUser(core::UserId) override {}
    void setCompleted(const proto::InfoHash &, std::uint64_t) override {}
    bool isSeeding(const proto::InfoHash &ih, core::UserId user) const override
    {
        return seeding.count({ih.bytes[0], user}) > 0;
    }
    std::vector<std::pair<core::UserId, std::uint32_t>> seedingTorrentsPerUser(
        const std::function<bool(const proto::InfoHash &)> &counted) const override
    {
        std::map<core::UserId, std::uint32_t> n;
        for (const auto &[torrent, user] : seeding)
            if (counted(fixtureHash(torrent)))
                ++n[user];
        return {n.begin(), n.end()};
    }
    bool setReachability(const proto::InfoHash &, core::UserId, const proto::PeerId &,
                         const proto::PeerEndpoint &, core::Reachability) override
    {
        return false;
    }
    std::vector<core::PeerInfo> peers(const proto::InfoHash &) const override { return {}; }
    core::PeerStoreStats stats() const override { return {}; }
    std::vector<core::SwarmSummary> swarms() const override { return {}; }
    void snapshot(const SnapshotFn &) const override {}

    std::set<std::pair<unsigned char, core::UserId>> seeding; // (fixtureHash byte, user)
};

// Opens a new database at `path` with `count` users ("u<i>", passkey of 'a'+i) and torrents
// (info_hash fixtureHash(i)), all put into `registry`. False with `error` set on failure.
inline bool openWithAccounts(const QString &path, int count, std::int64_t createdAt,
                             std::unique_ptr<storage::SqlDatabase> &db, core::Registry &registry,
                             std::vector<core::UserId> &users,
                             std::vector<core::TorrentId> &torrents, QString *error)
{
    storage::StorageSettings settings;
    settings.path = path;
    db = storage::SqlDatabase::open(settings, error);
    if (!db)
        return false;
    users.clear();
    torrents.clear();
    for (int i = 0; i < count; ++i) {
        const auto u =
            db->insertUser(QStringLiteral("u%1").arg(i),
                           *proto::Passkey::fromText(QByteArray(32, char('a' + i))), createdAt);
        const auto t = db->insertTorrent(fixtureHash(i), QStringLiteral("t%1").arg(i), createdAt);
        if (!u.ok() || !t.ok()) {
            *error = u.message + t.message;
            return false;
        }
        users.push_back(u.value.id);
        registry.putUser({u.value.id, u.value.passkey, true});
        torrents.push_back(t.value.id);
        registry.putTorrent(t.value.id, fixtureHash(i));
    }
    return true;
}

} // namespace sk::itest
