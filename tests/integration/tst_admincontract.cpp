// Walks the admin API's contract through the real swarmkeeperd: every operation of the OpenAPI
// document the server serves at /admin/openapi.json gets, besides a valid call answered with its
// documented success status, a call without a token (401), with a role below its x-role (403),
// an oversized body (413), bad input (400) and a missing target (404) where it has input or a
// target; every status seen must be one the document lists for that operation. The table below
// must cover the document exactly, and every endpoint of the reference tracker's admin API
// (b1tpoti0n) must be in the document and served.
#include "trackerprocess.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTest>
#include <QWebSocket>

#include <functional>

using namespace sk;
using namespace sk::itest;

namespace {

// One operation's calls. Paths and bodies hold placeholders that the fixture fills in:
// {user} {pk} {torrent} {snatch} {ban} {range} {cheat}: objects made at the start;
// {new-user} {new-torrent} {new-snatch} {new-ban} {new-range} {new-prefix} {new-cheat}
// {new-token} {rich-user}: made for this call (deletions and spending need their own);
// {fresh-hash} {fresh-ip} {fresh-prefix} {fresh-name}: unused values, nothing made.
struct Case
{
    const char *ok;                    // path of a call that succeeds
    const char *okBody = nullptr;      // its JSON body; nullptr: none
    const char *bad = nullptr;         // path of a call with bad input (400); nullptr: none
    const char *badBody = nullptr;     // its body
    const char *missing = nullptr;     // path of a call on a target that does not exist (404)
    const char *missingBody = nullptr; // its body
};

constexpr const char *kNotJson = "{";
constexpr const char *kNoUser = "/admin/users/999999";
constexpr const char *kNoTorrent = "/admin/torrents/999999";

const QHash<QString, Case> &cases()
{
    static const std::vector<std::pair<const char *, Case>> rows{
        {"get /admin/stats", {"/admin/stats"}},
        {"post /admin/stats/flush", {"/admin/stats/flush"}},
        {"get /admin/swarms", {"/admin/swarms?sort=-peers", nullptr, "/admin/swarms?limit=0"}},
        {"get /admin/torrents/{id}/peers",
         {"/admin/torrents/{torrent}/peers", nullptr, "/admin/torrents/not-a-hash/peers", nullptr,
          "/admin/torrents/999999/peers"}},
        {"get /admin/users", {"/admin/users?sort=-uploaded", nullptr, "/admin/users?limit=0"}},
        {"post /admin/users", {"/admin/users", R"({"name":"walker"})", "/admin/users", kNotJson}},
        {"get /admin/users/search",
         {"/admin/users/search?q=contract", nullptr, "/admin/users/search"}},
        {"get /admin/users/passkey/{pk}",
         {"/admin/users/passkey/{pk}", nullptr, "/admin/users/passkey/short", nullptr,
          "/admin/users/passkey/00000000000000000000000000000000"}},
        {"get /admin/users/{id}",
         {"/admin/users/{user}", nullptr, "/admin/users/x", nullptr, kNoUser}},
        {"delete /admin/users/{id}",
         {"/admin/users/{new-user}", nullptr, "/admin/users/x", nullptr, kNoUser}},
        {"post /admin/users/{id}/reset",
         {"/admin/users/{new-user}/reset", nullptr, "/admin/users/x/reset", nullptr,
          "/admin/users/999999/reset"}},
        {"put /admin/users/{id}/leech",
         {"/admin/users/{user}/leech", R"({"can_leech":true})", "/admin/users/{user}/leech",
          kNotJson, "/admin/users/999999/leech", R"({"can_leech":true})"}},
        {"put /admin/users/{id}/stats",
         {"/admin/users/{new-user}/stats", R"({"uploaded":1})", "/admin/users/{user}/stats",
          kNotJson, "/admin/users/999999/stats", R"({"uploaded":1})"}},
        {"get /admin/torrents",
         {"/admin/torrents?sort=-completed", nullptr, "/admin/torrents?sort=size"}},
        {"post /admin/torrents",
         {"/admin/torrents", R"({"info_hash":"{fresh-hash}"})", "/admin/torrents", kNotJson}},
        {"get /admin/torrents/{id}",
         {"/admin/torrents/{torrent}", nullptr, "/admin/torrents/not-a-hash", nullptr, kNoTorrent}},
        {"delete /admin/torrents/{id}",
         {"/admin/torrents/{new-torrent}", nullptr, "/admin/torrents/not-a-hash", nullptr,
          kNoTorrent}},
        {"put /admin/torrents/{id}/multipliers",
         {"/admin/torrents/{torrent}/multipliers", R"({"upload":1,"download":1})",
          "/admin/torrents/{torrent}/multipliers", kNotJson, "/admin/torrents/999999/multipliers",
          R"({"upload":1})"}},
        {"put /admin/torrents/{id}/stats",
         {"/admin/torrents/{new-torrent}/stats", R"({"completed":1})",
          "/admin/torrents/{torrent}/stats", kNotJson, "/admin/torrents/999999/stats",
          R"({"completed":1})"}},
        {"post /admin/torrents/{id}/freeleech",
         {"/admin/torrents/{torrent}/freeleech", R"({"duration":3600})",
          "/admin/torrents/{torrent}/freeleech", kNotJson, "/admin/torrents/999999/freeleech"}},
        {"delete /admin/torrents/{id}/freeleech",
         {"/admin/torrents/{torrent}/freeleech", nullptr, "/admin/torrents/{torrent}/freeleech",
          kNotJson, "/admin/torrents/999999/freeleech"}},
        {"get /admin/freeleech", {"/admin/freeleech"}},
        {"get /admin/snatches",
         {"/admin/snatches?sort=-seedtime", nullptr, "/admin/snatches?hnr=maybe"}},
        {"get /admin/snatches/{id}",
         {"/admin/snatches/{snatch}", nullptr, "/admin/snatches/x", nullptr,
          "/admin/snatches/999999"}},
        {"put /admin/snatches/{id}",
         {"/admin/snatches/{snatch}", R"({"seedtime":5})", "/admin/snatches/{snatch}", kNotJson,
          "/admin/snatches/999999", R"({"seedtime":5})"}},
        {"delete /admin/snatches/{id}",
         {"/admin/snatches/{new-snatch}", nullptr, "/admin/snatches/x", nullptr,
          "/admin/snatches/999999"}},
        {"get /admin/users/{id}/snatches",
         {"/admin/users/{user}/snatches", nullptr, "/admin/users/x/snatches", nullptr,
          "/admin/users/999999/snatches"}},
        {"get /admin/torrents/{id}/snatches",
         {"/admin/torrents/{torrent}/snatches", nullptr, "/admin/torrents/not-a-hash/snatches",
          nullptr, "/admin/torrents/999999/snatches"}},
        {"get /admin/hnr", {"/admin/hnr", nullptr, "/admin/hnr?offset=-1"}},
        {"post /admin/hnr/check", {"/admin/hnr/check"}},
        {"delete /admin/snatches/{id}/hnr",
         {"/admin/snatches/{snatch}/hnr", nullptr, "/admin/snatches/x/hnr", nullptr,
          "/admin/snatches/999999/hnr"}},
        {"post /admin/users/{id}/warnings/clear",
         {"/admin/users/{user}/warnings/clear", nullptr, "/admin/users/x/warnings/clear", nullptr,
          "/admin/users/999999/warnings/clear"}},
        {"get /admin/cheats",
         {"/admin/cheats?user={user}", nullptr, "/admin/cheats?user=abc", nullptr,
          "/admin/cheats?torrent=999999"}},
        {"delete /admin/cheats/{id}",
         {"/admin/cheats/{new-cheat}", nullptr, "/admin/cheats/0", nullptr,
          "/admin/cheats/999999"}},
        {"get /admin/ratelimits", {"/admin/ratelimits"}},
        {"get /admin/ratelimits/{ip}",
         {"/admin/ratelimits/127.0.0.1", nullptr, "/admin/ratelimits/not-an-ip"}},
        {"delete /admin/ratelimits/{ip}",
         {"/admin/ratelimits/127.0.0.1", nullptr, "/admin/ratelimits/not-an-ip", nullptr,
          "/admin/ratelimits/192.0.2.55"}},
        {"get /admin/verification/stats", {"/admin/verification/stats"}},
        {"delete /admin/verification/cache", {"/admin/verification/cache"}},
        {"get /admin/bonus/stats", {"/admin/bonus/stats"}},
        {"post /admin/bonus/calculate", {"/admin/bonus/calculate"}},
        {"get /admin/users/{id}/points",
         {"/admin/users/{user}/points", nullptr, "/admin/users/x/points", nullptr,
          "/admin/users/999999/points"}},
        {"post /admin/users/{id}/points",
         {"/admin/users/{user}/points", R"({"points":5})", "/admin/users/{user}/points", kNotJson,
          "/admin/users/999999/points", R"({"points":1})"}},
        {"delete /admin/users/{id}/points",
         {"/admin/users/{rich-user}/points", R"({"points":1})", "/admin/users/{user}/points",
          kNotJson, "/admin/users/999999/points", R"({"points":1})"}},
        {"post /admin/users/{id}/redeem",
         {"/admin/users/{rich-user}/redeem", R"({"points":1})", "/admin/users/{user}/redeem",
          kNotJson, "/admin/users/999999/redeem", R"({"points":1})"}},
        {"get /admin/bans", {"/admin/bans", nullptr, "/admin/bans?limit=100000"}},
        {"post /admin/bans",
         {"/admin/bans", R"({"ip":"{fresh-ip}","reason":"walk"})", "/admin/bans", kNotJson}},
        {"get /admin/bans/active", {"/admin/bans/active", nullptr, "/admin/bans/active?limit=x"}},
        {"post /admin/bans/cleanup", {"/admin/bans/cleanup"}},
        {"get /admin/bans/{ip}",
         {"/admin/bans/{ban}", nullptr, "/admin/bans/not-an-ip", nullptr,
          "/admin/bans/192.0.2.99"}},
        {"put /admin/bans/{ip}",
         {"/admin/bans/{ban}", R"({"reason":"walked"})", "/admin/bans/{ban}", kNotJson,
          "/admin/bans/192.0.2.99", R"({"reason":"walked"})"}},
        {"delete /admin/bans/{ip}",
         {"/admin/bans/{new-ban}", nullptr, "/admin/bans/not-an-ip", nullptr,
          "/admin/bans/192.0.2.99"}},
        {"get /admin/bans/{ip}/{prefix}",
         {"/admin/bans/{range}", nullptr, "/admin/bans/10.77.0.0/99", nullptr,
          "/admin/bans/10.78.0.0/16"}},
        {"put /admin/bans/{ip}/{prefix}",
         {"/admin/bans/{range}", R"({"duration":3600})", "/admin/bans/{range}", kNotJson,
          "/admin/bans/10.78.0.0/16", R"({"duration":3600})"}},
        {"delete /admin/bans/{ip}/{prefix}",
         {"/admin/bans/{new-range}", nullptr, "/admin/bans/10.77.0.0/99", nullptr,
          "/admin/bans/10.78.0.0/16"}},
        {"get /admin/whitelist", {"/admin/whitelist"}},
        {"post /admin/whitelist",
         {"/admin/whitelist", R"({"prefix":"{fresh-prefix}","name":"walker"})", "/admin/whitelist",
          kNotJson}},
        {"delete /admin/whitelist/{prefix}",
         {"/admin/whitelist/{new-prefix}", nullptr, "/admin/whitelist/-THIS-PREFIX-IS-FAR-TOO-LONG",
          nullptr, "/admin/whitelist/-NOPE"}},
        {"get /admin/tokens", {"/admin/tokens"}},
        {"post /admin/tokens",
         {"/admin/tokens", R"({"name":"{fresh-name}","role":"readonly"})", "/admin/tokens",
          kNotJson}},
        {"delete /admin/tokens/{id}",
         {"/admin/tokens/{new-token}", nullptr, "/admin/tokens/x", nullptr,
          "/admin/tokens/999999"}},
        {"get /admin/audit", {"/admin/audit?token=env", nullptr, "/admin/audit?since=yesterday"}},
        {"get /admin/version", {"/admin/version"}},
        {"get /admin/openapi.json", {"/admin/openapi.json"}},
        {"get /metrics", {"/metrics"}},
        {"get /ws", {"/ws?types=stats", nullptr, "/ws?types=weather"}},
    };
    static const QHash<QString, Case> table = [] {
        QHash<QString, Case> t;
        for (const auto &[op, c] : rows)
            t.insert(QString::fromLatin1(op), c);
        return t;
    }();
    return table;
}

// The admin API of the reference tracker (b1tpoti0n's README, "Admin API"): each must be served.
const char *const kReferenceEndpoints[] = {
    "get /admin/stats",
    "get /admin/users",
    "get /admin/users/search",
    "get /admin/users/passkey/{pk}",
    "get /admin/users/{id}",
    "post /admin/users",
    "delete /admin/users/{id}",
    "put /admin/users/{id}/stats",
    "put /admin/users/{id}/leech",
    "post /admin/users/{id}/reset",
    "post /admin/users/{id}/warnings/clear",
    "get /admin/torrents",
    "get /admin/torrents/{id}",
    "post /admin/torrents",
    "delete /admin/torrents/{id}",
    "put /admin/torrents/{id}/stats",
    "get /admin/freeleech",
    "post /admin/torrents/{id}/freeleech",
    "delete /admin/torrents/{id}/freeleech",
    "put /admin/torrents/{id}/multipliers",
    "get /admin/whitelist",
    "post /admin/whitelist",
    "delete /admin/whitelist/{prefix}",
    "get /admin/bans",
    "get /admin/bans/active",
    "get /admin/bans/{ip}",
    "post /admin/bans",
    "put /admin/bans/{ip}",
    "delete /admin/bans/{ip}",
    "post /admin/bans/cleanup",
    "get /admin/ratelimits",
    "get /admin/ratelimits/{ip}",
    "delete /admin/ratelimits/{ip}",
    "get /admin/snatches/{id}",
    "get /admin/users/{id}/snatches",
    "get /admin/torrents/{id}/snatches",
    "put /admin/snatches/{id}",
    "delete /admin/snatches/{id}",
    "delete /admin/snatches/{id}/hnr",
    "get /admin/hnr",
    "post /admin/hnr/check",
    "get /admin/bonus/stats",
    "post /admin/bonus/calculate",
    "get /admin/users/{id}/points",
    "post /admin/users/{id}/points",
    "delete /admin/users/{id}/points",
    "post /admin/users/{id}/redeem",
    "post /admin/stats/flush",
    "get /admin/swarms",
    "get /admin/verification/stats",
    "delete /admin/verification/cache",
    "get /ws",
};

int roleRank(const QString &role)
{
    return QStringList{QStringLiteral("readonly"), QStringLiteral("moderator"),
                       QStringLiteral("admin")}
        .indexOf(role);
}

} // namespace

