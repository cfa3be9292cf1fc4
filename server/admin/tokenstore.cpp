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

std::optional<Role> roleFromName(QStringView name)
{
    if (name == QLatin1String("admin"))
        return Role::Admin;
    if (name == QLatin1String("moderator"))
        return Role::Moderator;
    if (name == QLatin1String("readonly"))
        return Role::Readonly;
    return std::nullopt;
}

QString roleName(Role role)
{
    switch (role) {
    case Role::Admin:
        return QStringLiteral("admin");
    case Role::Moderator:
        return QStringLiteral("moderator");
    case Role::Readonly:
        break;
    }
    return QStringLiteral("readonly");
}

bool TokenStore::load(const QByteArray &envToken, QString *generated, QString *error)
{
    {
        std::lock_guard lock(m_lock);
        m_env.reset();
        if (!envToken.isEmpty())
            m_env = Entry{hash(envToken), {QStringLiteral("env"), Role::Admin}};
    }
    if (!reload(error))
        return false;
    std::lock_guard lock(m_lock);
    if (m_env || !m_entries.empty())
        return true;
    const QString secret = generateSecret();
    const QByteArray h = hash(secret.toLatin1());
    auto ins = m_db.insertAdminToken(QStringLiteral("admin"), QStringLiteral("admin"), h,
                                     QDateTime::currentSecsSinceEpoch());
    if (!ins.ok()) {
        *error = ins.message;
        return false;
    }
    m_entries.push_back({h, {QStringLiteral("admin"), Role::Admin}});
    *generated = secret;
    return true;
}

bool TokenStore::reload(QString *error)
{
    auto stored = m_db.adminTokens();
    if (!stored.ok()) {
        *error = stored.message;
        return false;
    }
    std::vector<Entry> entries;
    for (const auto &t : stored.value) {
        // A row with a role this version does not know grants nothing rather than too much.
        if (const auto role = roleFromName(t.role))
            entries.push_back({t.hash, {t.name, *role}});
    }
    std::lock_guard lock(m_lock);
    m_entries = std::move(entries);
    return true;
}

bool TokenStore::validName(const QString &name)
{
    // "env" is the environment's token; all digits would read as an id in `token revoke`.
    if (name.isEmpty() || name.size() > 64 || name == QLatin1String("env"))
        return false;
    bool digitsOnly = true;
    for (const QChar c : name) {
        digitsOnly = digitsOnly && c.isDigit();
        const char16_t u = c.unicode();
        const bool ok = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
                        (u >= '0' && u <= '9') || u == '.' || u == '_' || u == '-';
        if (!ok)
            return false;
    }
    return !digitsOnly;
}

core::DbResult<CreatedToken> TokenStore::create(const QString &name, Role role, std::int64_t now)
{
    CreatedToken made;
    made.secret = generateSecret();
    auto ins = m_db.insertAdminToken(name, roleName(role), hash(made.secret.toLatin1()), now);
    if (!ins.ok())
        return core::DbResult<CreatedToken>::fail(ins.status, ins.message);
    made.record = ins.value;
    QString err;
    reload(&err); // the row is in; if this read fails the next periodic reload brings it
    core::DbResult<CreatedToken> r;
    r.value = std::move(made);
    return r;
}

core::DbResult<core::AdminTokenRecord> TokenStore::revoke(const QString &idOrName)
{
    using R = core::DbResult<core::AdminTokenRecord>;
    const auto stored = m_db.adminTokens();
    if (!stored.ok())
        return R::fail(stored.status, stored.message);
    bool numeric = false;
    const qint64 id = idOrName.toLongLong(&numeric);
    const core::AdminTokenRecord *found = nullptr;
    for (const auto &t : stored.value) {
        if (numeric ? t.id == id : t.name == idOrName)
            found = &t;
    }
    if (!found)
        return R::fail(core::DbStatus::NotFound);
    // The last-admin rule is checked by the DELETE itself, so that two revokes at once (the
    // server and the command line) cannot both pass it.
    const core::DbStatus s = m_db.deleteAdminToken(found->id);
    if (s == core::DbStatus::Conflict)
        return R::fail(s, QStringLiteral("the last admin token cannot be revoked; create another "
                                         "admin token first"));
    if (s != core::DbStatus::Ok)
        return R::fail(s);
    R r;
    r.value = *found;
    r.value.hash.clear();
    QString err;
    reload(&err); // as in create()
    return r;
}

core::DbResult<std::vector<core::AdminTokenRecord>> TokenStore::list() const
{
    auto stored = m_db.adminTokens();
    for (auto &t : stored.value)
        t.hash.clear(); // never leaves the store
    return stored;
}

std::optional<TokenIdentity> TokenStore::verify(QByteArrayView presented) const
{
    if (presented.isEmpty())
        return std::nullopt;
    const QByteArray h = hash(presented);
    std::lock_guard lock(m_lock);
    std::optional<TokenIdentity> match;
    const auto check = [&](const Entry &e) {
        if (e.hash.size() == h.size() &&
            sodium_memcmp(e.hash.constData(), h.constData(), static_cast<size_t>(h.size())) == 0)
            match = e.who;
    };
    for (const Entry &e : m_entries)
        check(e);
    if (m_env)
        check(*m_env);
    return match;
}

} // namespace sk::admin
