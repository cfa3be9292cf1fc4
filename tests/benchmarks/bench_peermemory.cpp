// bench_peermemory: resident memory per peer in MemoryPeerStore, and its announce rate, with N
// peers over T torrents, the way swarmkeeperd holds them. Not a pass/fail test.
#include "server/peers/memorypeerstore.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

using namespace sk;

static long rssBytes()
{
    std::ifstream f("/proc/self/statm");
    long pages = 0, resident = 0;
    f >> pages >> resident;
    return resident * 4096;
}

int main(int argc, char **argv)
{
    const long peers = argc > 1 ? std::atol(argv[1]) : 1'000'000;
    const long torrents = argc > 2 ? std::atol(argv[2]) : 1000;
    peers::MemoryPeerStore store;
    proto::AnnounceResult out;
    const long before = rssBytes();
    const auto t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < peers; ++i) {
        core::PeerAnnounce a;
        const long t = i % torrents;
        std::memcpy(a.infoHash.bytes.data(), &t, sizeof t);
        a.infoHash.bytes[12] = 0x5a; // not all-zero past the index
        a.userId = static_cast<core::UserId>(i + 1);
        char id[32];
        std::snprintf(id, sizeof id, "-BM0001-%012ld", i % 1'000'000'000'000L);
        std::memcpy(a.peerId.bytes.data(), id, 20);
        a.endpoint = proto::PeerEndpoint::make(
            proto::IpAddress::fromV4(0x0A000000u + static_cast<std::uint32_t>(i)), 6881);
        a.left = (i % 2) ? 0 : 1000;
        a.now = 1'700'000'000;
        a.numwant = 0; // insertion cost only; selection is measured by the load tests
        store.announce(a, out);
    }
    const auto t1 = std::chrono::steady_clock::now();
    const long after = rssBytes();
    const double secs = std::chrono::duration<double>(t1 - t0).count();
    const auto st = store.stats();
    std::printf("RESULT bench=peermemory peers=%llu torrents=%llu rss_delta_bytes=%ld "
                "bytes_per_peer=%.1f inserts_per_s=%.0f\n",
                static_cast<unsigned long long>(st.peers),
                static_cast<unsigned long long>(st.swarms), after - before,
                double(after - before) / double(st.peers), double(peers) / secs);
    return st.peers == static_cast<std::uint64_t>(peers) ? 0 : 1;
}
