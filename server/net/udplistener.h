// UdpListener: serves BEP 15 on a raw UDP fd inside a worker's Qt event loop (recvmmsg/sendmmsg).
#pragma once

#include "connectionid.h"
#include "server/core/announceservice.h"
#include "server/core/metrics.h"

#include <QObject>

#include <chrono>
#include <memory>

class QSocketNotifier;

namespace sk::net {

struct UdpSettings
{
    // Datagrams per recvmmsg/sendmmsg call and calls per wake-up: the bound keeps one busy
    // UDP socket from starving the worker's TCP connections (≤16×64 per turn of the loop).
    int batchSize = 64;
    int maxBatchesPerWakeup = 16;
    std::uint32_t maxScrapeHashes = 74; // BEP 15: "up to about 74 torrents" per scrape
    // Peers per reply: 200×6+20 and 80×18+20 bytes stay below a 1500-byte Ethernet MTU, so
    // replies are never fragmented (opentracker bounds IPv4 replies to 200 peers too).
    std::uint32_t maxPeersV4 = 200;
    std::uint32_t maxPeersV6 = 80;
    bool anonymousScrape = true; // BEP 41 data cannot follow a scrape, so a passkey can't either
};

class UdpListener : public QObject
{
    Q_OBJECT
public:
    UdpListener(int fd, core::AnnounceService &service, const ConnectionIds &ids,
                const core::Clock &clock, const UdpSettings &settings,
                core::MetricsShard *metrics = nullptr, QObject *parent = nullptr);
    ~UdpListener() override;

private:
    void drain();
    // Handles one datagram; returns the reply size (0: stay silent). `mark` is when the
    // announce latency of this datagram started: the end of the last announce handled in
    // this batch, or the batch's arrival. An announce's latency is then one clock read, and
    // the cheap datagrams before it (connects, refusals) count in it.
    std::size_t handle(const char *data, std::size_t size, const proto::IpAddress &ip,
                       std::uint16_t port, std::int64_t now,
                       std::chrono::steady_clock::time_point &mark, char *reply, std::size_t cap);

    struct Buffers;
    int m_fd;
    core::AnnounceService &m_service;
    const ConnectionIds &m_ids;
    const core::Clock &m_clock;
    UdpSettings m_settings;
    core::MetricsShard *m_metrics; // null: not counted
    QSocketNotifier *m_notifier;
    std::unique_ptr<Buffers> m_buf;
    proto::AnnounceResult m_result; // reused: its buffers keep their capacity
    proto::ScrapeResult m_scrape;
};

} // namespace sk::net
