// EventHub: the /ws live feed on the admin listener. Clients authenticate with a token (the
// Authorization header, X-Admin-Token or ?token=), may subscribe to a subset of event types,
// and get JSON text messages, each with `type` and a `seq` that grows by one per event
// published. A client whose unsent bytes pass a bound is closed with a reason; one that
// answers neither pings nor anything else for `idleTimeout` seconds is dropped.
#pragma once

#include "server/core/ratelimiter.h"
#include "tokenstore.h"

#include <QHttpServer>
#include <QJsonObject>
#include <QObject>
#include <QSet>
#include <QStringList>
#include <QTimer>

#include <cstdint>
#include <memory>
#include <vector>

class QWebSocket;

namespace sk::admin {

struct FeedSettings
{
    int maxClients = 64;
    qint64 maxQueuedBytes = 1 << 20; // unsent bytes per client before it is closed as too slow
    int pingInterval = 20;           // seconds between pings
    int idleTimeout = 60;            // seconds without a pong or message before a client is dropped
    int maxSwarmChanges = 1000;      // swarms in one `swarm` event
    int maxMessageBytes = 4096;      // largest message a client may send (subscriptions)
};

struct FeedStats
{
    std::size_t clients = 0;
    std::uint64_t published = 0;   // events (seq)
    std::uint64_t droppedSlow = 0; // closed: too many unsent bytes
    std::uint64_t droppedIdle = 0; // dropped: no answer within idle_timeout
};

class EventHub : public QObject
{
    Q_OBJECT
public:
    EventHub(TokenStore &tokens, core::RateLimiter &limiter, const FeedSettings &settings,
             QObject *parent = nullptr);
    ~EventHub() override;

    // Serves /ws on `server` (a route that lets the upgrade through once the token is good).
    void attach(QHttpServer &server);
    // Sends `event` (its fields; `type`, `seq` and `at` are added) to every client subscribed
    // to `type`. Readonly clients get it without passkeys.
    void publish(const QString &type, QJsonObject event);
    // Whether any client wants `type`: work for an event nobody reads can be skipped.
    bool wanted(const QString &type) const;
    std::size_t clientCount() const;
    FeedStats stats() const;

    // Every event type, in the order the hello message lists them.
    static const QStringList &eventTypes();

private:
    struct Client;
    void accept(QWebSocket *socket);
    void received(Client *c, const QString &message);
    // Replaces the subscription; false with `error` set for an unknown type.
    static bool parseTypes(const QStringList &names, QSet<QString> &out, QString *error);
    // The types a subscription receives, in eventTypes() order (empty set: all).
    static QJsonArray subscribedTypes(const QSet<QString> &types);
    void send(Client *c, const QString &text);
    void drop(Client *c, int closeCode, const QString &reason);
    void heartbeat();

    TokenStore &m_tokens;
    core::RateLimiter &m_limiter;
    FeedSettings m_settings;
    QHttpServer *m_server = nullptr;
    std::vector<std::unique_ptr<Client>> m_clients;
    std::uint64_t m_seq = 0;
    std::uint64_t m_droppedSlow = 0;
    std::uint64_t m_droppedIdle = 0;
    QTimer m_heartbeat;
};

} // namespace sk::admin
