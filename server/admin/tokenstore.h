// TokenStore: admin API tokens, kept only as hashes and checked in constant time.
#pragma once

#include "server/core/database.h"

#include <QByteArray>
#include <QString>

#include <mutex>
#include <optional>
#include <vector>

namespace sk::admin {

struct TokenIdentity
{
    QString name;
    QString role;
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
    std::vector<Entry> m_entries;
};

} // namespace sk::admin