class TestAdminContract : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void everyOperationHasACase();
    void referenceEndpointsAreDocumented_data();
    void referenceEndpointsAreDocumented();
    void walk_data();
    void walk();
    void cleanupTestCase();

private:
    struct Reply
    {
        int status = 0;
        QString code;
    };
    // A request with `token` (none when empty) and a JSON body (none when null).
    Reply call(const QByteArray &method, const QString &path, const char *body,
               const QByteArray &token);
    Reply callWs(const QString &path, const QByteArray &token);
    // The placeholders of `text` filled in; `fresh` false maps {new-*} to the fixture's objects
    // (for calls refused before the handler runs).
    QString fill(const char *text, bool fresh);
    QString newUser();
    QString newTorrent();
    QString newSnatch();
    QString newCheat();
    QString newToken();
    QString newBan(bool range);
    QString newPrefix();
    QString richUser();
    QString announcer(QString *passkey, proto::InfoHash *hash);

    TrackerProcess m_server;
    QJsonObject m_contract;
    QHash<QString, QString> m_fixture; // placeholder → value
    QByteArray m_readonly;
    QByteArray m_moderator;
    int m_serial = 0;
};

void TestAdminContract::initTestCase()
{
    // Cheat flags from 1000 bytes, written with each 1 s flush; loopback is rate limited (so
    // it has buckets to show and reset), at rates this test never reaches.
    QVERIFY(m_server.start(
        {QStringLiteral("--set"), QStringLiteral("policy.cheat_min_bytes=1000"),
         QStringLiteral("--set"), QStringLiteral("stats.flush_interval=1"), QStringLiteral("--set"),
         QStringLiteral("ratelimit.exempt="), QStringLiteral("--set"),
         QStringLiteral("ratelimit.admin_rate=100000"), QStringLiteral("--set"),
         QStringLiteral("ratelimit.admin_burst=100000"), QStringLiteral("--set"),
         QStringLiteral("ratelimit.announce_rate=100000"), QStringLiteral("--set"),
         QStringLiteral("ratelimit.announce_burst=100000")}));
    const AdminReply spec = m_server.adminRequest("GET", QStringLiteral("/admin/openapi.json"));
    QCOMPARE(spec.status, 200);
    m_contract = spec.json;
    QVERIFY(m_contract.value(QStringLiteral("paths")).toObject().size() > 40);

    for (const char *role : {"readonly", "moderator"}) {
        const AdminReply t = m_server.adminRequest(
            "POST", QStringLiteral("/admin/tokens"),
            jsonObject({{"name", QStringLiteral("walk-%1").arg(QLatin1String(role))},
                        {"role", QLatin1String(role)}}));
        QCOMPARE(t.status, 201);
        (qstrcmp(role, "readonly") == 0 ? m_readonly : m_moderator) =
            t.json.value(QStringLiteral("token")).toString().toUtf8();
    }
    // The whitelist will not be empty: it lists this test's own client first.
    QCOMPARE(m_server
                 .adminRequest("POST", QStringLiteral("/admin/whitelist"),
                               jsonObject({{"prefix", QStringLiteral("-IT")},
                                           {"name", QStringLiteral("tests")}}))
                 .status,
             201);
    QString passkey;
    proto::InfoHash hash;
    m_fixture.insert(QStringLiteral("{user}"), announcer(&passkey, &hash));
    m_fixture.insert(QStringLiteral("{pk}"), passkey);
    m_fixture.insert(QStringLiteral("{torrent}"), hash.toHexString());
    m_fixture.insert(QStringLiteral("{snatch}"), newSnatch());
    m_fixture.insert(QStringLiteral("{cheat}"), newCheat());
    m_fixture.insert(QStringLiteral("{ban}"), newBan(false));
    m_fixture.insert(QStringLiteral("{range}"), newBan(true));
    m_fixture.insert(QStringLiteral("{prefix}"), newPrefix());
    m_fixture.insert(QStringLiteral("{token}"), newToken());
    for (const QString &v : std::as_const(m_fixture))
        QVERIFY2(!v.isEmpty(), "a fixture object could not be made");
}

