#include "accesscontrol.h"

namespace sk::core {

AccessControl::AccessControl(Database &db, BanList &bans, ClientWhitelist &clients,
                             const Clock &clock)
    : m_db(db), m_bans(bans), m_clients(clients), m_clock(clock)
{}

DbStatus AccessControl::load(QString *error)
{
    auto bans = m_db.bans();
    if (!bans.ok()) {
        *error = bans.message;
        return bans.status;
    }
    for (const Ban &b : bans.value)
        m_bans.put(b);
    auto clients = m_db.allowedClients();
    if (!clients.ok()) {
        *error = clients.message;
        return clients.status;
    }
    for (const AllowedClient &c : clients.value) {
        // A row this server did not write might be empty or longer than a peer_id.
        if (!AllowedClient::validPrefix(c.prefix)) {
            qWarning("access: client_whitelist prefix %s is not a valid peer_id prefix; skipped",
                     c.prefix.toHex().constData());
            continue;
        }
        m_clients.put(c);
    }
    return DbStatus::Ok;
}

DbResult<Ban> AccessControl::addBan(const proto::IpRange &range, const QString &reason,
                                    std::int64_t expiresAt)
{
    DbResult<Ban> r;
    r.value = Ban{range, reason, m_clock.now(), expiresAt};
    // An expired ban not cleaned up yet no longer counts: a new one replaces it.
    if (const auto old = m_bans.find(range); old && !old->activeAt(r.value.createdAt)) {
        const DbStatus gone = removeBan(range);
        if (gone != DbStatus::Ok && gone != DbStatus::NotFound)
            return DbResult<Ban>::fail(gone);
    }
    r.status = m_db.insertBan(r.value);
    if (r.ok())
        m_bans.put(r.value);
    return r;
}

DbResult<Ban> AccessControl::updateBan(const proto::IpRange &range,
                                       const std::optional<QString> &reason,
                                       const std::optional<std::int64_t> &expiresAt)
{
    auto current = m_bans.find(range);
    if (!current)
        return DbResult<Ban>::fail(DbStatus::NotFound);
    DbResult<Ban> r;
    r.value = *current;
    if (reason)
        r.value.reason = *reason;
    if (expiresAt)
        r.value.expiresAt = *expiresAt;
    r.status = m_db.updateBan(r.value);
    if (r.ok())
        m_bans.put(r.value);
    return r;
}

DbStatus AccessControl::removeBan(const proto::IpRange &range)
{
    const DbStatus s = m_db.deleteBan(range);
    if (s == DbStatus::Ok)
        m_bans.remove(range);
    return s;
}

DbResult<std::int64_t> AccessControl::removeExpiredBans()
{
    const std::int64_t now = m_clock.now();
    auto r = m_db.deleteExpiredBans(now);
    if (r.ok())
        for (const proto::IpRange &range : m_bans.expiredAt(now))
            m_bans.remove(range);
    return r;
}

DbResult<AllowedClient> AccessControl::allowClient(const QByteArray &prefix, const QString &name)
{
    DbResult<AllowedClient> r;
    r.value = AllowedClient{prefix, name, m_clock.now()};
    r.status = m_db.insertAllowedClient(r.value);
    if (r.ok())
        m_clients.put(r.value);
    return r;
}

DbStatus AccessControl::removeClient(const QByteArray &prefix)
{
    const DbStatus s = m_db.deleteAllowedClient(prefix);
    if (s == DbStatus::Ok)
        m_clients.remove(prefix);
    return s;
}

} // namespace sk::core
