#include "httplistener.h"

#include "httphandler.h"

#include <QTcpSocket>
#include <QTimer>

#include <algorithm>
#include <cerrno>
#include <sys/socket.h>

namespace sk::net {

namespace http = proto::http;

// One client connection: reads, parses pipelined requests in order, writes replies in order.
class HttpConnection : public QObject
{
public:
    HttpConnection(qintptr fd, HttpListener *listener)
        : QObject(listener), m_listener(listener), m_socket(new QTcpSocket(this))
    {
        m_socket->setSocketDescriptor(fd);
        // Qt reads from the kernel into an unbounded buffer by default; bounding it turns a
        // flood into TCP backpressure. Twice the largest request keeps one always readable.
        m_socket->setReadBufferSize(
            2 * (listener->settings().maxRequestLine + listener->settings().maxHeaderBytes) + 4096);
        m_lastActivity = listener->now();
        m_client =
            proto::IpAddress::fromHostAddress(m_socket->peerAddress()).value_or(proto::IpAddress{});
        connect(m_socket, &QTcpSocket::readyRead, this, &HttpConnection::onReadyRead);
        connect(m_socket, &QTcpSocket::disconnected, this, &HttpConnection::finish);
        connect(m_socket, &QTcpSocket::errorOccurred, this, &HttpConnection::finish);
    }

    std::int64_t lastActivity() const { return m_lastActivity; }
    void closeIdle()
    {
        m_socket->abort();
        finish();
    }

private:
    void onReadyRead()
    {
        m_lastActivity = m_listener->now();
        if (m_closing) {
            m_socket->readAll(); // a reply with Connection: close is on its way: ignore the rest
            return;
        }
        // Straight into the tail of the parse buffer: readAll() would allocate a new array for
        // every segment.
        const qint64 avail = m_socket->bytesAvailable();
        if (avail > 0) {
            const qsizetype old = m_in.size();
            m_in.resize(old + avail);
            const qint64 got = m_socket->read(m_in.data() + old, avail);
            m_in.resize(old + std::max<qint64>(got, 0));
        }
        const http::Limits &limits = m_listener->limits();
        const HttpSettings &settings = m_listener->settings();
        QByteArray out;
        qsizetype offset = 0;
        while (offset < m_in.size()) {
            const http::Result r = http::parse(QByteArrayView(m_in).sliced(offset), limits);
            if (r.status == http::Status::NeedMore)
                break;
            if (r.status == http::Status::Failed) {
                const int status = http::statusFor(r.error);
                http::appendResponse(out, status, "text/plain",
                                     QByteArrayView(http::reasonPhrase(status)), false,
                                     r.request.head);
                if (auto *metrics = m_listener->metrics())
                    metrics->refused(core::Protocol::Http, core::FrontError::BadHttpRequest);
                m_closing = true;
                break;
            }
            const TrackerReply reply =
                handleTrackerRequest(m_listener->service(), r.request.target, m_client,
                                     settings.maxScrapeHashes, m_listener->metrics());
            http::appendResponse(out, reply.status, "text/plain", reply.body, r.request.keepAlive,
                                 r.request.head);
            offset += r.consumed;
            if (!r.request.keepAlive) {
                m_closing = true;
                break;
            }
        }
        if (m_closing)
            m_in.clear();
        else
            m_in.remove(0, offset);
        if (!out.isEmpty())
            send(out);
        if (m_finished)
            return;
        if (m_closing) {
            m_socket->disconnectFromHost(); // flushes what was written, then closes
        } else if (m_socket->bytesToWrite() > settings.maxPendingOutput) {
            m_socket->abort(); // pipelines requests but does not read replies
            finish();
        }
    }

    // With nothing queued in the socket, the reply goes to the kernel at once: QTcpSocket::write
    // would queue it and arm a write notifier for the next loop pass, twice the event-loop
    // work per keep-alive request. Whatever the kernel does not take is queued as before.
    void send(const QByteArray &out)
    {
        qsizetype sent = 0;
        if (m_socket->bytesToWrite() == 0) {
            const ssize_t n =
                ::send(static_cast<int>(m_socket->socketDescriptor()), out.constData(),
                       static_cast<std::size_t>(out.size()), MSG_NOSIGNAL);
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                m_socket->abort(); // the peer is gone: nothing to flush
                finish();
                return;
            }
            sent = n > 0 ? n : 0;
        }
        if (sent < out.size())
            m_socket->write(out.constData() + sent, out.size() - sent);
    }

    void finish()
    {
        if (m_finished)
            return;
        m_finished = true;
        m_listener->forget(this);
        deleteLater();
    }

    HttpListener *m_listener;
    QTcpSocket *m_socket;
    QByteArray m_in;
    proto::IpAddress m_client;
    std::int64_t m_lastActivity = 0;
    bool m_closing = false;
    bool m_finished = false;
};

HttpListener::HttpListener(core::AnnounceService &service, const core::Clock &clock,
                           const HttpSettings &settings, core::MetricsShard *metrics,
                           QObject *parent)
    : QTcpServer(parent), m_service(service), m_clock(clock), m_settings(settings),
      m_metrics(metrics), m_idleTimer(new QTimer(this))
{
    m_limits.maxRequestLine = settings.maxRequestLine;
    m_limits.maxHeaders = settings.maxHeaders;
    m_limits.maxHeaderBytes = settings.maxHeaderBytes;
    m_idleTimer->setInterval(1000);
    connect(m_idleTimer, &QTimer::timeout, this, &HttpListener::closeIdle);
    m_idleTimer->start();
}

HttpListener::~HttpListener()
{
    // Children (connections) are deleted by QObject; they must not call forget() then.
    m_connections.clear();
}

void HttpListener::incomingConnection(qintptr fd)
{
    if (static_cast<int>(m_connections.size()) >= m_settings.maxConnections) {
        QTcpSocket refused;
        refused.setSocketDescriptor(fd);
        refused.abort(); // at the bound: refuse rather than grow without limit
        return;
    }
    m_connections.insert(new HttpConnection(fd, this));
}

void HttpListener::forget(HttpConnection *c)
{
    m_connections.erase(c);
}

void HttpListener::closeIdle()
{
    const std::int64_t cutoff = now() - m_settings.idleTimeout;
    std::vector<HttpConnection *> idle;
    for (HttpConnection *c : m_connections)
        if (c->lastActivity() < cutoff)
            idle.push_back(c);
    for (HttpConnection *c : idle)
        c->closeIdle();
}

} // namespace sk::net