void TestAdminContract::everyOperationHasACase()
{
    QSet<QString> documented;
    const QJsonObject paths = m_contract.value(QStringLiteral("paths")).toObject();
    for (auto p = paths.begin(); p != paths.end(); ++p) {
        const QJsonObject item = p.value().toObject();
        for (auto m = item.begin(); m != item.end(); ++m)
            if (m.key() != QLatin1String("parameters") && !m.key().startsWith(QLatin1String("x-")))
                documented.insert(m.key() + QLatin1Char(' ') + p.key());
    }
    const QList<QString> keys = cases().keys();
    const QSet<QString> tabled(keys.begin(), keys.end());
    QCOMPARE(QStringList((documented - tabled).values()), QStringList());
    QCOMPARE(QStringList((tabled - documented).values()), QStringList());
}

void TestAdminContract::referenceEndpointsAreDocumented_data()
{
    QTest::addColumn<QString>("operation");
    for (const char *op : kReferenceEndpoints)
        QTest::newRow(op) << QString::fromLatin1(op);
}

void TestAdminContract::referenceEndpointsAreDocumented()
{
    // Served is what walk() proves of every documented operation.
    QFETCH(QString, operation);
    const auto [method, path] = std::pair{operation.section(QLatin1Char(' '), 0, 0),
                                          operation.section(QLatin1Char(' '), 1)};
    const QJsonObject item =
        m_contract.value(QStringLiteral("paths")).toObject().value(path).toObject();
    QVERIFY2(item.contains(method), qPrintable(operation + QStringLiteral(" is missing")));
}

