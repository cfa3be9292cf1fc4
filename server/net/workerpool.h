// WorkerPool: N threads, each with its own event loop, HTTP listener and UDP socket on shared
// ports.
#pragma once

#include "connectionid.h"
#include "httplistener.h"
#include "udplistener.h"

#include <QHostAddress>
#include <QString>

#include <vector>

class QObject;
class QThread;

namespace sk::net {

struct ListenSettings
{
    int workers = 1;
    QHostAddress bind = QHostAddress(QHostAddress::AnyIPv6);
    int httpPort = 8080; // 0 = any free port; -1 = disabled
    int udpPort = 8081;
    HttpSettings http;
    UdpSettings udp;
};

class WorkerPool
{
public:
    // Worker i counts into metrics->shard(i) (null: nothing counted).
    WorkerPool(core::AnnounceService &service, const core::Clock &clock, const ConnectionIds &ids,
               core::TrackerMetrics *metrics = nullptr);
    ~WorkerPool();

    // Binds every socket first (so a taken port fails the start before any thread runs),
    // then starts the threads. Port 0 is resolved once and shared by all workers.
    bool start(const ListenSettings &settings, QString *error);
    void stop();

    quint16 httpPort() const { return m_httpPort; }
    quint16 udpPort() const { return m_udpPort; }

private:
    core::AnnounceService &m_service;
    const core::Clock &m_clock;
    const ConnectionIds &m_ids;
    core::TrackerMetrics *m_metrics;
    std::vector<QThread *> m_threads;
    std::vector<QObject *> m_contexts;
    quint16 m_httpPort = 0;
    quint16 m_udpPort = 0;
};

} // namespace sk::net
