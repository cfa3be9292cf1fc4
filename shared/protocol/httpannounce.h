// HTTP tracker codec: request-target routing, announce/scrape query parsing, bencoded replies.
#pragma once

#include "announce.h"
#include "trackererror.h"

#include <QByteArray>
#include <QByteArrayView>

#include <cstdint>
#include <optional>

namespace sk::proto::http {

// Where a request-target goes. Accepted paths, exactly (BEP 3 announce, BEP 48 scrape):
//   /<passkey>/announce[?query]   /<passkey>/scrape[?query]
//   /announce[?query]             /scrape[?query]      (no passkey: the core answers
//                                                       MissingPasskey, so the client is told
//                                                       what is wrong in a bencoded reply)
// Anything else is UnknownPath, including a trailing "/" and "announce.php": the URL comes from
// our own .torrent files and clients use it verbatim (they only append "?..." or "&..."), so
// one canonical spelling keeps routing exact. BEP 48 derives the scrape URL by replacing
// "announce" in the last path segment, which these rules keep working.
struct Target
{
    enum class Kind
    {
        Announce,
        Scrape
    };

    // None, UnknownPath, or MalformedPasskey (a first segment that is not 32 [0-9A-Za-z]; kind
    // is still set then).
    TrackerError error = TrackerError::None;
    Kind kind = Kind::Announce;
    std::optional<Passkey> passkey;
    QByteArrayView query; // the raw bytes after the first '?', empty if none
};

Target parseTarget(QByteArrayView target);

// Query decoding policy, shared by announce and scrape (keys are decoded like values):
// - `%XX` with two hex digits of either case is that byte, binary included (BEP 3 info_hash
//   and peer_id are raw 20-byte strings). A '%' not followed by two hex digits is
//   MalformedQuery: guessing would change the info_hash.
// - '+' is a space, as in application/x-www-form-urlencoded (and PHP's $_GET, which
//   TBDev-style announce.php trackers read). Real clients percent-encode both bytes (%2B,
//   %20), so the choice only matters for hand-made URLs. (opentracker keeps a raw '+' as 0x2B.)
// - Other printable ASCII passes through literally. Raw control bytes, space and bytes >= 0x80
//   are MalformedQuery: they cannot appear in a URL (RFC 3986) and mean hostile input.
// - Pairs are split at '&', key and value at the first '='. Empty pairs ("a=1&&b=2", a trailing
//   '&') are skipped; an empty key ("=x") is MalformedQuery; a key without '=' has an empty
//   value. Every pair is checked, unknown ones included.

// Parses an announce query (BEP 3, BEP 7, BEP 23) into `out`. Writes every query field of
// `out` (defaults for absent optional ones) and leaves passkey and clientIp alone. Returns the
// first error in this fixed order, whatever the order of the parameters in the query:
//   MalformedQuery, DuplicateParameter, info_hash, peer_id, port, uploaded, downloaded, left,
//   event, compact, no_peer_id, numwant, key.
// Parameters:
//   info_hash, peer_id  required, exactly 20 bytes once decoded (Missing*/Invalid*)
//   port                required, decimal 1..65535; 0 only with event=stopped (a stopping
//                       client may no longer listen)
//   uploaded, downloaded, left  required, decimal uint64 without sign; overflow is Invalid*
//   event               started, completed, stopped; "", "empty" and BEP 21 "paused" are None
//   compact             "0" or "1" (BEP 23), default 1
//   no_peer_id          "0" or "1", else MalformedQuery (TrackerError has no own code for it)
//   numwant             decimal; "-1" is the default; above 2^31-1 clamps to 2^31-1; another
//                       negative or junk is InvalidNumwant
//   key                 at most 64 bytes, else InvalidKey. 1-8 hex digits are read as a hex
//                       u32 (what libtorrent and uTorrent send); any other value is hashed to a
//                       u32 (FNV-1a) so it still identifies the client. Empty means no key.
//   ip, ipv4, ipv6      IPv4/IPv6 text, also "a.b.c.d:port" and "[v6]:port"/"[v6]". BEP 3
//                       allows a DNS name, which (like any unparseable value, or an ipv4= that
//                       is IPv6 or an ipv6= that is IPv4) is ignored rather than an error.
//                       claimedIp = ipv6, else ipv4, else ip: BEP 7's specific keys beat BEP 3's
//                       generic one, and a client's IPv6 address is global and unNATed, so it
//                       is the one a tracker cannot learn otherwise from an IPv4 announce.
// Each of these may appear once, else DuplicateParameter. Unknown parameters are ignored
// (clients send supportcrypto, corrupt, trackerid, requirecrypto, ...).
TrackerError parseAnnounceQuery(QByteArrayView query, AnnounceRequest &out);

// Parses a BEP 48 scrape query: info_hash repeated, each exactly 20 bytes. No info_hash means a
// full scrape (out.infoHashes empty; the core decides whether to allow it). Replaces
// out.infoHashes (duplicates kept, in request order) and leaves passkey and clientIp alone.
// Error order: MalformedQuery, InvalidInfoHash (the first bad one), then TooManyInfoHashes
// when there are more than maxInfoHashes.
TrackerError parseScrapeQuery(QByteArrayView query, ScrapeRequest &out, int maxInfoHashes);

// BEP 3 announce reply, keys sorted by raw bytes as bencoding requires: complete, downloaded,
// incomplete, interval, min interval, peers, [peers6], [warning message].
//   compact: `peers` is r.peers4 (BEP 23, 6 bytes per peer, present even when empty) and
//            `peers6` is r.peers6 (BEP 7, 18 bytes per peer) when non-empty.
//   otherwise: `peers` is a list of {ip, peer id, port} dicts (BEP 3) holding the IPv4 then the
//            IPv6 peers, ip as text; `peer id` comes from r.peerIds4/6 by position and is left
//            out when noPeerId or when the core supplied no id for that peer.
// `warning message` only when r.warning is non-empty.
QByteArray encodeAnnounceReply(const AnnounceResult &r, bool compact, bool noPeerId);

// BEP 48 scrape reply: d5:filesd<20-byte hash>d8:completei…e10:downloadedi…e10:incompletei…eee
// with the files keys sorted by raw bytes and each hash once (the first entry wins).
QByteArray encodeScrapeReply(const ScrapeResult &r);

// BEP 3 failure reply: failure reason, interval, min interval. The intervals are sent with
// the failure so clients back off instead of retrying at once.
QByteArray encodeFailure(TrackerError e, std::uint32_t interval, std::uint32_t minInterval);
QByteArray encodeFailure(QByteArrayView reason, std::uint32_t interval, std::uint32_t minInterval);

} // namespace sk::proto::http