void TestAdminContract::walk_data()
{
    QTest::addColumn<QString>("operation");
    QStringList ops = cases().keys();
    ops.sort();
    for (const QString &op : ops)
        QTest::newRow(qPrintable(op)) << op;
}

void TestAdminContract::walk()
{
    QFETCH(QString, operation);
    const QString method = operation.section(QLatin1Char(' '), 0, 0);
    const QString path = operation.section(QLatin1Char(' '), 1);
    const QJsonObject op = m_contract.value(QStringLiteral("paths"))
                               .toObject()
                               .value(path)
                               .toObject()
                               .value(method)
                               .toObject();
    QVERIFY(!op.isEmpty());
    const QJsonObject responses = op.value(QStringLiteral("responses")).toObject();
    const Case c = cases().value(operation);
    const QByteArray verb = method.toUpper().toLatin1();
    const bool ws = path == QLatin1String("/ws");
    const auto send = [&](const char *p, const char *body, const QByteArray &token, bool fresh) {
        const QString target = fill(p, fresh);
        const QByteArray filled = body ? fill(body, fresh).toUtf8() : QByteArray();
        return ws ? callWs(target, token)
                  : call(verb, target, body ? filled.constData() : nullptr, token);
    };
    const auto expect = [&](const Reply &r, int status, const char *what) {
        QVERIFY2(r.status == status, qPrintable(QStringLiteral("%1: %2 expected, got %3 %4")
                                                    .arg(QLatin1String(what))
                                                    .arg(status)
                                                    .arg(r.status)
                                                    .arg(r.code)));
        QVERIFY2(responses.contains(QString::number(status)),
                 qPrintable(QStringLiteral("%1 answers %2, which openapi.json does not list")
                                .arg(operation)
                                .arg(status)));
    };

#define SK_EXPECT(...)                                                                             \
    do {                                                                                           \
        expect(__VA_ARGS__);                                                                       \
        if (QTest::currentTestFailed())                                                            \
            return;                                                                                \
    } while (false)
    // No token: nothing about the API is revealed.
    SK_EXPECT(send(c.ok, c.okBody, {}, false), 401, "no token");
    // A role below the operation's: refused before anything happens.
    const int least = roleRank(op.value(QStringLiteral("x-role")).toString());
    QVERIFY(least >= 0);
    if (least > 0)
        SK_EXPECT(send(c.ok, c.okBody, m_readonly, false), 403, "readonly token");
    if (least > 1)
        SK_EXPECT(send(c.ok, c.okBody, m_moderator, false), 403, "moderator token");
    // A body over admin.max_body_bytes (64 KiB by default), checked before routing.
    if (!ws && path != QLatin1String("/metrics")) {
        const QByteArray big(65537, ' ');
        SK_EXPECT(call(verb, fill(c.ok, false), big.constData(), m_server.adminToken()), 413,
                  "oversized body");
    }
    if (c.bad)
        SK_EXPECT(send(c.bad, c.badBody, m_server.adminToken(), false), 400, "bad input");
    if (c.missing)
        SK_EXPECT(send(c.missing, c.missingBody, m_server.adminToken(), false), 404, "not found");

    // The success status: the one 2xx the document lists (101 for the WebSocket upgrade).
    QString success;
    for (auto it = responses.begin(); it != responses.end(); ++it)
        if (it.key().startsWith(QLatin1Char('2')) || it.key() == QLatin1String("101"))
            success = it.key();
    QVERIFY2(!success.isEmpty(), "no success status documented");
    SK_EXPECT(send(c.ok, c.okBody, m_server.adminToken(), true), success.toInt(), "valid call");
#undef SK_EXPECT
}

