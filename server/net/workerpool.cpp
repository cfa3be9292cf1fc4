#include "workerpool.h"

#include "sockets.h"

#include <QMetaObject>
#include <QThread>

#include <unistd.h>

namespace sk::net {

namespace {
// Deep accept queue: a burst of reconnecting clients after a restart should queue, not fail.
constexpr int kListenBacklog = 4096;
// 4 MiB socket buffers absorb UDP bursts between two wake-ups of a busy worker.
constexpr int kUdpBufferBytes = 4 << 20;
} // namespace

WorkerPool::WorkerPool(core::AnnounceService &service, const core::Clock &clock,
                       const ConnectionIds &ids, core::TrackerMetrics *metrics)
    : m_service(service), m_clock(clock), m_ids(ids), m_metrics(metrics)
{}

WorkerPool::~WorkerPool()
{
    stop();
}

bool WorkerPool::start(const ListenSettings &s, QString *error)
{
    const int n = s.workers > 0 ? s.workers : 1;
    std::vector<int> tcpFds;
    std::vector<int> udpFds;
    auto closeAll = [&] {
        for (int fd : tcpFds)
            ::close(fd);
        for (int fd : udpFds)
            ::close(fd);
    };
    for (int i = 0; i < n; ++i) {
        if (s.httpPort >= 0) {
            const quint16 port = i == 0 ? quint16(s.httpPort) : m_httpPort;
            const int fd = openBoundSocket(SocketKind::Tcp, s.bind, port, kListenBacklog, error);
            if (fd < 0) {
                closeAll();
                return false;
            }
            tcpFds.push_back(fd);
            m_httpPort = boundPort(fd);
        }
        if (s.udpPort >= 0) {
            const quint16 port = i == 0 ? quint16(s.udpPort) : m_udpPort;
            const int fd = openBoundSocket(SocketKind::Udp, s.bind, port, 0, error);
            if (fd < 0) {
                closeAll();
                return false;
            }
            setBufferSizes(fd, kUdpBufferBytes);
            udpFds.push_back(fd);
            m_udpPort = boundPort(fd);
        }
    }

    for (int i = 0; i < n; ++i) {
        auto *thread = new QThread;
        thread->setObjectName(QStringLiteral("worker-%1").arg(i));
        auto *context = new QObject;
        context->moveToThread(thread);
        thread->start();
        const int tcp = s.httpPort >= 0 ? tcpFds[static_cast<std::size_t>(i)] : -1;
        const int udp = s.udpPort >= 0 ? udpFds[static_cast<std::size_t>(i)] : -1;
        bool ok = true;
        core::MetricsShard *metrics = m_metrics ? &m_metrics->shard(std::size_t(i)) : nullptr;
        QMetaObject::invokeMethod(
            context,
            [&, context, tcp, udp, metrics] {
                if (tcp >= 0) {
                    auto *http = new HttpListener(m_service, m_clock, s.http, metrics, context);
                    if (!http->setSocketDescriptor(tcp)) {
                        *error = QStringLiteral("cannot adopt HTTP socket: ") + http->errorString();
                        ok = false;
                    }
                }
                if (udp >= 0)
                    new UdpListener(udp, m_service, m_ids, m_clock, s.udp, metrics, context);
            },
            Qt::BlockingQueuedConnection);
        m_threads.push_back(thread);
        m_contexts.push_back(context);
        if (!ok) {
            stop();
            return false;
        }
    }
    return true;
}

void WorkerPool::stop()
{
    for (std::size_t i = 0; i < m_threads.size(); ++i) {
        QObject *context = m_contexts[i];
        // Listeners own sockets and notifiers: they must die in their own thread.
        QMetaObject::invokeMethod(
            context, [context] { qDeleteAll(context->children()); }, Qt::BlockingQueuedConnection);
        m_threads[i]->quit();
        m_threads[i]->wait();
        delete context;
        delete m_threads[i];
    }
    m_threads.clear();
    m_contexts.clear();
}

} // namespace sk::net
