#include "metrics.h"

#include <algorithm>

namespace sk::core {

const char *protocolName(Protocol p)
{
    return p == Protocol::Udp ? "udp" : "http";
}

const char *eventName(std::size_t event)
{
    static constexpr const char *names[kAnnounceEvents] = {"update", "completed", "started",
                                                           "stopped"};
    return event < kAnnounceEvents ? names[event] : "update";
}

const char *errorKindName(std::size_t kind)
{
    using E = proto::TrackerError;
    switch (kind) {
    case std::size_t(E::None):
        return "none";
    case std::size_t(E::MalformedQuery):
        return "malformed_query";
    case std::size_t(E::MissingInfoHash):
        return "missing_info_hash";
    case std::size_t(E::InvalidInfoHash):
        return "invalid_info_hash";
    case std::size_t(E::MissingPeerId):
        return "missing_peer_id";
    case std::size_t(E::InvalidPeerId):
        return "invalid_peer_id";
    case std::size_t(E::MissingPort):
        return "missing_port";
    case std::size_t(E::InvalidPort):
        return "invalid_port";
    case std::size_t(E::MissingUploaded):
        return "missing_uploaded";
    case std::size_t(E::InvalidUploaded):
        return "invalid_uploaded";
    case std::size_t(E::MissingDownloaded):
        return "missing_downloaded";
    case std::size_t(E::InvalidDownloaded):
        return "invalid_downloaded";
    case std::size_t(E::MissingLeft):
        return "missing_left";
    case std::size_t(E::InvalidLeft):
        return "invalid_left";
    case std::size_t(E::InvalidEvent):
        return "invalid_event";
    case std::size_t(E::InvalidNumwant):
        return "invalid_numwant";
    case std::size_t(E::InvalidCompact):
        return "invalid_compact";
    case std::size_t(E::InvalidKey):
        return "invalid_key";
    case std::size_t(E::DuplicateParameter):
        return "duplicate_parameter";
    case std::size_t(E::TooManyInfoHashes):
        return "too_many_info_hashes";
    case std::size_t(E::UnknownPath):
        return "unknown_path";
    case std::size_t(E::MissingPasskey):
        return "missing_passkey";
    case std::size_t(E::MalformedPasskey):
        return "malformed_passkey";
    case std::size_t(E::UnknownPasskey):
        return "unknown_passkey";
    case std::size_t(E::UnregisteredTorrent):
        return "unregistered_torrent";
    case std::size_t(E::LeechingDisabled):
        return "leeching_disabled";
    case std::size_t(E::RatioTooLow):
        return "ratio_too_low";
    case std::size_t(E::BannedAddress):
        return "banned_address";
    case std::size_t(E::ClientNotAllowed):
        return "client_not_allowed";
    case std::size_t(E::RateLimited):
        return "rate_limited";
    case std::size_t(E::Internal):
        return "internal";
    case std::size_t(FrontError::MalformedPacket):
        return "malformed_packet";
    case std::size_t(FrontError::InvalidConnectionId):
        return "invalid_connection_id";
    case std::size_t(FrontError::BadHttpRequest):
        return "bad_http_request";
    default:
        return "unknown";
    }
}

std::uint64_t MetricsSnapshot::announceTotal() const
{
    std::uint64_t n = 0;
    for (const auto &perProtocol : announces)
        for (std::uint64_t v : perProtocol)
            n += v;
    return n;
}

std::uint64_t MetricsSnapshot::scrapeTotal() const
{
    return scrapes[0] + scrapes[1];
}

std::uint64_t MetricsSnapshot::errorTotal() const
{
    std::uint64_t n = 0;
    for (const auto &perProtocol : errors)
        for (std::size_t k = 1; k < kErrorKinds; ++k)
            n += perProtocol[k];
    return n;
}

void MetricsShard::announced(Protocol p, proto::AnnounceEvent event, std::uint64_t nanoseconds)
{
    const auto pi = static_cast<std::size_t>(p);
    const auto ei = std::min<std::size_t>(static_cast<std::size_t>(event), kAnnounceEvents - 1);
    bump(m_announces[pi][ei]);
    const std::uint64_t us = nanoseconds / 1000;
    std::size_t b = 0;
    while (b < kLatencyBoundsUs.size() && us > kLatencyBoundsUs[b])
        ++b;
    bump(m_latency[pi][b]);
    bump(m_latencySumNs[pi], nanoseconds);
}

void MetricsShard::scraped(Protocol p)
{
    bump(m_scrapes[static_cast<std::size_t>(p)]);
}

void MetricsShard::refused(Protocol p, std::size_t kind)
{
    if (kind == 0 || kind >= kErrorKinds)
        return;
    bump(m_errors[static_cast<std::size_t>(p)][kind]);
}

void MetricsShard::addTo(MetricsSnapshot &s) const
{
    constexpr auto r = std::memory_order_relaxed;
    for (std::size_t p = 0; p < kProtocols; ++p) {
        for (std::size_t e = 0; e < kAnnounceEvents; ++e)
            s.announces[p][e] += m_announces[p][e].load(r);
        s.scrapes[p] += m_scrapes[p].load(r);
        for (std::size_t k = 0; k < kErrorKinds; ++k)
            s.errors[p][k] += m_errors[p][k].load(r);
        for (std::size_t b = 0; b < kLatencyBuckets; ++b)
            s.latency[p][b] += m_latency[p][b].load(r);
        s.latencySumNs[p] += m_latencySumNs[p].load(r);
    }
}

TrackerMetrics::TrackerMetrics(std::size_t shards)
    : m_shards(new MetricsShard[shards ? shards : 1]), m_count(shards ? shards : 1)
{}

MetricsSnapshot TrackerMetrics::snapshot() const
{
    MetricsSnapshot s;
    for (std::size_t i = 0; i < m_count; ++i)
        m_shards[i].addTo(s);
    return s;
}

} // namespace sk::core
