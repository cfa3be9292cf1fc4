#include "httphandler.h"

#include "shared/protocol/httpannounce.h"

#include <chrono>

namespace sk::net {

namespace http = proto::http;
using proto::TrackerError;

TrackerReply handleTrackerRequest(core::AnnounceService &service, QByteArrayView target,
                                  const proto::IpAddress &client, int maxScrapeHashes,
                                  core::MetricsShard *metrics)
{
    TrackerReply reply;
    const auto &settings = service.settings();
    auto failure = [&](TrackerError e) {
        if (metrics)
            metrics->refused(core::Protocol::Http, e);
        reply.body =
            http::encodeFailure(e, service.jitteredInterval(), settings.minAnnounceInterval);
        return reply;
    };
    const http::Target t = http::parseTarget(target);
    if (t.error == TrackerError::UnknownPath) {
        reply.status = 404;
        return failure(t.error);
    }
    if (t.error != TrackerError::None)
        return failure(t.error);

    if (t.kind == http::Target::Kind::Scrape) {
        proto::ScrapeRequest req;
        const TrackerError e = http::parseScrapeQuery(t.query, req, maxScrapeHashes);
        if (e != TrackerError::None)
            return failure(e);
        req.passkey = t.passkey;
        req.clientIp = client;
        proto::ScrapeResult result;
        const TrackerError se = service.scrape(req, false, result);
        if (se != TrackerError::None)
            return failure(se);
        reply.body = http::encodeScrapeReply(result);
        if (metrics)
            metrics->scraped(core::Protocol::Http);
        return reply;
    }

    proto::AnnounceRequest req;
    const TrackerError e = http::parseAnnounceQuery(t.query, req);
    if (e != TrackerError::None)
        return failure(e);
    const auto started = std::chrono::steady_clock::now();
    req.passkey = t.passkey;
    req.clientIp = client;
    proto::AnnounceResult result;
    const TrackerError ae = service.announce(req, core::PeerFamilies::Any, result);
    if (ae != TrackerError::None)
        return failure(ae);
    reply.body = http::encodeAnnounceReply(result, req.compact, req.noPeerId);
    if (metrics)
        metrics->announced(core::Protocol::Http, req.event,
                           std::uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                             std::chrono::steady_clock::now() - started)
                                             .count()));
    return reply;
}

} // namespace sk::net
