// TrackerSettings: the announce/scrape knobs the core reads (a slice of the server config).
#pragma once

#include <cstdint>

namespace sk::core {

struct TrackerSettings
{
    std::uint32_t announceInterval = 1800;    // seconds; what clients are told
    std::uint32_t minAnnounceInterval = 900;  // seconds; BEP 3 `min interval`
    std::uint32_t intervalJitterPercent = 10; // spreads re-announces of a restarted swarm
    std::uint32_t peerTimeout = 2700;         // seconds without announce before a peer is dropped
    std::uint32_t defaultNumwant = 50;
    std::uint32_t maxNumwant = 200;     // bounds reply size and selection work
    bool enforceRegistration = true;    // unknown info_hashes are refused
    bool trustClientIp = false;         // honour ip=/ipv4=/ipv6= (and the UDP IP field)
    bool excludeOwnPeers = true;        // never give a user the peers of its own clients
    bool globalFreeleech = false;       // no download is credited on any torrent
    bool enforceClientWhitelist = true; // a non-empty client whitelist refuses other clients
    // Users whose uploaded/downloaded is below minRatio, once they have downloaded more than
    // ratioGraceBytes, may seed but not leech. 0 turns the rule off.
    double minRatio = 0.3;
    std::uint64_t ratioGraceBytes = 5ull << 30;
    // Seedtime: the time between two consecutive announces of a seeding client, each gap
    // counted up to this many seconds.
    std::uint32_t seedtimeMaxGap = 2700;
    // Cheat flags (for review, never applied to stats): an announce reporting at least
    // cheatMinBytes of upload while no other leecher is in the swarm, or upload faster than
    // cheatMaxUploadRate bytes per second since the previous announce (0 turns either off).
    std::uint64_t cheatMinBytes = 16ull << 20;
    std::uint64_t cheatMaxUploadRate = 100ull << 20;
};

} // namespace sk::core
