// Server: the composition root; builds every part from the Config, starts it, and stops it.
#pragma once

#include "config.h"

#include <QByteArray>
#include <QString>

#include <memory>

namespace sk::app {

class Server
{
public:
    explicit Server(const Config &config);
    ~Server();

    // Opens the database, loads users and torrents, binds every port. `adminToken` (from
    // SWARMKEEPER_ADMIN_TOKEN) replaces the generated first-start token when non-empty.
    bool start(const QByteArray &adminToken, QString *error);
    void stop();

    quint16 httpPort() const;
    quint16 udpPort() const;
    quint16 adminPort() const;
    // Set when this start generated the first admin token: shown once, stored hashed.
    QString generatedToken() const;

private:
    struct Parts;
    Config m_config;
    std::unique_ptr<Parts> m_parts;
};

// Routes SIGINT/SIGTERM into the Qt event loop (a self-pipe), where they quit the application.
void installSignalHandlers();

// The whole of swarmkeeperd's main(): parse, start, run until a signal, stop.
int run(int argc, char **argv);

} // namespace sk::app
