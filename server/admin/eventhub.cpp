#include "eventhub.h"

#include "adminserver.h"
#include "shared/api/dto.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkRequest>
#include <QUrlQuery>
#include <QWebSocket>

#include <algorithm>

namespace sk::admin {

struct EventHub::Client
{
    QWebSocket *socket = nullptr; // owned: deleted with deleteLater() when dropped
    TokenIdentity who;
    QSet<QString> types; // empty: every type
    QElapsedTimer lastHeard;
    bool dropped = false;
};

namespace {

// The header token, else ?token= (a browser's WebSocket cannot set headers).
QByteArray feedToken(const QByteArray &authorization, const QByteArray &xAdminToken,
                     const QUrlQuery &query)
{
    const QByteArray token = presentedToken(authorization, xAdminToken);
    return !token.isEmpty()
               ? token
               : query.queryItemValue(QStringLiteral("token"), QUrl::FullyDecoded).toUtf8();
}

QStringList typeList(const QString &commaSeparated)
{
    QStringList names;
    for (const QString &n : commaSeparated.split(QLatin1Char(','), Qt::SkipEmptyParts))
        names << n.trimmed();
    return names;
}

QByteArray errorJson(const char *code, const QString &message)
{
    return QJsonDocument(apiError(0, code, message).body).toJson(QJsonDocument::Compact);
}

} // namespace

EventHub::EventHub(TokenStore &tokens, core::RateLimiter &limiter, const FeedSettings &settings,
                   QObject *parent)
    : QObject(parent), m_tokens(tokens), m_limiter(limiter), m_settings(settings)
{
    connect(&m_heartbeat, &QTimer::timeout, this, &EventHub::heartbeat);
    m_heartbeat.start(std::max(1, m_settings.pingInterval) * 1000);
}

EventHub::~EventHub()
{
    // Every socket, live or closing, is a child: none outlives the hub or calls into it.
    for (QWebSocket *socket : findChildren<QWebSocket *>(Qt::FindDirectChildrenOnly)) {
        socket->disconnect();
        socket->abort();
        delete socket;
    }
}

const QStringList &EventHub::eventTypes()
{
    static const QStringList types{QStringLiteral("stats"),  QStringLiteral("swarm"),
                                   QStringLiteral("user"),   QStringLiteral("torrent"),
                                   QStringLiteral("ban"),    QStringLiteral("whitelist"),
                                   QStringLiteral("snatch"), QStringLiteral("hnr")};
    return types;
}

QJsonArray EventHub::subscribedTypes(const QSet<QString> &types)
{
    QJsonArray names;
    for (const QString &t : eventTypes())
        if (types.isEmpty() || types.contains(t))
            names.append(t);
    return names;
}

bool EventHub::parseTypes(const QStringList &names, QSet<QString> &out, QString *error)
{
    QSet<QString> types;
    for (const QString &n : names) {
        if (n == QLatin1String("*")) {
            out.clear();
            return true;
        }
        if (!eventTypes().contains(n)) {
            *error = QStringLiteral("unknown event type \"%1\"; the types are %2, or *")
                         .arg(n.left(64), eventTypes().join(QStringLiteral(", ")));
            return false;
        }
        types.insert(n);
    }
    out = types;
    return true;
}

void EventHub::attach(QHttpServer &server)
{
    m_server = &server;
    // QHttpServer 6.4 runs the matching route before it hands an upgrade to its WebSocket
    // server: a refusal answered here is all the client gets; writing nothing lets the
    // upgrade through.
    server.route(QStringLiteral("/ws"), [this](const QHttpServerRequest &request,
                                               QHttpServerResponder &&responder) {
        const auto reply = [&](int status, const char *code, const QString &message) {
            responder.write(errorJson(code, message), "application/json",
                            static_cast<QHttpServerResponder::StatusCode>(status));
        };
        if (const auto ip = proto::IpAddress::fromHostAddress(request.remoteAddress());
            ip && !m_limiter.allow(*ip, core::RateKind::Admin))
            return reply(429, "rate_limited",
                         QStringLiteral("too many requests from this address; retry later"));
        if (!m_tokens.verify(feedToken(request.value("authorization"),
                                       request.value("x-admin-token"), request.query())))
            return reply(401, "unauthorized",
                         QStringLiteral("missing or invalid token: send Authorization: Bearer "
                                        "<token> or ?token="));
        if (request.method() != QHttpServerRequest::Method::Get)
            return reply(405, "method_not_allowed",
                         QStringLiteral("/ws takes GET only (a WebSocket handshake)"));
        if (request.value("upgrade").compare("websocket", Qt::CaseInsensitive) != 0)
            return reply(400, "upgrade_required",
                         QStringLiteral("/ws is a WebSocket: send Upgrade: websocket"));
        QSet<QString> types;
        QString error;
        if (!parseTypes(typeList(request.query().queryItemValue(QStringLiteral("types"))), types,
                        &error))
            return reply(400, "invalid_parameter", error);
        if (clientCount() >= std::size_t(m_settings.maxClients))
            return reply(503, "too_many_clients",
                         QStringLiteral("the live feed has %1 clients, its maximum")
                             .arg(m_settings.maxClients));
        // Nothing written: the upgrade follows.
    });
    connect(&server, &QAbstractHttpServer::newWebSocketConnection, this, [this] {
        while (m_server->hasPendingWebSocketConnections())
            accept(m_server->nextPendingWebSocketConnection().release());
    });
}

void EventHub::accept(QWebSocket *socket)
{
    socket->setParent(this);
    const QNetworkRequest &request = socket->request();
    const QUrlQuery query(socket->requestUrl());
    const auto who = m_tokens.verify(
        feedToken(request.rawHeader("Authorization"), request.rawHeader("X-Admin-Token"), query));
    QSet<QString> types;
    QString error;
    // The route refused these already; a request that slipped past it is closed here.
    if (!who ||
        !parseTypes(typeList(query.queryItemValue(QStringLiteral("types"))), types, &error) ||
        clientCount() >= std::size_t(m_settings.maxClients)) {
        socket->close(QWebSocketProtocol::CloseCodePolicyViolated,
                      QStringLiteral("refused: token, types or client limit"));
        connect(socket, &QWebSocket::disconnected, socket, &QObject::deleteLater);
        QTimer::singleShot(2000, socket, [socket] { socket->abort(); });
        return;
    }
    auto client = std::make_unique<Client>();
    Client *c = client.get();
    c->socket = socket;
    c->who = *who;
    c->types = types;
    c->lastHeard.start();
    socket->setMaxAllowedIncomingMessageSize(quint64(m_settings.maxMessageBytes));
    socket->setMaxAllowedIncomingFrameSize(quint64(m_settings.maxMessageBytes));
    m_clients.push_back(std::move(client));
    connect(socket, &QWebSocket::textMessageReceived, this,
            [this, c](const QString &m) { received(c, m); });
    connect(socket, &QWebSocket::binaryMessageReceived, this, [this, c](const QByteArray &) {
        c->lastHeard.restart();
        send(c, QString::fromUtf8(
                    errorJson("invalid_message", QStringLiteral("send JSON text messages"))));
    });
    connect(socket, &QWebSocket::pong, this,
            [c](quint64, const QByteArray &) { c->lastHeard.restart(); });
    connect(socket, &QWebSocket::disconnected, this,
            [this, c] { drop(c, QWebSocketProtocol::CloseCodeNormal, {}); });

    const QJsonObject hello{{QStringLiteral("type"), QStringLiteral("hello")},
                            {QStringLiteral("seq"), qint64(m_seq)},
                            {QStringLiteral("api_version"), api::apiVersion},
                            {QStringLiteral("token"), who->name},
                            {QStringLiteral("role"), roleName(who->role)},
                            {QStringLiteral("types"), subscribedTypes(types)},
                            {QStringLiteral("ping_interval"), m_settings.pingInterval}};
    send(c, QString::fromUtf8(QJsonDocument(hello).toJson(QJsonDocument::Compact)));
}

void EventHub::received(Client *c, const QString &message)
{
    c->lastHeard.restart();
    const QJsonDocument doc = QJsonDocument::fromJson(message.toUtf8());
    const QJsonValue subscribe = doc.object().value(QStringLiteral("subscribe"));
    const auto answer = [&](const QJsonObject &o) {
        send(c, QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact)));
    };
    const auto refuse = [&](const QString &message) {
        answer(QJsonObject{{QStringLiteral("type"), QStringLiteral("error")},
                           {QStringLiteral("seq"), qint64(m_seq)},
                           {QStringLiteral("message"), message}});
    };
    if (!doc.isObject() || !subscribe.isArray())
        return refuse(QStringLiteral("send {\"subscribe\": [types...]} (or [\"*\"])"));
    QStringList names;
    for (const QJsonValue &v : subscribe.toArray())
        names << (v.isString() ? v.toString() : QStringLiteral("(not a string)"));
    QString error;
    if (!parseTypes(names, c->types, &error))
        return refuse(error);
    answer(QJsonObject{{QStringLiteral("type"), QStringLiteral("subscribed")},
                       {QStringLiteral("seq"), qint64(m_seq)},
                       {QStringLiteral("types"), subscribedTypes(c->types)}});
}

