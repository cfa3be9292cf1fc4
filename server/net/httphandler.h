// handleTrackerRequest: turns one HTTP request-target into a bencoded reply via the core.
#pragma once

#include "server/core/announceservice.h"
#include "server/core/metrics.h"

#include <QByteArray>
#include <QByteArrayView>

namespace sk::net {

struct TrackerReply
{
    int status = 200; // tracker failures are 200: clients only read the bencoded body
    QByteArray body;
};

// Parses the target (/<passkey>/announce?… or /<passkey>/scrape?…), asks the service and
// encodes the answer; every refusal is a bencoded `failure reason`. Counted in `metrics`
// unless it is null.
TrackerReply handleTrackerRequest(core::AnnounceService &service, QByteArrayView target,
                                  const proto::IpAddress &client, int maxScrapeHashes,
                                  core::MetricsShard *metrics = nullptr);

} // namespace sk::net
