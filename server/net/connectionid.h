// ConnectionIds: stateless BEP 15 connection ids, a keyed hash of time bucket and client address.
#pragma once

#include "shared/types/ipaddress.h"

#include <array>
#include <cstdint>

namespace sk::net {

// BEP 15: a client may use a connection id for one minute, a server accepts it for two.
// The id is SipHash-2-4(key, minute bucket || address || port): nothing to store per client,
// nothing to expire, and any worker (or node sharing the key) can check it.
class ConnectionIds
{
public:
    ConnectionIds(); // random key
    explicit ConnectionIds(const std::array<unsigned char, 16> &key);

    std::uint64_t issue(const proto::IpAddress &ip, std::uint16_t port, std::int64_t now) const;
    // Accepts ids from the current and the previous minute; compared in constant time.
    bool check(std::uint64_t id, const proto::IpAddress &ip, std::uint16_t port,
               std::int64_t now) const;

private:
    std::uint64_t compute(std::int64_t bucket, const proto::IpAddress &ip,
                          std::uint16_t port) const;
    std::array<unsigned char, 16> m_key{};
};

} // namespace sk::net
