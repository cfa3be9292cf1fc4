// Accounting through the real swarmkeeperd: announces with known counters credit users
// exactly once, across replays, counter resets, SIGTERM and kill -9 followed by a restart.
#include "trackerprocess.h"

#include <QTest>

#include <csignal>
#include <sys/types.h>

using namespace sk;
using itest::TrackerProcess;

namespace {

proto::InfoHash hashOf(char c)
{
    proto::InfoHash h;
    h.bytes.fill(static_cast<unsigned char>(c));
    return h;
}

struct Counters
{
    quint64 uploaded = 0;
    quint64 downloaded = 0;
    quint64 left = 0;
};

QByteArray query(const proto::InfoHash &ih, const QByteArray &peerId, Counters c,
                 const char *event = nullptr)
{
    QByteArray q = "info_hash=" + ih.toByteArray().toPercentEncoding() +
                   "&peer_id=" + peerId.toPercentEncoding() + "&port=6881&compact=1" +
                   "&uploaded=" + QByteArray::number(c.uploaded) +
                   "&downloaded=" + QByteArray::number(c.downloaded) +
                   "&left=" + QByteArray::number(c.left);
    if (event)
        q += QByteArray("&event=") + event;
    return q;
}

} // namespace

class TestStatsFlow : public QObject
{
    Q_OBJECT
private:
    struct Account
    {
        QString passkey;
        qint64 id = 0;
    };

    // A user and a registered torrent on `p`.
    static Account setUp(TrackerProcess &p, const proto::InfoHash &ih, const QString &name)
    {
        const QJsonObject user = p.createUser(name);
        p.createTorrent(ih, name);
        return {user.value(QStringLiteral("passkey")).toString(),
                user.value(QStringLiteral("id")).toInteger()};
    }

    static bool announce(TrackerProcess &p, const Account &a, const proto::InfoHash &ih,
                         const QByteArray &peerId, Counters c, const char *event = nullptr)
    {
        const auto reply = p.announce(a.passkey, query(ih, peerId, c, event));
        return reply && reply->isDict() && !reply->find("failure reason");
    }

    static bool flush(TrackerProcess &p)
    {
        return p.adminRequest("POST", QStringLiteral("/admin/stats/flush")).status == 200;
    }

    // uploaded/downloaded as GET /admin/users/:id reports them.
    static std::pair<qint64, qint64> totals(TrackerProcess &p, const Account &a)
    {
        const auto r = p.adminRequest("GET", QStringLiteral("/admin/users/%1").arg(a.id));
        return {r.json.value(QStringLiteral("uploaded")).toInteger(-1),
                r.json.value(QStringLiteral("downloaded")).toInteger(-1)};
    }

    static void killHard(TrackerProcess &p)
    {
        ::kill(static_cast<pid_t>(p.processId()), SIGKILL);
        QVERIFY(p.waitForExit());
        QCOMPARE(p.exitStatus(), QProcess::CrashExit);
    }

private Q_SLOTS:
    // The flush interval is an hour in every test: only POST /admin/stats/flush, SIGTERM or
    // nothing (kill -9) commits, so each step below is deterministic.

    // A burst reaching stats.flush_records is committed at once, long before the interval.
    void burstFlushesEarly()
    {
        TrackerProcess p;
        QVERIFY(p.start({QStringLiteral("--set"), QStringLiteral("stats.flush_interval=3600"),
                         QStringLiteral("--set"), QStringLiteral("stats.flush_records=3")}));
        const auto ih = hashOf('w');
        const Account a = setUp(p, ih, QStringLiteral("walt"));
        const QByteArray peer = "-qB4520-wwwwwwwwwwww";
        QVERIFY(announce(p, a, ih, peer, {0, 0, 1000}, "started"));
        QVERIFY(announce(p, a, ih, peer, {100, 10, 990}));
        QTest::qWait(300);
        QCOMPARE(totals(p, a), std::make_pair(qint64(0), qint64(0))); // 2 pending: not yet
        QVERIFY(announce(p, a, ih, peer, {250, 40, 960}));            // the third: a commit now
        QTRY_COMPARE_WITH_TIMEOUT(totals(p, a), std::make_pair(qint64(250), qint64(40)), 5000);
        QVERIFY(p.stop());
    }