void TestAdminContract::cleanupTestCase()
{
    QVERIFY(m_server.stop());
}

TestAdminContract::Reply TestAdminContract::call(const QByteArray &method, const QString &path,
                                                 const char *body, const QByteArray &token)
{
    QList<std::pair<QByteArray, QByteArray>> headers;
    if (body)
        headers.append({QByteArray("Content-Type"), QByteArray("application/json")});
    if (!token.isEmpty())
        headers.append({QByteArray("Authorization"), QByteArray("Bearer " + token)});
    const AdminReply r =
        m_server.adminRaw(method, path, body ? QByteArray(body) : QByteArray(), headers);
    return {r.status, r.errorCode()};
}

TestAdminContract::Reply TestAdminContract::callWs(const QString &path, const QByteArray &token)
{
    // A refusal is a plain HTTP answer with the API's JSON error; acceptance is 101.
    QList<std::pair<QByteArray, QByteArray>> headers{
        {"Connection", "Upgrade"},
        {"Upgrade", "websocket"},
        {"Sec-WebSocket-Version", "13"},
        {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}};
    if (!token.isEmpty())
        headers.append({QByteArray("Authorization"), QByteArray("Bearer " + token)});
    RawHttpConnection c;
    if (!c.connectTo(QHostAddress(QHostAddress::LocalHost), m_server.adminPort()))
        return {};
    QByteArray request = "GET " + path.toUtf8() + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const auto &[name, value] : headers)
        request += name + ": " + value + "\r\n";
    if (!c.send(QByteArray(request + "\r\n")))
        return {};
    // Only the status line and headers: a 101 has no body (and frames may follow).
    const auto reply = c.readReply(kReplyTimeoutMs, /*headRequest=*/true);
    return reply ? Reply{reply->status, {}} : Reply{};
}

