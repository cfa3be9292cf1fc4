// bytescan: the byte helpers the HTTP parser and the announce-query parser share (internal to
// shared/protocol; both run per request, so each compiles to inline code, not a library call).
#pragma once

#include <QByteArrayView>

#include <cstddef>
#include <cstring>

namespace sk::proto::bytescan {

// Equality with a literal as a constant-size memcmp the compiler expands inline; the generic
// QByteArrayView comparison is an out-of-line call, and these run per parameter per request.
template<std::size_t N> bool is(QByteArrayView v, const char (&literal)[N])
{
    return v.size() == qsizetype(N - 1) && std::memcmp(v.data(), literal, N - 1) == 0;
}

// memchr directly: QByteArrayView::indexOf goes through an out-of-line generic search.
inline qsizetype find(QByteArrayView v, char c, qsizetype from = 0)
{
    if (from >= v.size())
        return -1;
    const void *p = std::memchr(v.data() + from, c, static_cast<std::size_t>(v.size() - from));
    return p ? static_cast<const char *>(p) - v.data() : -1;
}

} // namespace sk::proto::bytescan