    void deltasAreCreditedOnce()
    {
        TrackerProcess p;
        QVERIFY(p.start({QStringLiteral("--set"), QStringLiteral("stats.flush_interval=3600")}));
        const auto ih = hashOf('a');
        const Account a = setUp(p, ih, QStringLiteral("alice"));
        const QByteArray peer = "-qB4520-aaaaaaaaaaaa";
        // The first announce of a peer is its baseline: nothing credited, whatever it says.
        QVERIFY(announce(p, a, ih, peer, {50, 20, 1000}, "started"));
        QVERIFY(announce(p, a, ih, peer, {350, 220, 800}));
        QVERIFY(flush(p));
        QCOMPARE(totals(p, a), std::make_pair(qint64(300), qint64(200)));
        // A replayed announce credits nothing.
        QVERIFY(announce(p, a, ih, peer, {350, 220, 800}));
        QVERIFY(flush(p));
        QCOMPARE(totals(p, a), std::make_pair(qint64(300), qint64(200)));
        // Counters that go backwards start a new baseline; growth after it counts.
        QVERIFY(announce(p, a, ih, peer, {10, 5, 800}));
        QVERIFY(announce(p, a, ih, peer, {60, 5, 800}));
        // The stopped announce's own delta counts too.
        QVERIFY(announce(p, a, ih, peer, {100, 25, 780}, "stopped"));
        QVERIFY(flush(p));
        QCOMPARE(totals(p, a), std::make_pair(qint64(390), qint64(220)));
        // A refused announce (unknown passkey) credits nobody.
        Account stranger = a;
        stranger.passkey = QStringLiteral("ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ");
        QVERIFY(!announce(p, stranger, ih, peer, {9999, 9999, 0}));
        QVERIFY(flush(p));
        QCOMPARE(totals(p, a), std::make_pair(qint64(390), qint64(220)));
        QVERIFY(p.stop());
    }

    // SIGTERM commits what is pending; the restarted server knows every peer's baseline.
    void sigtermLosesNothing()
    {
        TrackerProcess p;
        const QStringList args{QStringLiteral("--set"),
                               QStringLiteral("stats.flush_interval=3600")};
        QVERIFY(p.start(args));
        const auto ih = hashOf('b');
        const Account a = setUp(p, ih, QStringLiteral("bob"));
        const QByteArray peer = "-TR3000-bbbbbbbbbbbb";
        QVERIFY(announce(p, a, ih, peer, {0, 0, 500}, "started"));
        QVERIFY(announce(p, a, ih, peer, {400, 100, 400}));
        QVERIFY(p.stop()); // no flush was asked for
        QVERIFY(p.start(args));
        QCOMPARE(totals(p, a), std::make_pair(qint64(400), qint64(100)));
        // The swarm came back: the peer is counted, and its next report is a delta.
        const auto scrape =
            p.scrape(a.passkey, "info_hash=" + ih.toByteArray().toPercentEncoding());
        QVERIFY(scrape);
        const auto *files = scrape->find("files");
        QVERIFY(files && files->find(ih.toByteArray()));
        QCOMPARE(files->find(ih.toByteArray())->find("incomplete")->toInt(), 1);
        QVERIFY(announce(p, a, ih, peer, {450, 100, 400}));
        QVERIFY(flush(p));
        QCOMPARE(totals(p, a), std::make_pair(qint64(450), qint64(100)));
        QVERIFY(p.stop());
    }