QString TestAdminContract::fill(const char *text, bool fresh)
{
    QString out = QString::fromUtf8(text);
    static const QRegularExpression placeholder(QStringLiteral(R"(\{[a-z-]+\})"));
    for (QRegularExpressionMatch m = placeholder.match(out); m.hasMatch();
         m = placeholder.match(out)) {
        const QString name = m.captured();
        QString value = m_fixture.value(name);
        const QString kept = m_fixture.value(QString(name).remove(QStringLiteral("new-")));
        if (name == QLatin1String("{fresh-hash}"))
            value = randomInfoHash().toHexString();
        else if (name == QLatin1String("{fresh-ip}"))
            value = QStringLiteral("203.0.113.%1").arg(1 + ++m_serial % 250);
        else if (name == QLatin1String("{fresh-prefix}"))
            value = QStringLiteral("-F%1").arg(++m_serial);
        else if (name == QLatin1String("{fresh-name}"))
            value = QStringLiteral("walker-%1").arg(++m_serial);
        else if (!fresh && !kept.isEmpty())
            value = kept;
        else if (name == QLatin1String("{rich-user}"))
            value = fresh ? richUser() : m_fixture.value(QStringLiteral("{user}"));
        else if (name == QLatin1String("{new-user}"))
            value = newUser();
        else if (name == QLatin1String("{new-torrent}"))
            value = newTorrent();
        else if (name == QLatin1String("{new-snatch}"))
            value = newSnatch();
        else if (name == QLatin1String("{new-cheat}"))
            value = newCheat();
        else if (name == QLatin1String("{new-token}"))
            value = newToken();
        else if (name == QLatin1String("{new-ban}"))
            value = newBan(false);
        else if (name == QLatin1String("{new-range}"))
            value = newBan(true);
        else if (name == QLatin1String("{new-prefix}"))
            value = newPrefix();
        if (value.isEmpty())
            value = QStringLiteral("unfilled"); // the call then fails visibly
        out.replace(m.capturedStart(), m.capturedLength(), value);
    }
    return out;
}

