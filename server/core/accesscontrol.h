// AccessControl: administration of IP bans and the client whitelist; writes the database
// first, then the in-memory lists the announce path reads.
#pragma once

#include "banlist.h"
#include "clientwhitelist.h"
#include "clock.h"
#include "database.h"

#include <optional>

namespace sk::core {

// Not thread-safe itself: call it from one thread (the admin API's and the timers').
class AccessControl
{
public:
    AccessControl(Database &db, BanList &bans, ClientWhitelist &clients, const Clock &clock);

    DbStatus load(QString *error); // fills both lists from the database (start-up)

    const BanList &bans() const { return m_bans; }
    const ClientWhitelist &clients() const { return m_clients; }
    std::int64_t now() const { return m_clock.now(); }

    // `expiresAt`: Unix seconds, 0 for a permanent ban. Conflict when the range is banned.
    DbResult<Ban> addBan(const proto::IpRange &range, const QString &reason,
                         std::int64_t expiresAt);
    // Changes what is given, keeps the rest. NotFound when the range is not banned.
    DbResult<Ban> updateBan(const proto::IpRange &range, const std::optional<QString> &reason,
                            const std::optional<std::int64_t> &expiresAt);
    DbStatus removeBan(const proto::IpRange &range);
    // Deletes bans expired by now (they stopped applying at their expiry already).
    DbResult<std::int64_t> removeExpiredBans();

    DbResult<AllowedClient> allowClient(const QByteArray &prefix, const QString &name);
    DbStatus removeClient(const QByteArray &prefix);

private:
    Database &m_db;
    BanList &m_bans;
    ClientWhitelist &m_clients;
    const Clock &m_clock;
};

} // namespace sk::core
