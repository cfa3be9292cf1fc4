// SeedingStore: a PeerStore for storage tests that only answers who seeds what.
#pragma once

#include "server/core/peerstore.h"

#include <map>
#include <set>

namespace sk::itest {

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
    std::vector<std::pair<core::UserId, std::uint32_t>>
    seedingTorrentsPerUser(const std::function<bool(const proto::InfoHash &)> &) const override
    {
        std::map<core::UserId, std::uint32_t> n;
        for (const auto &[torrent, user] : seeding)
            ++n[user];
        return {n.begin(), n.end()};
    }
    core::PeerStoreStats stats() const override { return {}; }

    std::set<std::pair<unsigned char, core::UserId>> seeding; // (info_hash byte, user)
};

} // namespace sk::itest