QString TestAdminContract::newUser()
{
    const QJsonObject u = m_server.createUser(QStringLiteral("contract-%1").arg(++m_serial));
    return u.isEmpty() ? QString() : QString::number(u.value(QStringLiteral("id")).toInteger());
}

QString TestAdminContract::newTorrent()
{
    const proto::InfoHash h = randomInfoHash();
    return m_server.createTorrent(h).isEmpty() ? QString() : h.toHexString();
}

// A user with a torrent, seeding it from one "-IT" client; the user's id.
QString TestAdminContract::announcer(QString *passkey, proto::InfoHash *hash)
{
    const QJsonObject u = m_server.createUser(QStringLiteral("contract-%1").arg(++m_serial));
    *passkey = u.value(QStringLiteral("passkey")).toString();
    *hash = randomInfoHash();
    if (u.isEmpty() || m_server.createTorrent(*hash).isEmpty())
        return {};
    return QString::number(u.value(QStringLiteral("id")).toInteger());
}

QString TestAdminContract::newSnatch()
{
    QString passkey;
    proto::InfoHash hash;
    const QString user = announcer(&passkey, &hash);
    if (!m_server.announce(passkey, counterQuery(hash, "-IT0001-w", 0, 10, "started")) ||
        !m_server.announce(passkey, counterQuery(hash, "-IT0001-w", 0, 0, "completed")) ||
        m_server.adminRequest("POST", QStringLiteral("/admin/stats/flush")).status != 200)
        return {};
    const QJsonArray list =
        m_server.adminRequest("GET", QStringLiteral("/admin/users/%1/snatches").arg(user))
            .json.value(QStringLiteral("snatches"))
            .toArray();
    return list.size() == 1
               ? QString::number(list[0].toObject().value(QStringLiteral("id")).toInteger())
               : QString();
}

