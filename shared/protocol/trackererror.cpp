#include "trackererror.h"

namespace sk::proto {

const char *failureReason(TrackerError e)
{
    switch (e) {
    case TrackerError::None:
        return "";
    case TrackerError::MalformedQuery:
        return "malformed request: invalid query string";
    case TrackerError::MissingInfoHash:
        return "missing info_hash";
    case TrackerError::InvalidInfoHash:
        return "invalid info_hash: must be exactly 20 bytes";
    case TrackerError::MissingPeerId:
        return "missing peer_id";
    case TrackerError::InvalidPeerId:
        return "invalid peer_id: must be exactly 20 bytes";
    case TrackerError::MissingPort:
        return "missing port";
    case TrackerError::InvalidPort:
        return "invalid port";
    case TrackerError::MissingUploaded:
        return "missing uploaded";
    case TrackerError::InvalidUploaded:
        return "invalid uploaded";
    case TrackerError::MissingDownloaded:
        return "missing downloaded";
    case TrackerError::InvalidDownloaded:
        return "invalid downloaded";
    case TrackerError::MissingLeft:
        return "missing left";
    case TrackerError::InvalidLeft:
        return "invalid left";
    case TrackerError::InvalidEvent:
        return "invalid event";
    case TrackerError::InvalidNumwant:
        return "invalid numwant";
    case TrackerError::InvalidCompact:
        return "invalid compact";
    case TrackerError::InvalidKey:
        return "invalid key";
    case TrackerError::DuplicateParameter:
        return "malformed request: repeated parameter";
    case TrackerError::TooManyInfoHashes:
        return "too many info_hashes in one scrape";
    case TrackerError::UnknownPath:
        return "unknown path: use /<passkey>/announce or /<passkey>/scrape";
    case TrackerError::MissingPasskey:
        return "missing passkey: use /<passkey>/announce";
    case TrackerError::MalformedPasskey:
        return "malformed passkey";
    case TrackerError::UnknownPasskey:
        return "unknown passkey";
    case TrackerError::UnregisteredTorrent:
        return "torrent not registered with this tracker";
    case TrackerError::LeechingDisabled:
        return "leeching is disabled for this account; seeding is still allowed";
    case TrackerError::RatioTooLow:
        return "your ratio is below the tracker's minimum; seed to download again";
    case TrackerError::BannedAddress:
        return "your IP address is banned from this tracker";
    case TrackerError::ClientNotAllowed:
        return "your BitTorrent client is not allowed on this tracker; see its list of allowed "
               "clients";
    case TrackerError::RateLimited:
        return "too many requests from your address; slow down and announce again later";
    case TrackerError::Internal:
        return "internal tracker error";
    }
    return "internal tracker error";
}

} // namespace sk::proto
