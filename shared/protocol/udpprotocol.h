// UDP tracker codec: BEP 15 packets with BEP 41 URL-data options, parsed and written without I/O.
#pragma once

#include "announce.h"

#include <QByteArray>
#include <QByteArrayView>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace sk::proto::udp {

// BEP 15: the magic constant a client puts where the connection id goes in a connect request,
// so a tracker can tell a UDP tracker packet from stray traffic on the port.
inline constexpr std::uint64_t protocolId = 0x41727101980ull;

// BEP 15 action numbers, the 32-bit field at offset 8 of requests and offset 0 of replies.
enum class Action : std::uint32_t
{
    Connect = 0,
    Announce = 1,
    Scrape = 2,
    Error = 3
};

// BEP 15 request layout. Every request starts with connection id (8), action (4) and
// transaction id (4): once 16 bytes arrived the tracker knows whom to send an error to.
inline constexpr std::size_t requestHeaderSize = 16;
inline constexpr std::size_t connectRequestSize = 16;
// BEP 15: 16-byte header + info_hash 20 + peer_id 20 + downloaded 8 + left 8 + uploaded 8 +
// event 4 + IP 4 + key 4 + num_want 4 + port 2. BEP 41 options may follow.
inline constexpr std::size_t announceRequestSize = 98;
// BEP 15: a scrape request is the header followed by n 20-byte info_hashes, nothing else.
inline constexpr std::size_t infoHashSize = 20;
inline constexpr std::size_t scrapeRequestMinSize = requestHeaderSize + infoHashSize;

// BEP 15 reply layout.
inline constexpr std::size_t connectReplySize = 16;        // action, txid, connection id
inline constexpr std::size_t announceReplyHeaderSize = 20; // action, txid, interval, leechers,
                                                           // seeders; then the peers
inline constexpr std::size_t scrapeReplyHeaderSize = 8;    // action, txid
inline constexpr std::size_t scrapeReplyEntrySize = 12;    // seeders, completed, leechers
inline constexpr std::size_t errorReplyHeaderSize = 8;     // action, txid; then the message
// BEP 15: peers in an announce reply are 6 bytes (IPv4 + port) or 18 bytes (IPv6 + port),
// following the address family of the request.
inline constexpr std::size_t peerEntrySizeV4 = 6;
inline constexpr std::size_t peerEntrySizeV6 = 18;

// BEP 15: "Up to about 74 torrents can be scraped at once. A full scrape can't be done with
// this protocol." That request, 16 + 20 * 74 = 1496 bytes, is about one Ethernet MTU, and its
// reply of 8 + 12 * 74 = 896 bytes fits a conservative packet.
inline constexpr std::size_t maxScrapeHashes = 74;

// BEP 41 option types. 0x0 and 0x1 are a single byte; every other type, known or not, is
// followed by a length byte and that many bytes of data.
enum class OptionType : unsigned char
{
    EndOfOptions = 0x0,
    Nop = 0x1,
    UrlData = 0x2
};
// BEP 41: one URLData option carries at most 255 bytes (its length is one byte), so longer
// URL data is split across several options and concatenated by the tracker.
inline constexpr std::size_t maxUrlDataOptionLength = 255;
// Our URL data is "/<32-char passkey>/announce" (42 bytes) plus an optional query. 1 KiB is far
// above what a real client sends, and the bound lets the concatenated data live in a fixed
// buffer inside Packet, so parsing an announce never allocates.
inline constexpr std::size_t maxUrlDataLength = 1024;

enum class ParseError
{
    None,
    TooShort,          // fewer bytes than the action's fixed layout needs
    BadProtocolId,     // connect request without the BEP 15 magic: likely not a tracker client,
                       // so the caller may prefer silence to an error reply
    UnknownAction,     // not connect, announce or scrape
    BadScrapeLength,   // not 16 + 20 * n bytes with n >= 1
    TooManyInfoHashes, // n > the caller's scrape limit
    InvalidEvent,      // event field not 0..3
    MalformedOptions,  // a BEP 41 option's length byte or data runs past the end
    UrlDataTooLong,    // concatenated URLData longer than maxUrlDataLength
};

// Plain English text for an error reply (BEP 15 action 3). Empty for ParseError::None.
const char *errorMessage(ParseError e);

enum class Kind
{
    Connect,
    Announce,
    Scrape
};

struct Packet
{
    Kind kind = Kind::Connect; // meaningful once the action was recognised
    // For a connect request this holds the protocol id that stands in its place (BEP 15).
    std::uint64_t connectionId = 0;
    std::uint32_t transactionId = 0;
    // Kind::Announce: compact is always true (BEP 15 has only compact peers); clientIp is left
    // for the listener, which knows the datagram's source address.
    AnnounceRequest announce;
    // Kind::Scrape. BEP 41 options can't follow a scrape (its length gives the hash count), so
    // passkey stays empty: the caller decides what a scrape without passkey may see.
    ScrapeRequest scrape;

    // BEP 41 URLData of an announce, concatenated across options.
    std::array<char, maxUrlDataLength> urlDataBytes{};
    std::size_t urlDataSize = 0;
    // Non-empty URL data was sent. Without it the caller answers TrackerError::MissingPasskey.
    bool urlDataPresent = false;
    // URL data was sent but isn't "/<passkey>/announce[?query]": TrackerError::MalformedPasskey.
    bool passkeyMalformed = false;