QString TestAdminContract::newCheat()
{
    // A seeder alone in its swarm reporting 5000 bytes of upload: nobody could have taken them.
    QString passkey;
    proto::InfoHash hash;
    announcer(&passkey, &hash);
    if (!m_server.announce(passkey, counterQuery(hash, "-IT0001-c", 0, 0, "started")) ||
        !m_server.announce(passkey, counterQuery(hash, "-IT0001-c", 5000, 0)))
        return {};
    const QString query = QStringLiteral("/admin/cheats?torrent=") + hash.toHexString();
    QJsonArray flags;
    for (int waited = 0; flags.isEmpty() && waited < 10000; waited += 100) {
        flags = m_server.adminRequest("GET", query).json.value(QStringLiteral("cheats")).toArray();
        if (flags.isEmpty())
            QTest::qWait(100); // flags are written with the 1 s flush
    }
    return flags.isEmpty()
               ? QString()
               : QString::number(flags[0].toObject().value(QStringLiteral("id")).toInteger());
}

QString TestAdminContract::newToken()
{
    const AdminReply t =
        m_server.adminRequest("POST", QStringLiteral("/admin/tokens"),
                              jsonObject({{"name", QStringLiteral("doomed-%1").arg(++m_serial)},
                                          {"role", QStringLiteral("readonly")}}));
    return t.status == 201 ? QString::number(t.json.value(QStringLiteral("id")).toInteger())
                           : QString();
}

QString TestAdminContract::newBan(bool range)
{
    const int n = ++m_serial % 250;
    // Never 10.78.0.0/16 or 198.51.100.99: the cases' missing ones; nor the fixture's range.
    const QString ip = range ? QStringLiteral("10.%1.0.0/16").arg(n == 77 || n == 78 ? 200 + n : n)
                             : QStringLiteral("198.51.100.%1").arg(n == 99 ? 98 : n);
    const QString target = range && m_fixture.value(QStringLiteral("{range}")).isEmpty()
                               ? QStringLiteral("10.77.0.0/16")
                               : ip;
    const AdminReply r =
        m_server.adminRequest("POST", QStringLiteral("/admin/bans"),
                              jsonObject({{"ip", target}, {"reason", QStringLiteral("walk")}}));
    return r.status == 201 ? target : QString();
}

QString TestAdminContract::newPrefix()
{
    const QString prefix = QStringLiteral("-P%1").arg(++m_serial);
    return m_server.adminRequest("POST", QStringLiteral("/admin/whitelist"),
                                 jsonObject({{"prefix", prefix}, {"name", QStringLiteral("walk")}}))
                       .status == 201
               ? prefix
               : QString();
}

QString TestAdminContract::richUser()
{
    const QString id = newUser();
    const AdminReply r = m_server.adminRequest(
        "POST", QStringLiteral("/admin/users/%1/points").arg(id), jsonObject({{"points", 10}}));
    return r.status == 200 ? id : QString();
}

QTEST_GUILESS_MAIN(TestAdminContract)
#include "tst_admincontract.moc"
