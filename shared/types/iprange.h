// IpRange: an IPv4 or IPv6 block in CIDR notation; a single address is a /32 or /128.
#pragma once

#include "ipaddress.h"

#include <QString>
#include <QStringView>

#include <optional>

namespace sk::proto {

// `a` with every bit past the first `prefixLength` cleared.
IpAddress masked(const IpAddress &a, int prefixLength);

struct IpRange
{
    IpAddress network; // host bits are zero
    int prefixLength = 32;

    // Strict, for admin input: a dotted-quad IPv4 address (no leading zeros, no shorthand) or
    // an IPv6 address, optionally followed by "/n". Host bits past n must be zero. IPv4-mapped
    // IPv6 (::ffff:a.b.c.d) is folded to IPv4, its prefix less 96. `clearHostBits` accepts
    // "10.1.2.3/8" as 10.0.0.0/8 (to tell an admin what was meant, not to store it).
    static std::optional<IpRange> parse(QStringView text, bool clearHostBits = false);
    static IpRange host(const IpAddress &a) { return {a, a.v6 ? 128 : 32}; }

    int maxPrefix() const { return network.v6 ? 128 : 32; }
    bool isHost() const { return prefixLength == maxPrefix(); }
    bool contains(const IpAddress &a) const
    {
        return a.v6 == network.v6 && masked(a, prefixLength) == network;
    }
    // Canonical text: the address alone for a single host, otherwise "network/n"; IPv6 in
    // its shortest lowercase form. parse(toString()) gives the same range back.
    QString toString() const;

    friend bool operator==(const IpRange &, const IpRange &) = default;
};

} // namespace sk::proto
