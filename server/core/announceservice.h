// AnnounceService: decides announces and scrapes from either front-end (auth, policy, swarm
// update).
#pragma once

#include "accounting.h"
#include "banlist.h"
#include "cheatlog.h"
#include "clientwhitelist.h"
#include "clock.h"
#include "peerstore.h"
#include "ratelimiter.h"
#include "reachability.h"
#include "registry.h"
#include "shared/protocol/announce.h"
#include "trackersettings.h"

#include <atomic>
#include <cstdint>

namespace sk::core {

struct ServiceCounters
{
    std::atomic<std::uint64_t> announces{0};
    std::atomic<std::uint64_t> scrapes{0};
    std::atomic<std::uint64_t> failures{0};
};

// Who may use the tracker at all; null lists refuse nobody.
struct AccessLists
{
    const BanList *bans = nullptr;
    const ClientWhitelist *clients = nullptr;
    RateLimiter *limiter = nullptr;
    CheatLog *cheats = nullptr; // receives flagged announces; null: no flagging
    // Connectability answers per endpoint, and where new endpoints ask for a probe; null:
    // verification off.
    ReachabilityCache *reach = nullptr;
};

class AnnounceService
{
public:
    // `ledger` receives every announce's credit and totals; null: no accounting (tests).
    AnnounceService(const Registry &registry, PeerStore &peers, const Clock &clock,
                    const TrackerSettings &settings, StatsLedger *ledger = nullptr,
                    AccessLists access = {});

    // The request's clientIp is the packet source. Errors are values: the front-end maps
    // them to a bencoded `failure reason` or a BEP 15 error packet.
    proto::TrackerError announce(const proto::AnnounceRequest &request, PeerFamilies families,
                                 proto::AnnounceResult &out);
    // `anonymous`: a request without passkey may scrape (UDP, where BEP 41 data cannot
    // follow a scrape); with a passkey, the passkey must still be valid.
    proto::TrackerError scrape(const proto::ScrapeRequest &request, bool anonymous,
                               proto::ScrapeResult &out);

    const TrackerSettings &settings() const { return m_settings; }
    std::int64_t now() const { return m_clock.now(); }
    const ServiceCounters &counters() const { return m_counters; }
    // Interval with jitter, as sent to a client (also used in failure replies).
    std::uint32_t jitteredInterval() const;

private:
    proto::TrackerError authenticate(const std::optional<proto::Passkey> &passkey,
                                     UserInfo &user) const;
    void flagCheats(const StatsRecord &r, const PeerAnnounce &a,
                    const std::optional<PreviousPeer> &previous,
                    const proto::AnnounceResult &out) const;
    // The packet's source, and the claimed address when it is trusted.
    bool banned(const proto::IpAddress &source, const std::optional<proto::IpAddress> &claimed,
                std::int64_t now) const;

    const Registry &m_registry;
    PeerStore &m_peers;
    const Clock &m_clock;
    TrackerSettings m_settings;
    StatsLedger *m_ledger;
    AccessLists m_access;
    ServiceCounters m_counters;
};

} // namespace sk::core
