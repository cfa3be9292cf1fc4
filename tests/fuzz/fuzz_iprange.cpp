// libFuzzer target for IpRange::parse, the parser of ban addresses and ranges from the admin
// API: never crashes, and whatever it accepts has a canonical text that parses back to it.
#include "fuzzcheck.h"
#include "shared/types/iprange.h"

#include <cstddef>
#include <cstdint>

using namespace sk::proto;

using sk::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QString text =
        QString::fromUtf8(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
    for (const bool clear : {false, true}) {
        const auto r = IpRange::parse(text, clear);
        if (!r)
            continue;
        check(r->prefixLength >= 0 && r->prefixLength <= r->maxPrefix());
        check(masked(r->network, r->prefixLength) == r->network);
        check(r->contains(r->network));
        const auto back = IpRange::parse(r->toString());
        check(back && *back == *r);
        if (!clear) // a strict accept is also a lenient one, unchanged
            check(IpRange::parse(text, true) == r);
    }
    return 0;
}
