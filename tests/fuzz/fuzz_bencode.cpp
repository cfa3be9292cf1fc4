// libFuzzer target for the bencode decoder: no crash, no sanitizer report, and since only the
// canonical encoding is accepted, every accepted input re-encodes to exactly itself.
#include "shared/bencode/bencode.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace sk::proto::bencode;

namespace {

[[noreturn]] void fail(const char *what)
{
    std::fprintf(stderr, "fuzz_bencode: %s\n", what);
    std::abort();
}

void checkConsistent(const DecodeResult &r, QByteArrayView input)
{
    if (r.value.has_value() != (r.error == DecodeError::None))
        fail("value set iff error is None");
    if (r.offset < 0 || r.offset > input.size())
        fail("error offset outside the input");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView input(data, static_cast<qsizetype>(size));

    const DecodeResult r = decode(input);
    checkConsistent(r, input);

    // Tight limits must reject, never change, what the default limits accept.
    DecodeLimits tight;
    tight.maxDepth = 3;
    tight.maxElements = 16;
    const DecodeResult t = decode(input, tight);
    checkConsistent(t, input);
    if (t.value && !(r.value && *t.value == *r.value))
        fail("tight limits accepted something different");

    if (!r.value)
        return 0;
    if (r.offset != input.size())
        fail("success must consume the whole input");

    const QByteArray again = encode(*r.value);
    if (QByteArrayView(again) != input)
        fail("encode(decode(x)) != x for an accepted x");

    // The streaming writer is what encode() uses; check it through a second decode too.
    const DecodeResult back = decode(again);
    if (!back.value || !(*back.value == *r.value))
        fail("decode(encode(v)) != v");
    return 0;
}
