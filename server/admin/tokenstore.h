// TokenStore: admin API tokens, kept only as hashes and checked in constant time.
#pragma once

#include "server/core/database.h"

#include <QByteArray>
#include <QString>

#include <mutex>
#include <optional>
#include <vector>

namespace sk::admin {

// What a token may do: readonly reads; moderator also changes users, torrents, bans, the
// whitelist, snatches, hit-and-runs and bonus points; admin also manages tokens and the
// server's own state (flush, caches, rate-limit resets). Ordered: each includes the one below.
enum class Role
{
    Readonly = 0,
    Moderator = 1,
    Admin = 2
};
std::optional<Role> roleFromName(QStringView name);
QString roleName(Role role);

struct TokenIdentity
{
    QString name;
    Role role = Role::Readonly;
};

// A token made by create(): its record and the secret, which is shown once and never stored.
struct CreatedToken
{
    core::AdminTokenRecord record;
    QString secret;
};

class TokenStore
{
public:
    explicit TokenStore(core::Database &db);

    // Loads stored hashes. If `envToken` is set it is accepted too (hashed, in memory only).
    // If no token exists at all, one is generated, stored hashed and returned in
    // `*generated` so the caller can print it once.
    bool load(const QByteArray &envToken, QString *generated, QString *error);

    // Checks a presented token against every stored hash, always all of them, comparing in
    // constant time, so response timing does not reveal how close a guess was.
    std::optional<TokenIdentity> verify(QByteArrayView presented) const;

    // Reads the stored tokens again (the server does so every few seconds, so that tokens made
    // or revoked with `swarmkeeperd token` on the same database take effect).
    bool reload(QString *error);

    // Token names: 1 to 64 characters from [A-Za-z0-9._-], not all digits, not "env".
    static bool validName(const QString &name);
    // A new token. Conflict: the name is taken; Error: the database failed (`error` says why).
    core::DbResult<CreatedToken> create(const QString &name, Role role, std::int64_t now);
    // Revokes the stored token with this id, or with this name when `idOrName` is not a
    // number. NotFound: no such token; Conflict: it is the last stored admin token, whose loss
    // would leave only the environment's token (or none) to manage the others.
    core::DbResult<core::AdminTokenRecord> revoke(const QString &idOrName);
    core::DbResult<std::vector<core::AdminTokenRecord>> list() const;

    static QByteArray hash(QByteArrayView token); // BLAKE2b-256
    static QString generateSecret();              // 256 random bits, "sk_" + base64url

private:
    struct Entry
    {
        QByteArray hash;
        TokenIdentity who;
    };
    core::Database &m_db;
    mutable std::mutex m_lock;
    std::vector<Entry> m_entries; // the stored tokens
    std::optional<Entry> m_env;   // SWARMKEEPER_ADMIN_TOKEN, in memory only
};

} // namespace sk::admin