    // kill -9 between flushes: the clients' next reports credit exactly what the last commit
    // had not, for a peer whose credited totals were committed and for one known only by its
    // committed baseline. Zero bytes lost, zero counted twice.
    void killNineCreditsExactlyOnce()
    {
        TrackerProcess p;
        const QStringList args{QStringLiteral("--set"),
                               QStringLiteral("stats.flush_interval=3600")};
        QVERIFY(p.start(args));
        const auto ih1 = hashOf('c');
        const auto ih2 = hashOf('d');
        const Account carol = setUp(p, ih1, QStringLiteral("carol"));
        const Account dave = setUp(p, ih2, QStringLiteral("dave"));
        const QByteArray cp = "-lt0D80-cccccccccccc";
        const QByteArray dp = "-DE13F0-dddddddddddd";
        QVERIFY(announce(p, carol, ih1, cp, {0, 0, 9000}, "started"));
        QVERIFY(announce(p, dave, ih2, dp, {0, 0, 0}, "started"));
        QVERIFY(announce(p, carol, ih1, cp, {1000, 3000, 6000}));
        QVERIFY(flush(p)); // committed: carol 1000/3000, both peers' baselines
        QVERIFY(announce(p, carol, ih1, cp, {1500, 4000, 5000}));
        QVERIFY(announce(p, dave, ih2, dp, {700, 0, 0}));
        killHard(p); // the last two announces were never committed
        QVERIFY(p.start(args));
        QCOMPARE(totals(p, carol), std::make_pair(qint64(1000), qint64(3000)));
        QCOMPARE(totals(p, dave), std::make_pair(qint64(0), qint64(0)));
        QVERIFY(announce(p, carol, ih1, cp, {2000, 9000, 0}, "completed"));
        QVERIFY(announce(p, dave, ih2, dp, {900, 0, 0}));
        QVERIFY(flush(p));
        // Exactly what the clients reported in all: nothing lost, nothing twice.
        QCOMPARE(totals(p, carol), std::make_pair(qint64(2000), qint64(9000)));
        QCOMPARE(totals(p, dave), std::make_pair(qint64(900), qint64(0)));
        QVERIFY(p.stop());
    }

    // A user deleted while their deltas wait must not wedge the batch for everyone else.
    void deletedUserDoesNotBlockTheBatch()
    {
        TrackerProcess p;
        QVERIFY(p.start({QStringLiteral("--set"), QStringLiteral("stats.flush_interval=3600")}));
        const auto ih = hashOf('e');
        const Account erin = setUp(p, ih, QStringLiteral("erin"));
        const QJsonObject frank = p.createUser(QStringLiteral("frank"));
        const Account f{frank.value(QStringLiteral("passkey")).toString(),
                        frank.value(QStringLiteral("id")).toInteger()};
        QVERIFY(announce(p, erin, ih, "-qB4520-eeeeeeeeeeee", {0, 0, 10}, "started"));
        QVERIFY(announce(p, f, ih, "-qB4520-ffffffffffff", {0, 0, 0}, "started"));
        QVERIFY(flush(p));
        QVERIFY(announce(p, erin, ih, "-qB4520-eeeeeeeeeeee", {0, 10, 0}, "completed"));
        QVERIFY(announce(p, f, ih, "-qB4520-ffffffffffff", {10, 0, 0}));
        QCOMPARE(p.adminRequest("DELETE", QStringLiteral("/admin/users/%1").arg(f.id)).status, 200);
        QVERIFY(flush(p));
        QCOMPARE(totals(p, erin), std::make_pair(qint64(0), qint64(10)));
        // The deleted user's late peer row is not brought back by a restart: only erin seeds.
        QVERIFY(p.stop());
        QVERIFY(p.start());
        const auto t = p.adminRequest("GET", QStringLiteral("/admin/torrents/") + ih.toHexString());
        QCOMPARE(t.json.value(QStringLiteral("seeders")).toInt(), 1);
        QVERIFY(p.stop());
    }

