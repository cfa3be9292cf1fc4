#include "connectionid.h"

#include <sodium.h>

#include <cstring>

namespace sk::net {

static_assert(crypto_shorthash_KEYBYTES == 16 && crypto_shorthash_BYTES == 8);

ConnectionIds::ConnectionIds()
{
    if (sodium_init() < 0)
        std::abort(); // no CSPRNG: refusing to run beats handing out predictable ids
    randombytes_buf(m_key.data(), m_key.size());
}

ConnectionIds::ConnectionIds(const std::array<unsigned char, 16> &key) : m_key(key) {}

std::uint64_t ConnectionIds::compute(std::int64_t bucket, const proto::IpAddress &ip,
                                     std::uint16_t port) const
{
    unsigned char in[8 + 16 + 2 + 1];
    const auto b = static_cast<std::uint64_t>(bucket);
    for (int i = 0; i < 8; ++i)
        in[i] = static_cast<unsigned char>(b >> (8 * i));
    std::memcpy(in + 8, ip.bytes.data(), 16);
    in[24] = static_cast<unsigned char>(port >> 8);
    in[25] = static_cast<unsigned char>(port);
    in[26] = ip.v6 ? 6 : 4;
    unsigned char out[8];
    crypto_shorthash(out, in, sizeof in, m_key.data());
    std::uint64_t v = 0;
    std::memcpy(&v, out, 8);
    return v;
}

std::uint64_t ConnectionIds::issue(const proto::IpAddress &ip, std::uint16_t port,
                                   std::int64_t now) const
{
    return compute(now / 60, ip, port);
}

bool ConnectionIds::check(std::uint64_t id, const proto::IpAddress &ip, std::uint16_t port,
                          std::int64_t now) const
{
    const std::uint64_t current = compute(now / 60, ip, port);
    const std::uint64_t previous = compute(now / 60 - 1, ip, port);
    // Both compared, in constant time, so timing says nothing about which bucket matched.
    const int a = sodium_memcmp(&id, &current, sizeof id);
    const int b = sodium_memcmp(&id, &previous, sizeof id);
    return (a == 0) | (b == 0);
}

} // namespace sk::net
