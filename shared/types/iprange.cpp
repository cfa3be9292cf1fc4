#include "iprange.h"

#include <algorithm>

namespace sk::proto {

IpAddress masked(const IpAddress &a, int prefixLength)
{
    IpAddress m = a;
    for (int i = 0; i < a.byteLength(); ++i) {
        const int keep = std::clamp(prefixLength - i * 8, 0, 8);
        m.bytes[std::size_t(i)] &= static_cast<unsigned char>(0xFF00u >> keep);
    }
    for (int i = a.byteLength(); i < 16; ++i)
        m.bytes[std::size_t(i)] = 0;
    return m;
}

namespace {

// 1 to `maxDigits` decimal digits without a leading zero (except "0" itself), at most `max`.
std::optional<int> decimal(QStringView s, int maxDigits, int max)
{
    if (s.isEmpty() || s.size() > maxDigits || (s.size() > 1 && s[0] == QLatin1Char('0')))
        return std::nullopt;
    int v = 0;
    for (const QChar c : s) {
        if (c < QLatin1Char('0') || c > QLatin1Char('9'))
            return std::nullopt;
        v = v * 10 + (c.unicode() - '0');
    }
    return v <= max ? std::optional(v) : std::nullopt;
}

std::optional<IpAddress> strictV4(QStringView s)
{
    std::uint32_t v = 0;
    int parts = 0;
    for (const QStringView part : s.split(QLatin1Char('.'))) {
        const auto octet = decimal(part, 3, 255);
        if (!octet || ++parts > 4)
            return std::nullopt;
        v = v << 8 | std::uint32_t(*octet);
    }
    if (parts != 4)
        return std::nullopt;
    return IpAddress::fromV4(v);
}

// IPv6 text as QHostAddress reads it, but only from hex digits, ':' and '.' (no scope ids,
// no brackets); the 16 bytes as written, IPv4-mapped or not.
std::optional<Q_IPV6ADDR> strictV6(QStringView s)
{
    for (const QChar c : s) {
        const bool ok = (c >= QLatin1Char('0') && c <= QLatin1Char('9')) ||
                        (c >= QLatin1Char('a') && c <= QLatin1Char('f')) ||
                        (c >= QLatin1Char('A') && c <= QLatin1Char('F')) || c == QLatin1Char(':') ||
                        c == QLatin1Char('.');
        if (!ok)
            return std::nullopt;
    }
    QHostAddress h;
    if (!h.setAddress(s.toString()) || h.protocol() != QAbstractSocket::IPv6Protocol)
        return std::nullopt;
    return h.toIPv6Address();
}

} // namespace

std::optional<IpRange> IpRange::parse(QStringView text, bool clearHostBits)
{
    if (text.isEmpty() || text.size() > 64)
        return std::nullopt;
    const qsizetype slash = text.indexOf(QLatin1Char('/'));
    const QStringView addressText = slash < 0 ? text : text.first(slash);
    std::optional<int> prefix;
    if (slash >= 0) {
        prefix = decimal(text.sliced(slash + 1), 3, 128);
        if (!prefix)
            return std::nullopt;
    }

    IpRange r;
    if (addressText.contains(QLatin1Char(':'))) {
        const auto v6 = strictV6(addressText);
        if (!v6)
            return std::nullopt;
        r.network = IpAddress::fromV6(v6->c);
        if (!r.network.v6) { // ::ffff:a.b.c.d: an IPv4 range, its prefix counted from bit 96
            if (prefix && *prefix < 96)
                return std::nullopt;
            if (prefix)
                *prefix -= 96;
        }
    } else {
        const auto v4 = strictV4(addressText);
        if (!v4)
            return std::nullopt;
        r.network = *v4;
    }
    r.prefixLength = prefix.value_or(r.maxPrefix());
    if (r.prefixLength > r.maxPrefix())
        return std::nullopt;
    const IpAddress network = masked(r.network, r.prefixLength);
    if (network != r.network && !clearHostBits)
        return std::nullopt;
    r.network = network;
    return r;
}

QString IpRange::toString() const
{
    const QString address = network.toString();
    if (isHost())
        return address;
    return address + QLatin1Char('/') + QString::number(prefixLength);
}

} // namespace sk::proto