    // Multipliers and freeleech set through the admin API change what the next announces
    // credit, survive a restart, and bad requests get their JSON error without changing them.
    void freeleechAndMultipliers()
    {
        TrackerProcess p;
        const QStringList args{QStringLiteral("--set"),
                               QStringLiteral("stats.flush_interval=3600")};
        QVERIFY(p.start(args));
        const auto ih = hashOf('g');
        const Account a = setUp(p, ih, QStringLiteral("gina"));
        const QString torrent = QStringLiteral("/admin/torrents/") + ih.toHexString();
        const QByteArray peer = "-qB4520-gggggggggggg";
        QVERIFY(announce(p, a, ih, peer, {0, 0, 1000}, "started"));

        auto r = p.adminRequest(
            "PUT", torrent + QStringLiteral("/multipliers"),
            QJsonObject{{QStringLiteral("upload"), 2}, {QStringLiteral("download"), 0.5}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json.value(QStringLiteral("upload_multiplier")).toDouble(), 2.0);
        QVERIFY(announce(p, a, ih, peer, {100, 100, 900}));
        QVERIFY(flush(p));
        QCOMPARE(totals(p, a), std::make_pair(qint64(200), qint64(50)));

        r = p.adminRequest("POST", torrent + QStringLiteral("/freeleech"));
        QCOMPARE(r.status, 200);
        QVERIFY(r.json.value(QStringLiteral("freeleech")).toBool());
        QVERIFY(r.json.value(QStringLiteral("freeleech_until")).isNull());
        QCOMPARE(p.adminRequest("GET", QStringLiteral("/admin/freeleech"))
                     .json.value(QStringLiteral("total"))
                     .toInteger(),
                 1);
        QVERIFY(announce(p, a, ih, peer, {200, 300, 700}));
        QVERIFY(flush(p));
        QCOMPARE(totals(p, a), std::make_pair(qint64(400), qint64(50)));

        QCOMPARE(p.adminRequest("DELETE", torrent + QStringLiteral("/freeleech")).status, 200);
        QVERIFY(announce(p, a, ih, peer, {200, 400, 600}));
        QVERIFY(flush(p));
        QCOMPARE(totals(p, a), std::make_pair(qint64(400), qint64(100)));

        r = p.adminRequest("POST", torrent + QStringLiteral("/freeleech"),
                           QJsonObject{{QStringLiteral("duration"), 3600}});
        QCOMPARE(r.status, 200);
        QVERIFY(r.json.value(QStringLiteral("freeleech_until")).isString());

        // Bad requests: the right status and code, and nothing changes.
        const struct
        {
            QByteArray method;
            QString path;
            QJsonObject body;
            int status;
            const char *code;
        } bad[] = {
            {"PUT", torrent + QStringLiteral("/multipliers"),
             QJsonObject{{QStringLiteral("upload"), -1}}, 422, "invalid_value"},
            {"PUT", torrent + QStringLiteral("/multipliers"),
             QJsonObject{{QStringLiteral("upload"), 101}}, 422, "invalid_value"},
            {"PUT", torrent + QStringLiteral("/multipliers"),
             QJsonObject{{QStringLiteral("download"), QStringLiteral("2")}}, 422, "invalid_value"},
            {"PUT", torrent + QStringLiteral("/multipliers"),
             QJsonObject{{QStringLiteral("ratio"), 2}}, 422, "unknown_field"},
            {"POST", torrent + QStringLiteral("/freeleech"),
             QJsonObject{{QStringLiteral("duration"), 0}}, 422, "invalid_value"},
            {"POST", torrent + QStringLiteral("/freeleech"),
             QJsonObject{{QStringLiteral("duration"), 1.5}}, 422, "invalid_value"},
            {"POST", QStringLiteral("/admin/torrents/999999/freeleech"), {}, 404, "not_found"},
            {"PUT", QStringLiteral("/admin/torrents/nothex/multipliers"),
             QJsonObject{{QStringLiteral("upload"), 1}}, 400, "invalid_parameter"},
        };
        for (const auto &b : bad) {
            const auto reply = p.adminRequest(b.method, b.path, b.body);
            QCOMPARE(reply.status, b.status);
            QCOMPARE(reply.errorCode(), QString::fromLatin1(b.code));
        }
        QCOMPARE(p.adminRaw("PUT", torrent + QStringLiteral("/multipliers"), R"({"upload":3})",
                            {{"Content-Type", "application/json"}})
                     .status,
                 401);

        // The terms are in the database: a restarted server still applies them.
        QVERIFY(p.stop());
        QVERIFY(p.start(args));
        r = p.adminRequest("GET", torrent);
        QCOMPARE(r.json.value(QStringLiteral("upload_multiplier")).toDouble(), 2.0);
        QCOMPARE(r.json.value(QStringLiteral("download_multiplier")).toDouble(), 0.5);
        QVERIFY(r.json.value(QStringLiteral("freeleech")).toBool());
        QVERIFY(announce(p, a, ih, peer, {300, 500, 500}));
        QVERIFY(flush(p));
        QCOMPARE(totals(p, a), std::make_pair(qint64(600), qint64(100)));
        QVERIFY(p.stop());
    }

    // Who may leech, through the API and the real announce path: PUT /admin/users/:id/leech,
    // the ratio rule over committed credit (each commit patches the in-memory totals), and
    // corrections with PUT .../stats that a concurrent delta lands on exactly once.
    void leechRulesAndCorrections()
    {
        TrackerProcess p;
        const QStringList args{QStringLiteral("--set"), QStringLiteral("stats.flush_interval=3600"),
                               QStringLiteral("--set"),
                               QStringLiteral("policy.ratio_grace_bytes=1000")};
        QVERIFY(p.start(args)); // min_ratio stays at its default, 0.3
        const auto ih = hashOf('h');
        const Account a = setUp(p, ih, QStringLiteral("hana"));
        const QString user = QStringLiteral("/admin/users/%1").arg(a.id);
        const QByteArray leecher = "-qB4520-hhhhhhhhhhhh";
        const QByteArray seeder = "-qB4520-HHHHHHHHHHHH";
        auto failure = [&](const QByteArray &peer, Counters c, const char *event = nullptr) {
            const auto reply = p.announce(a.passkey, query(ih, peer, c, event));
            return reply && reply->find("failure reason")
                       ? itest::dictBytes(*reply, "failure reason")
                       : QByteArray();
        };
        QCOMPARE(failure(leecher, {0, 0, 1000}, "started"), QByteArray());

        auto r = p.adminRequest("PUT", user + QStringLiteral("/leech"),
                                QJsonObject{{QStringLiteral("can_leech"), false}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json.value(QStringLiteral("can_leech")), QJsonValue(false));
        QVERIFY(failure(leecher, {0, 0, 1000}).startsWith("leeching is disabled"));
        QCOMPARE(failure(seeder, {0, 0, 0}, "started"), QByteArray()); // seeding is allowed
        QCOMPARE(failure(leecher, {0, 0, 1000}, "stopped"), QByteArray());
        r = p.adminRequest("PUT", user + QStringLiteral("/leech"),
                           QJsonObject{{QStringLiteral("can_leech"), true}});
        QCOMPARE(r.status, 200);
        QCOMPARE(failure(leecher, {0, 0, 1000}, "started"), QByteArray());

        // Past the grace bytes with no upload: ratio 0 < 0.3, leeching refused, seeding not.
        r = p.adminRequest("PUT", user + QStringLiteral("/stats"),
                           QJsonObject{{QStringLiteral("downloaded"), 2000}});
        QCOMPARE(r.status, 200);
        QCOMPARE(totals(p, a), std::make_pair(qint64(0), qint64(2000)));
        QVERIFY(failure(leecher, {0, 0, 1000}).contains("ratio"));
        // The seeder uploads 600 bytes; once committed, the ratio is 0.3 and leeching is back.
        QCOMPARE(failure(seeder, {600, 0, 0}), QByteArray());
        QVERIFY(failure(leecher, {0, 0, 1000}).contains("ratio")); // not committed yet
        QVERIFY(flush(p));
        QCOMPARE(totals(p, a), std::make_pair(qint64(600), qint64(2000)));
        QCOMPARE(failure(leecher, {0, 0, 1000}), QByteArray());

        // A correction while a delta is pending: the delta lands once, on top of it.
        QCOMPARE(failure(seeder, {700, 0, 0}), QByteArray()); // +100, pending
        r = p.adminRequest("PUT", user + QStringLiteral("/stats"),
                           QJsonObject{{QStringLiteral("uploaded"), 5000},
                                       {QStringLiteral("downloaded"), QStringLiteral("3000")}});
        QCOMPARE(r.status, 200);
        QCOMPARE(totals(p, a), std::make_pair(qint64(5000), qint64(3000)));
        QVERIFY(flush(p));
        QVERIFY(flush(p));
        QCOMPARE(totals(p, a), std::make_pair(qint64(5100), qint64(3000)));

        // Torrent corrections: the completed count is what scrape reports as `downloaded`,
        // and, being committed, it survives a restart.
        const QString torrent = QStringLiteral("/admin/torrents/") + ih.toHexString();
        r = p.adminRequest(
            "PUT", torrent + QStringLiteral("/stats"),
            QJsonObject{{QStringLiteral("completed"), 42}, {QStringLiteral("uploaded"), 7}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json.value(QStringLiteral("completed")).toInteger(), 42);
        QCOMPARE(r.json.value(QStringLiteral("uploaded")).toInteger(), 7);
        auto scrapedDownloads = [&] {
            const auto s = p.scrape(a.passkey, itest::scrapeQuery({ih}));
            const auto *files = s ? s->find("files") : nullptr;
            const auto *entry = files ? files->find(ih.view()) : nullptr;
            return entry ? itest::dictInt(*entry, "downloaded") : -1;
        };
        QCOMPARE(scrapedDownloads(), 42);

        // Bad requests: the right status and code, and nothing changes.
        const struct
        {
            QByteArray method;
            QString path;
            QJsonObject body;
            int status;
            const char *code;
        } bad[] = {
            {"PUT", user + QStringLiteral("/leech"), {}, 422, "missing_field"},
            {"PUT", user + QStringLiteral("/leech"),
             QJsonObject{{QStringLiteral("can_leech"), QStringLiteral("no")}}, 422,
             "invalid_value"},
            {"PUT", user + QStringLiteral("/leech"), QJsonObject{{QStringLiteral("leech"), false}},
             422, "unknown_field"},
            {"PUT", QStringLiteral("/admin/users/abc/leech"),
             QJsonObject{{QStringLiteral("can_leech"), false}}, 400, "invalid_parameter"},
            {"PUT", QStringLiteral("/admin/users/999999/leech"),
             QJsonObject{{QStringLiteral("can_leech"), false}}, 404, "not_found"},
            {"PUT", user + QStringLiteral("/stats"), {}, 422, "missing_field"},
            {"PUT", user + QStringLiteral("/stats"), QJsonObject{{QStringLiteral("uploaded"), -1}},
             422, "invalid_value"},
            {"PUT", user + QStringLiteral("/stats"), QJsonObject{{QStringLiteral("uploaded"), 1.5}},
             422, "invalid_value"},
            {"PUT", user + QStringLiteral("/stats"),
             QJsonObject{{QStringLiteral("uploaded"), QStringLiteral("12a")}}, 422,
             "invalid_value"},
            {"PUT", user + QStringLiteral("/stats"),
             QJsonObject{{QStringLiteral("uploaded"), QStringLiteral("9223372036854775808")}}, 422,
             "invalid_value"},
            {"PUT", user + QStringLiteral("/stats"), QJsonObject{{QStringLiteral("ratio"), 1}}, 422,
             "unknown_field"},
            {"PUT", QStringLiteral("/admin/users/999999/stats"),
             QJsonObject{{QStringLiteral("uploaded"), 1}}, 404, "not_found"},
            {"PUT", torrent + QStringLiteral("/stats"),
             QJsonObject{{QStringLiteral("completed"), -3}}, 422, "invalid_value"},
            {"PUT", torrent + QStringLiteral("/stats"), {}, 422, "missing_field"},
            {"PUT", QStringLiteral("/admin/torrents/999999/stats"),
             QJsonObject{{QStringLiteral("completed"), 1}}, 404, "not_found"},
        };
        for (const auto &b : bad) {
            const auto reply = p.adminRequest(b.method, b.path, b.body);
            QCOMPARE(reply.status, b.status);
            QCOMPARE(reply.errorCode(), QString::fromLatin1(b.code));
        }
        const QStringList guarded{user + QStringLiteral("/leech"), user + QStringLiteral("/stats"),
                                  torrent + QStringLiteral("/stats")};
        for (const QString &path : guarded)
            QCOMPARE(p.adminRaw("PUT", path, R"({"can_leech":false})",
                                {{"Content-Type", "application/json"}})
                         .status,
                     401);
        QCOMPARE(totals(p, a), std::make_pair(qint64(5100), qint64(3000)));
        r = p.adminRequest(
            "PUT", user + QStringLiteral("/stats"),
            QJsonObject{{QStringLiteral("uploaded"), QStringLiteral("9223372036854775807")}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json.value(QStringLiteral("uploaded")).toString(),
                 QStringLiteral("9223372036854775807"));

        QVERIFY(p.stop());
        QVERIFY(p.start(args));
        QCOMPARE(scrapedDownloads(), 42);
        QCOMPARE(p.adminRequest("GET", user).json.value(QStringLiteral("can_leech")),
                 QJsonValue(true));
        QVERIFY(p.stop());
    }
};

QTEST_GUILESS_MAIN(TestStatsFlow)
#include "tst_statsflow.moc"
