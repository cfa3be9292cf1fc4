// Announce and scrape requests and results: what both front-ends build and the core answers.
#pragma once

#include "../types/fixedbytes.h"
#include "../types/ipaddress.h"
#include "../types/passkey.h"
#include "trackererror.h"

#include <QByteArray>

#include <cstdint>
#include <optional>
#include <vector>

namespace sk::proto {

// Numbered as in BEP 15 so the UDP codec maps them directly.
enum class AnnounceEvent : std::uint8_t
{
    None = 0,
    Completed = 1,
    Started = 2,
    Stopped = 3
};

struct AnnounceRequest
{
    InfoHash infoHash;
    PeerId peerId;
    std::optional<Passkey> passkey;     // from the URL path (HTTP) or BEP 41 URL data (UDP)
    IpAddress clientIp;                 // the packet's source address, set by the listener
    std::optional<IpAddress> claimedIp; // ip=/ipv4=/ipv6= (HTTP) or the IP field (UDP)
    std::uint16_t port = 0;
    std::uint64_t uploaded = 0;
    std::uint64_t downloaded = 0;
    std::uint64_t left = 0;
    AnnounceEvent event = AnnounceEvent::None;
    std::int32_t numwant = -1; // -1: not given, the server's default applies
    std::uint32_t key = 0;
    bool hasKey = false;
    bool compact = true;   // BEP 23; HTTP clients may ask for dictionary peers with compact=0
    bool noPeerId = false; // only meaningful for dictionary peers
};

struct ScrapeRequest
{
    std::optional<Passkey> passkey;
    IpAddress clientIp;
    std::vector<InfoHash> infoHashes; // empty: the client asked for a full scrape
};

// The core's answer to an announce, encoded by the front-end.
struct AnnounceResult
{
    std::uint32_t interval = 0;
    std::uint32_t minInterval = 0;
    std::uint32_t complete = 0;   // seeders
    std::uint32_t incomplete = 0; // leechers
    std::uint32_t downloaded = 0; // completed events ever seen
    QByteArray peers4;            // 6 bytes per peer (BEP 23)
    QByteArray peers6;            // 18 bytes per peer (BEP 7)
    std::vector<PeerId> peerIds4; // filled only for dictionary replies, same order as peers4
    std::vector<PeerId> peerIds6;
    QByteArray warning; // BEP 3 `warning message`, empty for none
};

struct ScrapeEntry
{
    InfoHash infoHash;
    std::uint32_t complete = 0;
    std::uint32_t incomplete = 0;
    std::uint32_t downloaded = 0;
};

struct ScrapeResult
{
    std::vector<ScrapeEntry> files; // in request order; unknown torrents have zero counts
};

} // namespace sk::proto
