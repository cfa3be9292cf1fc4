// bench_flush: how long the stats writer takes to commit N pending ledger records to a real
// SQLite file (issue 4's target: 1M deltas in <= 2 s). Every record is a distinct peer (the
// worst case: one peer journal entry each) spread over `users` users and `torrents` torrents.
//
//   bench_flush [records=1000000] [torrents=1000] [users=10000]
//
// The N peers are in the peer store, as in a server that took their announces. Round 1
// announces every peer; round 2 announces the same peers again; round 3 stops half of them.
// Each line: round, records, wall ms and process CPU ms of the flush (drain, coalescing, the
// SQLite commit, and when the log has outgrown its bound, staging the snapshot that replaces
// it: "staged"), records per second, and the coalescing alone (measured separately on the
// same records). The last line, `snapshot`, is a compaction on its own: the N peers copied,
// staged and made current by one commit.
#include "server/core/clock.h"
#include "server/core/statswriter.h"
#include "server/peers/memorypeerstore.h"
#include "server/storage/sqldatabase.h"

#include <QCoreApplication>
#include <QTemporaryDir>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <vector>

using namespace sk;

namespace {

double cpuMs()
{
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

// Peer i of the pool: the same in the store and in the ledger's records.
proto::PeerId peerIdOf(std::size_t i)
{
    proto::PeerId id;
    for (std::size_t b = 0; b < id.bytes.size(); ++b)
        id.bytes[b] = static_cast<std::uint8_t>(std::uint64_t(i) >> ((b % 8) * 8));
    id.bytes[0] = '-';
    return id;
}

proto::PeerEndpoint endpointOf(std::size_t i)
{
    return proto::PeerEndpoint::make(proto::IpAddress::fromV4(0x0A000000u + std::uint32_t(i)),
                                     std::uint16_t(6881));
}

int fail(const char *what, const QString &error)
{
    std::fprintf(stderr, "bench_flush: %s: %s\n", what, qPrintable(error));
    return 1;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const std::size_t records = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1'000'000;
    const std::uint32_t torrents =
        argc > 2 ? std::uint32_t(std::strtoul(argv[2], nullptr, 10)) : 1000;
    const std::uint32_t users =
        argc > 3 ? std::uint32_t(std::strtoul(argv[3], nullptr, 10)) : 10000;
    if (records == 0 || torrents == 0 || users == 0) {
        std::fprintf(stderr, "usage: bench_flush [records] [torrents] [users]\n");
        return 2;
    }

    QTemporaryDir dir;
    storage::StorageSettings settings;
    settings.path = dir.filePath(QStringLiteral("flush.db"));
    QString error;
    auto db = storage::SqlDatabase::open(settings, &error);
    if (!db)
        return fail("open", error);
    std::vector<core::UserId> userIds;
    std::vector<core::TorrentId> torrentIds;
    std::vector<proto::InfoHash> hashes;
    for (std::uint32_t i = 0; i < users; ++i) {
        QByteArray key = QByteArray::number(i).rightJustified(32, 'k');
        const auto u =
            db->insertUser(QStringLiteral("u%1").arg(i), *proto::Passkey::fromText(key), 1);
        if (!u.ok())
            return fail("insert user", u.message);
        userIds.push_back(u.value.id);
    }
    for (std::uint32_t i = 0; i < torrents; ++i) {
        proto::InfoHash ih;
        for (std::size_t b = 0; b < ih.bytes.size(); ++b)
            ih.bytes[b] = static_cast<std::uint8_t>((i >> ((b % 4) * 8)) ^ b);
        const auto t = db->insertTorrent(ih, QStringLiteral("t%1").arg(i), 1);
        if (!t.ok())
            return fail("insert torrent", t.message);
        torrentIds.push_back(t.value.id);
        hashes.push_back(ih);
    }

    core::ManualClock clock;
    clock.set(1'000'000);
    core::StatsLedger ledger;
    core::Registry registry;
    peers::MemoryPeerStore store;
    core::StatsWriter writer(ledger, *db, clock, store, registry);
    for (std::uint32_t i = 0; i < torrents; ++i)
        registry.putTorrent(torrentIds[i], hashes[i], {});
    proto::AnnounceResult out;
    for (std::size_t i = 0; i < records; ++i) {
        core::PeerAnnounce a;
        a.infoHash = hashes[i % torrents];
        a.userId = userIds[(i / torrents) % users];
        a.peerId = peerIdOf(i);
        a.endpoint = endpointOf(i);
        a.uploaded = 3000;
        a.now = clock.now();
        store.announce(a, out);
    }
    std::uint64_t sequence = 0;
    std::printf("%-8s %10s %10s %10s %12s %12s %9s\n", "round", "records", "wall_ms", "cpu_ms",
                "records/s", "coalesce_ms", "snapshot");
    for (int round = 1; round <= 3; ++round) {
        clock.set(clock.now() + 30);
        std::vector<core::StatsRecord> batch;
        batch.reserve(records);
        for (std::size_t i = 0; i < records; ++i) {
            core::StatsRecord &r = batch.emplace_back();
            r.sequence = ++sequence;
            r.torrent = torrentIds[i % torrents];
            r.user = userIds[(i / torrents) % users];
            r.peerId = peerIdOf(i);
            r.credit.rawUploaded = r.credit.uploaded = 1000 * std::uint64_t(round);
            r.credit.rawDownloaded = r.credit.downloaded = 500;
            r.uploaded = 1000 * std::uint64_t(round);
            r.downloaded = 500 * std::uint64_t(round);
            r.left = round == 1 ? 1 << 20 : 0;
            r.endpoint = endpointOf(i);
            r.lastAnnounce = clock.now();
            r.stopped = round == 3 && i % 2 == 0;
        }
        // The coalescing part of a flush alone, for the breakdown.
        const auto k0 = std::chrono::steady_clock::now();
        core::StatsBatch coalesced;
        coalesced.addAll(batch);
        const double coalesceMs =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - k0)
                .count();
        coalesced = core::StatsBatch{};
        for (const core::StatsRecord &r : batch)
            ledger.append(r);
        batch = {};
        const std::uint64_t snapshots = writer.snapshots();
        const double c0 = cpuMs();
        const auto t0 = std::chrono::steady_clock::now();
        const core::FlushResult result = writer.flush();
        const auto t1 = std::chrono::steady_clock::now();
        const double c1 = cpuMs();
        if (!result.ok)
            return fail("flush", db->lastError());
        const double ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
        static const char *names[] = {"insert", "update", "stop½"};
        std::printf("%-8s %10zu %10.0f %10.0f %12.0f %12.0f %9s\n", names[round - 1],
                    result.records, ms, c1 - c0, double(result.records) / (ms / 1e3), coalesceMs,
                    writer.snapshots() > snapshots ? "staged" : "-");
        std::fflush(stdout);
    }

    const double c0 = cpuMs();
    const auto t0 = std::chrono::steady_clock::now();
    if (!writer.snapshot())
        return fail("snapshot", db->lastError());
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%-8s %10zu %10.0f %10.0f %12.0f %12s %9s\n", "snapshot", records, ms, cpuMs() - c0,
                double(records) / (ms / 1e3), "-", "staged");
    return 0;
}