std::size_t EventHub::clientCount() const
{
    return std::size_t(std::count_if(m_clients.begin(), m_clients.end(),
                                     [](const auto &c) { return !c->dropped; }));
}

FeedStats EventHub::stats() const
{
    return {clientCount(), m_seq, m_droppedSlow, m_droppedIdle};
}

bool EventHub::wanted(const QString &type) const
{
    return std::any_of(m_clients.begin(), m_clients.end(), [&](const auto &c) {
        return !c->dropped && (c->types.isEmpty() || c->types.contains(type));
    });
}

void EventHub::publish(const QString &type, QJsonObject event)
{
    if (!wanted(type))
        return;
    event.insert(QStringLiteral("type"), type);
    event.insert(QStringLiteral("seq"), qint64(++m_seq));
    event.insert(QStringLiteral("at"), api::isoTime(QDateTime::currentSecsSinceEpoch()));
    QString full;
    QString withoutPasskeys;
    for (std::size_t i = 0; i < m_clients.size(); ++i) {
        Client *c = m_clients[i].get();
        if (c->dropped || !(c->types.isEmpty() || c->types.contains(type)))
            continue;
        QString &text = c->who.role == Role::Readonly ? withoutPasskeys : full;
        if (text.isEmpty()) {
            QJsonObject o = event;
            if (c->who.role == Role::Readonly) {
                QJsonObject data = o.value(QStringLiteral("data")).toObject();
                hidePasskeys(data);
                if (o.contains(QStringLiteral("data")))
                    o.insert(QStringLiteral("data"), data);
            }
            text = QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
        }
        send(c, text);
    }
}

