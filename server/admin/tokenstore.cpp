#include "tokenstore.h"

#include <QDateTime>

#include <sodium.h>

namespace sk::admin {

TokenStore::TokenStore(core::Database &db) : m_db(db)
{
    if (sodium_init() < 0)
        std::abort(); // no CSPRNG: refuse to mint credentials
}

QByteArray TokenStore::hash(QByteArrayView token)
{
    // Tokens are 256-bit random secrets, not passwords: a fast unsalted hash cannot be
    // brute-forced, and a slow KDF would put a CPU cost on every admin request.
    QByteArray out(crypto_generichash_BYTES, Qt::Uninitialized);
    crypto_generichash(reinterpret_cast<unsigned char *>(out.data()),
                       static_cast<size_t>(out.size()),
                       reinterpret_cast<const unsigned char *>(token.data()),
                       static_cast<unsigned long long>(token.size()), nullptr, 0);
    return out;
}

QString TokenStore::generateSecret()
{
    QByteArray raw(32, Qt::Uninitialized);
    randombytes_buf(raw.data(), static_cast<size_t>(raw.size()));
    return QStringLiteral("sk_") +
           QString::fromLatin1(
               raw.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

bool TokenStore::load(const QByteArray &envToken, QString *generated, QString *error)
{
    auto stored = m_db.adminTokens();
    if (!stored.ok()) {
        *error = stored.message;
        return false;
    }
    std::lock_guard lock(m_lock);
    m_entries.clear();
    for (const auto &t : stored.value)
        m_entries.push_back({t.hash, {t.name, t.role}});
    if (!envToken.isEmpty()) {
        m_entries.push_back({hash(envToken), {QStringLiteral("env"), QStringLiteral("admin")}});
        return true;
    }
    if (!m_entries.empty())
        return true;
    const QString secret = generateSecret();
    const QByteArray h = hash(secret.toLatin1());
    auto ins = m_db.insertAdminToken(QStringLiteral("admin"), QStringLiteral("admin"), h,
                                     QDateTime::currentSecsSinceEpoch());
    if (!ins.ok()) {
        *error = ins.message;
        return false;
    }
    m_entries.push_back({h, {QStringLiteral("admin"), QStringLiteral("admin")}});
    *generated = secret;
    return true;
}

std::optional<TokenIdentity> TokenStore::verify(QByteArrayView presented) const
{
    if (presented.isEmpty())
        return std::nullopt;
    const QByteArray h = hash(presented);
    std::lock_guard lock(m_lock);
    std::optional<TokenIdentity> match;
    for (const Entry &e : m_entries) {
        if (e.hash.size() == h.size() &&
            sodium_memcmp(e.hash.constData(), h.constData(), static_cast<size_t>(h.size())) == 0)
            match = e.who;
    }
    return match;
}

} // namespace sk::admin
