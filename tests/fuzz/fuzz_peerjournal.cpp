// libFuzzer target for the peer journal's decoder and fold, which read blobs back from the
// database at every start: never crashes; an accepted blob re-encodes to exactly itself (one of
// the first format: to compact entries that decode to the same);
// folded as a snapshot or as a log, every peer it restores is a live entry of the input.
#include "fuzzcheck.h"
#include "server/core/peerjournal.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>

using namespace sk::core;

using sk::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArrayView blob(reinterpret_cast<const char *>(data), qsizetype(size));
    std::vector<journal::Entry> entries;
    if (!journal::decode(blob, entries)) {
        check(entries.empty());
        return 0;
    }
    if (blob.isEmpty())
        return 0;
    QByteArray again;
    for (const journal::Entry &e : entries)
        journal::append(again, e);
    if (blob.front() == journal::kCompactFormat) {
        check(QByteArrayView(again) == blob);
    } else { // the first format: its entries, written in the compact one, read back the same
        std::vector<journal::Entry> back;
        check(journal::decode(again, back) && back == entries);
    }

    for (const bool asSnapshot : {false, true}) {
        journal::Fold fold;
        // Half as a snapshot and half as a log, or all as a log.
        const auto half = entries.begin() + std::ptrdiff_t(asSnapshot ? entries.size() / 2 : 0);
        fold.addSnapshot(std::vector<journal::Entry>(entries.begin(), half));
        fold.addLog(std::vector<journal::Entry>(half, entries.end()));
        for (const PeerRecord &p : fold.peers(std::numeric_limits<std::int64_t>::min())) {
            check(std::any_of(entries.begin(), entries.end(), [&](const journal::Entry &e) {
                return e.kind == journal::EntryKind::Live && e.peer == p;
            }));
        }
    }
    return 0;
}