void EventHub::send(Client *c, const QString &text)
{
    if (c->dropped)
        return;
    c->socket->sendTextMessage(text);
    if (c->socket->bytesToWrite() > m_settings.maxQueuedBytes) {
        ++m_droppedSlow;
        drop(c, QWebSocketProtocol::CloseCodePolicyViolated,
             QStringLiteral("too slow: more than %1 bytes of events unsent")
                 .arg(m_settings.maxQueuedBytes));
    }
}

void EventHub::drop(Client *c, int closeCode, const QString &reason)
{
    if (c->dropped)
        return;
    c->dropped = true;
    if (!reason.isEmpty())
        qInfo("swarmkeeperd: live feed: closed the client of token \"%s\": %s",
              qPrintable(c->who.name), qPrintable(reason));
    QWebSocket *socket = c->socket;
    socket->disconnect(this);
    if (socket->state() == QAbstractSocket::ConnectedState && !reason.isEmpty()) {
        // The close frame waits behind what is queued: give it a moment, then cut.
        socket->close(static_cast<QWebSocketProtocol::CloseCode>(closeCode), reason);
        QTimer::singleShot(2000, socket, [socket] { socket->abort(); });
        connect(socket, &QWebSocket::disconnected, socket, &QObject::deleteLater);
    } else {
        socket->abort();
        socket->deleteLater();
    }
    // Removed after the current loop over clients (publish may be iterating).
    QTimer::singleShot(0, this, [this, c] {
        m_clients.erase(std::remove_if(m_clients.begin(), m_clients.end(),
                                       [c](const auto &p) { return p.get() == c; }),
                        m_clients.end());
    });
}

void EventHub::heartbeat()
{
    const qint64 idleMs = qint64(m_settings.idleTimeout) * 1000;
    for (std::size_t i = 0; i < m_clients.size(); ++i) {
        Client *c = m_clients[i].get();
        if (c->dropped)
            continue;
        if (c->lastHeard.elapsed() > idleMs) {
            ++m_droppedIdle;
            drop(c, QWebSocketProtocol::CloseCodeGoingAway,
                 QStringLiteral("no answer for %1 s").arg(m_settings.idleTimeout));
        } else
            c->socket->ping();
    }
}

} // namespace sk::admin
