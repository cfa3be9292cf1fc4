// PeerProber: answers the ReachabilityCache's probes with non-blocking TCP connects to the
// peers' announced endpoints, on a thread of its own, a bounded number at a time.
#pragma once

#include "server/core/clock.h"
#include "server/core/peerstore.h"
#include "server/core/reachability.h"

#include <QHash>
#include <QObject>
#include <QThread>

#include <atomic>
#include <cstdint>
#include <optional>

class QTcpSocket;
class QTimer;

namespace sk::net {

struct ProberStats
{
    std::uint32_t inFlight = 0;
    std::uint32_t peakInFlight = 0;
    std::uint64_t started = 0;
};

class PeerProber
{
public:
    // Probes connect for at most settings.connectTimeoutMs, settings.maxConcurrent at once.
    PeerProber(core::ReachabilityCache &cache, core::PeerStore &peers, const core::Clock &clock);
    ~PeerProber(); // stops

    // Starts the prober's thread and hooks it to the cache's queue.
    void start();
    // Abandons the probes under way (their endpoints stay pending) and ends the thread.
    void stop();
    ProberStats stats() const;

private:
    void pump(); // on the prober's thread: starts queued probes while there is room
    void launch(const core::ProbeRequest &request);
    // `answer` empty: the probe ended without one (the endpoint is released, not marked).
    void finish(QTcpSocket *socket, QTimer *timer, const core::ProbeRequest &request,
                std::optional<core::Reachability> answer, bool timedOut = false);

    core::ReachabilityCache &m_cache;
    core::PeerStore &m_peers;
    const core::Clock &m_clock;
    QThread m_thread;
    QObject *m_context = nullptr;                       // lives on m_thread; parent of every socket
    QHash<QTcpSocket *, core::ProbeRequest> m_underWay; // the prober's thread only
    std::atomic<std::uint32_t> m_inFlight{0};
    std::atomic<std::uint32_t> m_peak{0};
    std::atomic<std::uint64_t> m_started{0};
};

} // namespace sk::net
