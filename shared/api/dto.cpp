#include "dto.h"

#include <QDateTime>
#include <QJsonValue>

#include <algorithm>
#include <cmath>

namespace sk::api {

namespace {
// JSON numbers are doubles: byte counts above 2^53 would lose precision, so they travel as
// numbers while small (the common case) and are read back from either form.
QJsonValue bigNumber(std::uint64_t v)
{
    if (v <= (std::uint64_t(1) << 53))
        return QJsonValue(static_cast<qint64>(v));
    return QJsonValue(QString::number(v));
}

std::optional<std::uint64_t> readBig(const QJsonValue &v)
{
    if (v.isDouble() && v.toDouble() >= 0)
        return static_cast<std::uint64_t>(v.toInteger());
    if (v.isString()) {
        bool ok = false;
        const std::uint64_t n = v.toString().toULongLong(&ok);
        if (ok)
            return n;
    }
    return std::nullopt;
}

std::int64_t parseIso(const QJsonValue &v)
{
    return QDateTime::fromString(v.toString(), Qt::ISODate).toSecsSinceEpoch();
}

// An optional moment: null (0) or ISO 8601; nothing when it is neither.
std::optional<std::int64_t> parseOptionalIso(const QJsonValue &v)
{
    if (v.isNull() || v.isUndefined())
        return 0;
    const QDateTime t = QDateTime::fromString(v.toString(), Qt::ISODate);
    return t.isValid() ? std::optional(t.toSecsSinceEpoch()) : std::nullopt;
}

QJsonValue optionalIso(std::int64_t unixSeconds)
{
    return unixSeconds ? QJsonValue(isoTime(unixSeconds)) : QJsonValue(QJsonValue::Null);
}
} // namespace

double pointsOf(std::int64_t millipoints)
{
    return double(millipoints) / 1000.0;
}

std::int64_t millipointsOf(double points)
{
    return static_cast<std::int64_t>(std::llround(points * 1000.0));
}

QString isoTime(std::int64_t unixSeconds)
{
    return QDateTime::fromSecsSinceEpoch(unixSeconds, Qt::UTC).toString(Qt::ISODate);
}

QJsonObject UserDto::toJson() const
{
    return QJsonObject{
        {QStringLiteral("id"), static_cast<qint64>(id)},
        {QStringLiteral("name"), name},
        {QStringLiteral("passkey"), passkey},
        {QStringLiteral("uploaded"), bigNumber(uploaded)},
        {QStringLiteral("downloaded"), bigNumber(downloaded)},
        {QStringLiteral("can_leech"), canLeech},
        {QStringLiteral("created_at"), isoTime(createdAt)},
        {QStringLiteral("hnr_warnings"), static_cast<qint64>(hnrWarnings)},
        {QStringLiteral("bonus_points"), pointsOf(bonusMillipoints)},
    };
}

std::optional<UserDto> UserDto::fromJson(const QJsonObject &o)
{
    UserDto u;
    if (!o.value(QStringLiteral("id")).isDouble())
        return std::nullopt;
    u.id = static_cast<std::uint32_t>(o.value(QStringLiteral("id")).toInteger());
    u.name = o.value(QStringLiteral("name")).toString();
    u.passkey = o.value(QStringLiteral("passkey")).toString();
    const auto up = readBig(o.value(QStringLiteral("uploaded")));
    const auto down = readBig(o.value(QStringLiteral("downloaded")));
    if (!up || !down)
        return std::nullopt;
    u.uploaded = *up;
    u.downloaded = *down;
    u.canLeech = o.value(QStringLiteral("can_leech")).toBool(true);
    u.createdAt = parseIso(o.value(QStringLiteral("created_at")));
    u.hnrWarnings = static_cast<std::uint32_t>(o.value(QStringLiteral("hnr_warnings")).toInteger());
    u.bonusMillipoints = millipointsOf(o.value(QStringLiteral("bonus_points")).toDouble());
    return u;
}

QJsonObject TorrentDto::toJson() const
{
    return QJsonObject{
        {QStringLiteral("id"), static_cast<qint64>(id)},
        {QStringLiteral("info_hash"), infoHash.toHexString()},
        {QStringLiteral("name"), name},
        {QStringLiteral("created_at"), isoTime(createdAt)},
        {QStringLiteral("seeders"), static_cast<qint64>(seeders)},
        {QStringLiteral("leechers"), static_cast<qint64>(leechers)},
        {QStringLiteral("completed"), static_cast<qint64>(completed)},
        {QStringLiteral("freeleech"), freeleech},
        {QStringLiteral("freeleech_until"),
         freeleechUntil ? QJsonValue(isoTime(freeleechUntil)) : QJsonValue(QJsonValue::Null)},
        {QStringLiteral("upload_multiplier"), uploadMultiplier},
        {QStringLiteral("download_multiplier"), downloadMultiplier},
        {QStringLiteral("uploaded"), bigNumber(uploaded)},
        {QStringLiteral("downloaded"), bigNumber(downloaded)},
    };
}

std::optional<TorrentDto> TorrentDto::fromJson(const QJsonObject &o)
{
    TorrentDto t;
    const auto ih = proto::InfoHash::fromHex(o.value(QStringLiteral("info_hash")).toString());
    if (!ih || !o.value(QStringLiteral("id")).isDouble())
        return std::nullopt;
    t.id = static_cast<std::uint32_t>(o.value(QStringLiteral("id")).toInteger());
    t.infoHash = *ih;
    t.name = o.value(QStringLiteral("name")).toString();
    t.createdAt = parseIso(o.value(QStringLiteral("created_at")));
    t.seeders = static_cast<std::uint32_t>(o.value(QStringLiteral("seeders")).toInteger());
    t.leechers = static_cast<std::uint32_t>(o.value(QStringLiteral("leechers")).toInteger());
    t.completed = static_cast<std::uint32_t>(o.value(QStringLiteral("completed")).toInteger());
    t.freeleech = o.value(QStringLiteral("freeleech")).toBool();
    t.freeleechUntil = parseIso(o.value(QStringLiteral("freeleech_until")));
    t.uploadMultiplier = o.value(QStringLiteral("upload_multiplier")).toDouble(1.0);
    t.downloadMultiplier = o.value(QStringLiteral("download_multiplier")).toDouble(1.0);
    t.uploaded = readBig(o.value(QStringLiteral("uploaded"))).value_or(0);
    t.downloaded = readBig(o.value(QStringLiteral("downloaded"))).value_or(0);
    return t;
}

QJsonObject SnatchDto::toJson() const
{
    return QJsonObject{
        {QStringLiteral("id"), static_cast<qint64>(id)},
        {QStringLiteral("user_id"), static_cast<qint64>(userId)},
        {QStringLiteral("torrent_id"), static_cast<qint64>(torrentId)},
        {QStringLiteral("info_hash"), infoHash.toHexString()},
        {QStringLiteral("completed_at"), isoTime(completedAt)},
        {QStringLiteral("seedtime"), bigNumber(seedtime)},
        {QStringLiteral("last_seen"), optionalIso(lastSeen)},
        {QStringLiteral("uploaded"), bigNumber(uploaded)},
        {QStringLiteral("downloaded"), bigNumber(downloaded)},
        {QStringLiteral("raw_uploaded"), bigNumber(rawUploaded)},
        {QStringLiteral("raw_downloaded"), bigNumber(rawDownloaded)},
        {QStringLiteral("hnr"), hnr},
        {QStringLiteral("hnr_exempt"), hnrExempt},
        {QStringLiteral("seeding"), seeding},
    };
}

std::optional<SnatchDto> SnatchDto::fromJson(const QJsonObject &o)
{
    SnatchDto s;
    const auto ih = proto::InfoHash::fromHex(o.value(QStringLiteral("info_hash")).toString());
    const auto lastSeen = parseOptionalIso(o.value(QStringLiteral("last_seen")));
    const auto seedtime = readBig(o.value(QStringLiteral("seedtime")));
    if (!ih || !lastSeen || !seedtime || !o.value(QStringLiteral("id")).isDouble())
        return std::nullopt;
    s.id = o.value(QStringLiteral("id")).toInteger();
    s.userId = static_cast<std::uint32_t>(o.value(QStringLiteral("user_id")).toInteger());
    s.torrentId = static_cast<std::uint32_t>(o.value(QStringLiteral("torrent_id")).toInteger());
    s.infoHash = *ih;
    s.completedAt = parseIso(o.value(QStringLiteral("completed_at")));
    s.seedtime = *seedtime;
    s.lastSeen = *lastSeen;
    s.uploaded = readBig(o.value(QStringLiteral("uploaded"))).value_or(0);
    s.downloaded = readBig(o.value(QStringLiteral("downloaded"))).value_or(0);
    s.rawUploaded = readBig(o.value(QStringLiteral("raw_uploaded"))).value_or(0);
    s.rawDownloaded = readBig(o.value(QStringLiteral("raw_downloaded"))).value_or(0);
    s.hnr = o.value(QStringLiteral("hnr")).toBool();
    s.hnrExempt = o.value(QStringLiteral("hnr_exempt")).toBool();
    s.seeding = o.value(QStringLiteral("seeding")).toBool();
    return s;
}

QJsonObject CheatFlagDto::toJson() const
{
    return QJsonObject{
        {QStringLiteral("id"), static_cast<qint64>(id)},
        {QStringLiteral("user_id"), static_cast<qint64>(userId)},
        {QStringLiteral("torrent_id"), static_cast<qint64>(torrentId)},
        {QStringLiteral("kind"), kind},
        {QStringLiteral("peer_id"), peerId},
        {QStringLiteral("ip"), ip},
        {QStringLiteral("uploaded"), bigNumber(uploaded)},
        {QStringLiteral("seconds"), static_cast<qint64>(seconds)},
        {QStringLiteral("leechers"), static_cast<qint64>(leechers)},
        {QStringLiteral("flagged_at"), isoTime(at)},
    };
}

std::optional<CheatFlagDto> CheatFlagDto::fromJson(const QJsonObject &o)
{
    const auto uploaded = readBig(o.value(QStringLiteral("uploaded")));
    if (!o.value(QStringLiteral("id")).isDouble() || !o.value(QStringLiteral("kind")).isString() ||
        !uploaded)
        return std::nullopt;
    CheatFlagDto f;
    f.id = o.value(QStringLiteral("id")).toInteger();
    f.userId = static_cast<std::uint32_t>(o.value(QStringLiteral("user_id")).toInteger());
    f.torrentId = static_cast<std::uint32_t>(o.value(QStringLiteral("torrent_id")).toInteger());
    f.kind = o.value(QStringLiteral("kind")).toString();
    f.peerId = o.value(QStringLiteral("peer_id")).toString();
    f.ip = o.value(QStringLiteral("ip")).toString();
    f.uploaded = *uploaded;
    f.seconds = o.value(QStringLiteral("seconds")).toInteger();
    f.leechers = static_cast<std::uint32_t>(o.value(QStringLiteral("leechers")).toInteger());
    f.at = parseIso(o.value(QStringLiteral("flagged_at")));
    return f;
}

QString clientOf(const proto::PeerId &peerId)
{
    const auto &b = peerId.bytes;
    auto printable = [](unsigned char c) { return c >= 0x21 && c <= 0x7E; };
    if (b[0] == '-' && b[7] == '-' && std::all_of(b.begin() + 1, b.begin() + 7, printable))
        return QString::fromLatin1(reinterpret_cast<const char *>(b.data()) + 1, 6);
    std::size_t n = 0;
    while (n < 8 && printable(b[n]))
        ++n;
    return QString::fromLatin1(reinterpret_cast<const char *>(b.data()), qsizetype(n));
}

QJsonObject PeerDto::toJson() const
{
    return QJsonObject{
        {QStringLiteral("user_id"), static_cast<qint64>(userId)},
        {QStringLiteral("peer_id"), peerId},
        {QStringLiteral("client"), client},
        {QStringLiteral("ip"), ip},
        {QStringLiteral("port"), static_cast<qint64>(port)},
        {QStringLiteral("uploaded"), bigNumber(uploaded)},
        {QStringLiteral("downloaded"), bigNumber(downloaded)},
        {QStringLiteral("left"), bigNumber(left)},
        {QStringLiteral("seeder"), seeder},
        {QStringLiteral("connectable"), connectable ? QJsonValue(*connectable) : QJsonValue()},
        {QStringLiteral("last_announce"), isoTime(lastAnnounce)},
    };
}

std::optional<PeerDto> PeerDto::fromJson(const QJsonObject &o)
{
    const auto uploaded = readBig(o.value(QStringLiteral("uploaded")));
    const auto downloaded = readBig(o.value(QStringLiteral("downloaded")));
    const auto left = readBig(o.value(QStringLiteral("left")));
    const QJsonValue port = o.value(QStringLiteral("port"));
    const QJsonValue connectable = o.value(QStringLiteral("connectable"));
    if (!o.value(QStringLiteral("user_id")).isDouble() ||
        !o.value(QStringLiteral("ip")).isString() || !port.isDouble() || port.toInteger() < 0 ||
        port.toInteger() > 65535 || !uploaded || !downloaded || !left ||
        !(connectable.isBool() || connectable.isNull()))
        return std::nullopt;
    PeerDto p;
    p.userId = static_cast<std::uint32_t>(o.value(QStringLiteral("user_id")).toInteger());
    p.peerId = o.value(QStringLiteral("peer_id")).toString();
    p.client = o.value(QStringLiteral("client")).toString();
    p.ip = o.value(QStringLiteral("ip")).toString();
    p.port = static_cast<std::uint16_t>(port.toInteger());
    p.uploaded = *uploaded;
    p.downloaded = *downloaded;
    p.left = *left;
    p.seeder = o.value(QStringLiteral("seeder")).toBool();
    if (connectable.isBool())
        p.connectable = connectable.toBool();
    p.lastAnnounce = parseIso(o.value(QStringLiteral("last_announce")));
    return p;
}

QJsonObject BanDto::toJson() const
{
    return QJsonObject{
        {QStringLiteral("ip"), ip},
        {QStringLiteral("reason"), reason},
        {QStringLiteral("created_at"), isoTime(createdAt)},
        {QStringLiteral("expires_at"), optionalIso(expiresAt)},
        {QStringLiteral("active"), active},
    };
}

std::optional<BanDto> BanDto::fromJson(const QJsonObject &o)
{
    BanDto b;
    if (!o.value(QStringLiteral("ip")).isString())
        return std::nullopt;
    const auto expires = parseOptionalIso(o.value(QStringLiteral("expires_at")));
    if (!expires)
        return std::nullopt;
    b.ip = o.value(QStringLiteral("ip")).toString();
    b.reason = o.value(QStringLiteral("reason")).toString();
    b.createdAt = parseIso(o.value(QStringLiteral("created_at")));
    b.expiresAt = *expires;
    b.active = o.value(QStringLiteral("active")).toBool(true);
    return b;
}

QJsonObject AllowedClientDto::toJson() const
{
    return QJsonObject{
        {QStringLiteral("prefix"), prefix},
        {QStringLiteral("name"), name},
        {QStringLiteral("created_at"), isoTime(createdAt)},
    };
}

std::optional<AllowedClientDto> AllowedClientDto::fromJson(const QJsonObject &o)
{
    if (!o.value(QStringLiteral("prefix")).isString())
        return std::nullopt;
    return AllowedClientDto{o.value(QStringLiteral("prefix")).toString(),
                            o.value(QStringLiteral("name")).toString(),
                            parseIso(o.value(QStringLiteral("created_at")))};
}

QJsonObject TokenDto::toJson() const
{
    QJsonObject o{
        {QStringLiteral("id"), qint64(id)},
        {QStringLiteral("name"), name},
        {QStringLiteral("role"), role},
        {QStringLiteral("created_at"), isoTime(createdAt)},
    };
    if (!secret.isEmpty())
        o.insert(QStringLiteral("token"), secret);
    return o;
}

std::optional<TokenDto> TokenDto::fromJson(const QJsonObject &o)
{
    if (!o.value(QStringLiteral("id")).isDouble() || !o.value(QStringLiteral("name")).isString() ||
        !o.value(QStringLiteral("role")).isString())
        return std::nullopt;
    TokenDto t;
    t.id = o.value(QStringLiteral("id")).toInteger();
    t.name = o.value(QStringLiteral("name")).toString();
    t.role = o.value(QStringLiteral("role")).toString();
    t.createdAt = parseIso(o.value(QStringLiteral("created_at")));
    t.secret = o.value(QStringLiteral("token")).toString();
    return t;
}

QJsonObject AuditEntryDto::toJson() const
{
    return QJsonObject{
        {QStringLiteral("id"), qint64(id)}, {QStringLiteral("at"), isoTime(at)},
        {QStringLiteral("token"), token},   {QStringLiteral("role"), role},
        {QStringLiteral("ip"), ip},         {QStringLiteral("method"), method},
        {QStringLiteral("path"), path},     {QStringLiteral("target"), target},
        {QStringLiteral("status"), status}, {QStringLiteral("summary"), summary},
    };
}

std::optional<AuditEntryDto> AuditEntryDto::fromJson(const QJsonObject &o)
{
    if (!o.value(QStringLiteral("id")).isDouble() || !o.value(QStringLiteral("at")).isString() ||
        !o.value(QStringLiteral("method")).isString())
        return std::nullopt;
    AuditEntryDto e;
    e.id = o.value(QStringLiteral("id")).toInteger();
    e.at = parseIso(o.value(QStringLiteral("at")));
    e.token = o.value(QStringLiteral("token")).toString();
    e.role = o.value(QStringLiteral("role")).toString();
    e.ip = o.value(QStringLiteral("ip")).toString();
    e.method = o.value(QStringLiteral("method")).toString();
    e.path = o.value(QStringLiteral("path")).toString();
    e.target = o.value(QStringLiteral("target")).toString();
    e.status = o.value(QStringLiteral("status")).toInt();
    e.summary = o.value(QStringLiteral("summary")).toString();
    return e;
}

QJsonObject TrackerStatsDto::toJson() const
{
    return QJsonObject{
        {QStringLiteral("at"), isoTime(at)},
        {QStringLiteral("users"), bigNumber(users)},
        {QStringLiteral("torrents"), bigNumber(torrents)},
        {QStringLiteral("swarms"), bigNumber(swarms)},
        {QStringLiteral("peers"), bigNumber(peers)},
        {QStringLiteral("seeders"), bigNumber(seeders)},
        {QStringLiteral("leechers"), bigNumber(leechers)},
        {QStringLiteral("announces_per_second"), announcesPerSecond},
        {QStringLiteral("scrapes_per_second"), scrapesPerSecond},
        {QStringLiteral("errors_per_second"), errorsPerSecond},
        {QStringLiteral("announces"), bigNumber(announces)},
        {QStringLiteral("scrapes"), bigNumber(scrapes)},
        {QStringLiteral("errors"), bigNumber(errors)},
        {QStringLiteral("flush_queue"), bigNumber(flushQueue)},
        {QStringLiteral("last_flush"),
         lastFlush > 0 ? QJsonValue(isoTime(lastFlush)) : QJsonValue()},
        {QStringLiteral("flush_failures"), bigNumber(flushFailures)},
        {QStringLiteral("started_at"), isoTime(startedAt)},
        {QStringLiteral("uptime"), qint64(uptime)},
    };
}

std::optional<TrackerStatsDto> TrackerStatsDto::fromJson(const QJsonObject &o)
{
    TrackerStatsDto d;
    if (!o.value(QStringLiteral("at")).isString())
        return std::nullopt;
    const auto big = [&](const char *key, std::uint64_t &out) {
        const auto v = readBig(o.value(QLatin1String(key)));
        if (v)
            out = *v;
        return v.has_value();
    };
    if (!big("users", d.users) || !big("torrents", d.torrents) || !big("swarms", d.swarms) ||
        !big("peers", d.peers) || !big("seeders", d.seeders) || !big("leechers", d.leechers) ||
        !big("announces", d.announces) || !big("scrapes", d.scrapes) || !big("errors", d.errors) ||
        !big("flush_queue", d.flushQueue) || !big("flush_failures", d.flushFailures))
        return std::nullopt;
    d.at = parseIso(o.value(QStringLiteral("at")));
    d.announcesPerSecond = o.value(QStringLiteral("announces_per_second")).toDouble();
    d.scrapesPerSecond = o.value(QStringLiteral("scrapes_per_second")).toDouble();
    d.errorsPerSecond = o.value(QStringLiteral("errors_per_second")).toDouble();
    d.lastFlush = o.value(QStringLiteral("last_flush")).isString()
                      ? parseIso(o.value(QStringLiteral("last_flush")))
                      : 0;
    d.startedAt = parseIso(o.value(QStringLiteral("started_at")));
    d.uptime = o.value(QStringLiteral("uptime")).toInteger();
    return d;
}

QJsonObject SwarmDto::toJson() const
{
    return QJsonObject{
        {QStringLiteral("info_hash"), infoHash.toHexString()},
        {QStringLiteral("torrent_id"), torrentId ? QJsonValue(qint64(torrentId)) : QJsonValue()},
        {QStringLiteral("seeders"), qint64(seeders)},
        {QStringLiteral("leechers"), qint64(leechers)},
        {QStringLiteral("peers"), qint64(seeders) + qint64(leechers)},
        {QStringLiteral("completed"), bigNumber(completed)},
    };
}

std::optional<SwarmDto> SwarmDto::fromJson(const QJsonObject &o)
{
    const auto hash = proto::InfoHash::fromHex(o.value(QStringLiteral("info_hash")).toString());
    const auto completed = readBig(o.value(QStringLiteral("completed")));
    if (!hash || !completed)
        return std::nullopt;
    SwarmDto d;
    d.infoHash = *hash;
    d.torrentId = static_cast<std::uint32_t>(o.value(QStringLiteral("torrent_id")).toInteger());
    d.seeders = static_cast<std::uint32_t>(o.value(QStringLiteral("seeders")).toInteger());
    d.leechers = static_cast<std::uint32_t>(o.value(QStringLiteral("leechers")).toInteger());
    d.completed = *completed;
    return d;
}

} // namespace sk::api
