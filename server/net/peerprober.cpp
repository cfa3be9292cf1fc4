#include "peerprober.h"

#include <QNetworkProxy>
#include <QTcpSocket>
#include <QTimer>

#include <vector>

namespace sk::net {

PeerProber::PeerProber(core::ReachabilityCache &cache, core::PeerStore &peers,
                       const core::Clock &clock)
    : m_cache(cache), m_peers(peers), m_clock(clock)
{
    m_thread.setObjectName(QStringLiteral("prober"));
}

PeerProber::~PeerProber()
{
    stop();
}

void PeerProber::start()
{
    if (m_context)
        return;
    m_context = new QObject;
    m_context->moveToThread(&m_thread);
    m_thread.start();
    QObject *context = m_context;
    m_cache.setWakeup([this, context] {
        QMetaObject::invokeMethod(
            context, [this] { pump(); }, Qt::QueuedConnection);
    });
    // Probes queued before the wakeup was set.
    QMetaObject::invokeMethod(
        context, [this] { pump(); }, Qt::QueuedConnection);
}

void PeerProber::stop()
{
    if (!m_context)
        return;
    m_cache.setWakeup({}); // returns once no announce is calling it
    // The sockets belong to the prober's thread: they are closed and deleted there. Probes
    // under way or still queued end without an answer, so their endpoints are not left
    // pending (their next announces ask again).
    QObject *context = m_context;
    QMetaObject::invokeMethod(
        context,
        [this, context] {
            for (const core::ProbeRequest &r : std::as_const(m_underWay))
                m_cache.release(r.endpoint);
            m_underWay.clear();
            delete context;
            std::vector<core::ProbeRequest> queued;
            m_cache.take(queued, std::size_t(-1));
            for (const core::ProbeRequest &r : queued)
                m_cache.release(r.endpoint);
        },
        Qt::BlockingQueuedConnection);
    m_context = nullptr;
    m_thread.quit();
    m_thread.wait();
    m_inFlight.store(0);
}

ProberStats PeerProber::stats() const
{
    ProberStats s;
    s.inFlight = m_inFlight.load(std::memory_order_relaxed);
    s.peakInFlight = m_peak.load(std::memory_order_relaxed);
    s.started = m_started.load(std::memory_order_relaxed);
    return s;
}

void PeerProber::pump()
{
    const auto limit = static_cast<std::uint32_t>(m_cache.settings().maxConcurrent);
    std::vector<core::ProbeRequest> batch;
    const std::uint32_t inFlight = m_inFlight.load(std::memory_order_relaxed);
    if (inFlight >= limit)
        return; // a finishing probe pumps again
    m_cache.take(batch, limit - inFlight);
    for (const core::ProbeRequest &r : batch)
        launch(r);
}

void PeerProber::launch(const core::ProbeRequest &request)
{
    const std::uint32_t now = m_inFlight.fetch_add(1, std::memory_order_relaxed) + 1;
    if (now > m_peak.load(std::memory_order_relaxed))
        m_peak.store(now, std::memory_order_relaxed);
    m_started.fetch_add(1, std::memory_order_relaxed);

    auto *socket = new QTcpSocket(m_context);
    socket->setProxy(QNetworkProxy::NoProxy); // the peer itself, never via a proxy
    auto *timer = new QTimer(socket);
    timer->setSingleShot(true);
    QObject::connect(socket, &QAbstractSocket::connected, m_context, [=, this] {
        finish(socket, timer, request, core::Reachability::Connectable);
    });
    QObject::connect(socket, &QAbstractSocket::errorOccurred, m_context,
                     [=, this](QAbstractSocket::SocketError e) {
                         // Only the peer's answer counts. Our own trouble (no free socket, no
                         // route of that family from here, a firewall) says nothing about it.
                         if (e == QAbstractSocket::ConnectionRefusedError ||
                             e == QAbstractSocket::SocketTimeoutError) {
                             finish(socket, timer, request, core::Reachability::Unreachable);
                         } else {
                             finish(socket, timer, request, std::nullopt);
                         }
                     });
    QObject::connect(timer, &QTimer::timeout, m_context, [=, this] {
        finish(socket, timer, request, core::Reachability::Unreachable, true);
    });
    m_underWay.insert(socket, request);
    timer->start(m_cache.settings().connectTimeoutMs);
    socket->connectToHost(request.endpoint.ip().toHostAddress(), request.endpoint.port());
}

void PeerProber::finish(QTcpSocket *socket, QTimer *timer, const core::ProbeRequest &request,
                        std::optional<core::Reachability> answer, bool timedOut)
{
    m_underWay.remove(socket);
    // One answer per probe: nothing of this socket reaches us again.
    QObject::disconnect(socket, nullptr, m_context, nullptr);
    QObject::disconnect(timer, nullptr, m_context, nullptr);
    timer->stop();
    socket->abort();
    socket->deleteLater();
    m_inFlight.fetch_sub(1, std::memory_order_relaxed);
    if (answer) {
        m_cache.record(request.endpoint, *answer, m_clock.now(), timedOut);
        m_peers.setReachability(request.infoHash, request.user, request.peerId, request.endpoint,
                                *answer);
    } else {
        m_cache.release(request.endpoint);
    }
    // Queued, not called: a connect that fails at once finishes inside launch(), and a nested
    // pump there would start probes beyond the bound while the outer batch is still going.
    QMetaObject::invokeMethod(
        m_context, [this] { pump(); }, Qt::QueuedConnection);
}

} // namespace sk::net
