// TrackerError: every reason an announce or scrape is refused, with its client-facing text.
#pragma once

#include <QByteArray>

namespace sk::proto {

// One enum for parse errors (from either front-end) and policy refusals (from the core).
// The text is what clients show their user, so it names the problem plainly.
enum class TrackerError : unsigned char
{
    None = 0,
    // request syntax
    MalformedQuery, // bad percent-escape, empty key, control bytes
    MissingInfoHash,
    InvalidInfoHash, // not exactly 20 bytes
    MissingPeerId,
    InvalidPeerId, // not exactly 20 bytes
    MissingPort,
    InvalidPort,
    MissingUploaded,
    InvalidUploaded,
    MissingDownloaded,
    InvalidDownloaded,
    MissingLeft,
    InvalidLeft,
    InvalidEvent,
    InvalidNumwant,
    InvalidCompact,
    InvalidKey,
    DuplicateParameter,
    TooManyInfoHashes,
    UnknownPath,
    // authentication and policy
    MissingPasskey,
    MalformedPasskey,
    UnknownPasskey,
    UnregisteredTorrent,
    LeechingDisabled, // the account may seed, not download
    RatioTooLow,      // below the minimum ratio past the grace bytes: seeding only
    BannedAddress,    // the address (or its range) is banned
    ClientNotAllowed, // the peer_id names a client the whitelist does not list
    RateLimited,      // the address sent more requests than its token bucket allows
    // server side
    Internal,
};

// The bencoded `failure reason` text (plain ASCII, stable: tests and clients match on it).
const char *failureReason(TrackerError e);

} // namespace sk::proto