    QByteArrayView urlData() const
    {
        return QByteArrayView(urlDataBytes.data(), static_cast<qsizetype>(urlDataSize));
    }
};

struct ParseResult
{
    ParseError error = ParseError::None;
    // At least 16 bytes arrived, so packet.connectionId and packet.transactionId are valid and
    // an error reply can be addressed (house rule: a UDP error goes out only then).
    bool transactionKnown = false;
    Packet packet;
};

// Parses one client datagram. Never reads outside [data, data + size) and, for connect and
// announce requests, never allocates. Fields are checked in packet order, so the first
// problem found is the one reported.
ParseResult parse(const char *data, std::size_t size,
                  std::size_t scrapeHashLimit = maxScrapeHashes);
ParseResult parse(QByteArrayView datagram, std::size_t scrapeHashLimit = maxScrapeHashes);

// The passkey in BEP 41 URL data of the form "/<passkey>/announce", optionally followed by
// "?query". Empty URL data gives nothing with *malformed = false (no passkey was sent); any
// other shape gives nothing with *malformed = true. `malformed` may be null.
std::optional<Passkey> passkeyFromUrlData(QByteArrayView urlData, bool *malformed = nullptr);

// --- Replies into a caller buffer. Each returns the bytes written, or 0 (writing nothing) if
// cap is too small.

std::size_t writeConnectReply(char *out, std::size_t cap, std::uint32_t transactionId,
                              std::uint64_t connectionId);
// compactPeers: 6-byte (IPv4) or 18-byte (IPv6) entries, one family only, matching the address
// family of the request (BEP 15). Copied as given.
std::size_t writeAnnounceReply(char *out, std::size_t cap, std::uint32_t transactionId,
                               std::uint32_t interval, std::uint32_t leechers,
                               std::uint32_t seeders, QByteArrayView compactPeers);
// BEP 15 order per hash: seeders (complete), completed (downloaded), leechers (incomplete).
std::size_t writeScrapeReply(char *out, std::size_t cap, std::uint32_t transactionId,
                             const ScrapeResult &result);
std::size_t writeErrorReply(char *out, std::size_t cap, std::uint32_t transactionId,
                            QByteArrayView message);

// --- Reply parsers, for tests and tools (the client side of BEP 15).

struct ConnectReply
{
    std::uint32_t transactionId = 0;
    std::uint64_t connectionId = 0;
};
struct AnnounceReply
{
    std::uint32_t transactionId = 0;
    std::uint32_t interval = 0;
    std::uint32_t leechers = 0;
    std::uint32_t seeders = 0;
    std::vector<PeerEndpoint> peers;
};
struct ScrapeCounts
{
    std::uint32_t seeders = 0;
    std::uint32_t completed = 0;
    std::uint32_t leechers = 0;
    friend bool operator==(const ScrapeCounts &, const ScrapeCounts &) = default;
};
struct ScrapeReply
{
    std::uint32_t transactionId = 0;
    std::vector<ScrapeCounts> files; // in request order
};
struct ErrorReply
{
    std::uint32_t transactionId = 0;
    QByteArray message;
};

// At least 16 bytes with action 0; like BEP 15 clients, bytes after the reply are ignored.
std::optional<ConnectReply> parseConnectReply(const char *data, std::size_t size);
// At least 20 bytes with action 1, followed by whole entries of peerEntrySize bytes, which
// must be peerEntrySizeV4 or peerEntrySizeV6 (the client knows which family it asked over).
std::optional<AnnounceReply> parseAnnounceReply(const char *data, std::size_t size,
                                                std::size_t peerEntrySize);
// At least 8 bytes with action 2, followed by whole 12-byte entries.
std::optional<ScrapeReply> parseScrapeReply(const char *data, std::size_t size);
// At least 8 bytes with action 3; the rest is the message.
std::optional<ErrorReply> parseErrorReply(const char *data, std::size_t size);

// --- Request builders, for tests, tools and integration tests (the client side of BEP 15).

QByteArray buildConnectRequest(std::uint32_t transactionId);
// Writes the 98-byte announce from `request`: claimedIp goes into the IP field only if it is
// IPv4 (BEP 15's field is 32 bits), the key is always written (hasKey is implied over UDP),
// numwant is written as is. Non-empty urlData is split into URLData options of at most 255
// bytes (BEP 41), then EndOfOptions is appended if endOfOptions is set. request.passkey is
// not used: pass announceUrlData(passkey) as urlData to send it.
QByteArray buildAnnounceRequest(std::uint64_t connectionId, std::uint32_t transactionId,
                                const AnnounceRequest &request, QByteArrayView urlData = {},
                                bool endOfOptions = true);
QByteArray buildScrapeRequest(std::uint64_t connectionId, std::uint32_t transactionId,
                              const std::vector<InfoHash> &infoHashes);
// "/<passkey>/announce": the BEP 41 URL data for a user's announce URL.
QByteArray announceUrlData(const Passkey &passkey);

} // namespace sk::proto::udp
