// HttpListener: the tracker's HTTP/1.1 port in one worker: raw QTcpServer, our bounded parser.
#pragma once

#include "server/core/announceservice.h"
#include "server/core/metrics.h"
#include "shared/protocol/httpparser.h"

#include <QTcpServer>

#include <cstdint>
#include <unordered_set>

class QTimer;

namespace sk::net {

struct HttpSettings
{
    int maxConnections = 20000; // per worker; each idle keep-alive connection costs ~5 KiB
    int idleTimeout = 30;       // seconds without a byte before a connection is closed
    int maxRequestLine = 8192;  // a 64-hash scrape is ~4.5 KiB; announces are ~300 bytes
    int maxHeaders = 32;        // real clients send fewer than 10
    int maxHeaderBytes = 8192;
    int maxScrapeHashes = 64;       // bounds reply size and the work one request can cause
    int maxPendingOutput = 1 << 20; // a client that pipelines without reading is cut off here
};

class HttpConnection;

class HttpListener : public QTcpServer
{
    Q_OBJECT
public:
    HttpListener(core::AnnounceService &service, const core::Clock &clock,
                 const HttpSettings &settings, core::MetricsShard *metrics = nullptr,
                 QObject *parent = nullptr);
    ~HttpListener() override;

    core::AnnounceService &service() { return m_service; }
    core::MetricsShard *metrics() { return m_metrics; }
    const HttpSettings &settings() const { return m_settings; }
    const proto::http::Limits &limits() const { return m_limits; }
    std::int64_t now() const { return m_clock.now(); }
    void forget(HttpConnection *c);
    std::size_t connectionCount() const { return m_connections.size(); }

protected:
    void incomingConnection(qintptr fd) override;

private:
    void closeIdle();

    core::AnnounceService &m_service;
    const core::Clock &m_clock;
    HttpSettings m_settings;
    core::MetricsShard *m_metrics;
    proto::http::Limits m_limits;
    std::unordered_set<HttpConnection *> m_connections;
    QTimer *m_idleTimer;
};

} // namespace sk::net
