// Integration tests for the admin REST API of a running swarmkeeperd: every endpoint, its
// errors, both token headers, the first-start token and persistence across a restart.
#include "trackerprocess.h"

#include <QDateTime>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTest>

using namespace sk;
using namespace sk::itest;
using namespace Qt::Literals::StringLiterals;

using HeaderList = QList<std::pair<QByteArray, QByteArray>>;

namespace {

const QRegularExpression passkeyPattern(QStringLiteral("^[0-9A-Za-z]{32}$"));

QString randomPasskey()
{
    static constexpr char alphabet[] =
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    QString s;
    for (int i = 0; i < 32; ++i)
        s += QLatin1Char(alphabet[QRandomGenerator::global()->bounded(62)]);
    return s;
}

QString randomHex()
{
    return randomInfoHash().toHexString();
}

QByteArray json(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

// created_at is ISO 8601 UTC with second precision and close to now.
bool isRecentIsoTime(const QJsonValue &v)
{
    const QString s = v.toString();
    if (!QRegularExpression(QStringLiteral(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$)"))
             .match(s)
             .hasMatch())
        return false;
    const QDateTime t = QDateTime::fromString(s, Qt::ISODate);
    return t.isValid() && qAbs(t.secsTo(QDateTime::currentDateTimeUtc())) < 600;
}

QList<qint64> ids(const QJsonArray &items)
{
    QList<qint64> out;
    for (const QJsonValue &v : items)
        out << v.toObject().value(QStringLiteral("id")).toInteger();
    return out;
}

} // namespace

class TestAdminApi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void authentication_data();
    void authentication();
    void unauthorizedChangesNothing();
    void version();

    void createUser_data();
    void createUser();
    void createUserDuplicatePasskey();
    void listUsers();
    void listPaging_data();
    void listPaging();
    void getUser_data();
    void getUser();
    void deleteUser();
    void deleteUserRemovesPeers();
    void resetUser();

    void createTorrent_data();
    void createTorrent();
    void createTorrentDuplicate();
    void listTorrents();
    void sortTorrents_data();
    void sortTorrents();
    void listFreeleech();
    void getTorrent_data();
    void getTorrent();
    void deleteTorrent();

    void methodNotAllowed_data();
    void methodNotAllowed();
    void unknownPath_data();
    void unknownPath();
    void bodyLimit_data();
    void bodyLimit();

    void firstStartToken();
    void restartKeepsUsersAndTorrents();

private:
    // The tracker's verdict on an announce with this passkey for m_torrent: "" when accepted,
    // else the failure reason.
    QByteArray announceVerdict(const QString &passkey);

    TrackerProcess m_server;
    proto::InfoHash m_torrent;
};

void TestAdminApi::initTestCase()
{
    QVERIFY2(m_server.start(), m_server.standardError().constData());
    m_torrent = randomInfoHash();
    QVERIFY(!m_server.createTorrent(m_torrent, QStringLiteral("fixture")).isEmpty());
}

void TestAdminApi::cleanupTestCase()
{
    QVERIFY(m_server.stop());
}

QByteArray TestAdminApi::announceVerdict(const QString &passkey)
{
    const auto reply =
        m_server.announce(passkey, announceQuery(m_torrent, makePeerId("verdict"), 6881, 100));
    if (!reply)
        return "(no reply)";
    if (reply->find("failure reason"))
        return dictBytes(*reply, "failure reason");
    return reply->find("peers") ? QByteArray("") : QByteArray("(no peers key)");
}

// ---- authentication

void TestAdminApi::authentication_data()
{
    QTest::addColumn<HeaderList>("headers");
    QTest::addColumn<int>("status");

    const QByteArray t = defaultAdminToken;
    QTest::newRow("no token") << HeaderList{} << 401;
    QTest::newRow("bearer") << HeaderList{{"Authorization", "Bearer " + t}} << 200;
    QTest::newRow("bearer, lowercase scheme")
        << HeaderList{{"Authorization", "bearer " + t}} << 200;
    QTest::newRow("bearer, uppercase scheme")
        << HeaderList{{"Authorization", "BEARER " + t}} << 200;
    QTest::newRow("bearer, lowercase header name")
        << HeaderList{{"authorization", "Bearer " + t}} << 200;
    QTest::newRow("bearer, wrong token") << HeaderList{{"Authorization", "Bearer wrong"}} << 401;
    QTest::newRow("bearer, token minus last byte")
        << HeaderList{{"Authorization", "Bearer " + t.chopped(1)}} << 401;
    QTest::newRow("bearer, token plus a byte")
        << HeaderList{{"Authorization", "Bearer " + t + 'x'}} << 401;
    QTest::newRow("bearer, empty") << HeaderList{{"Authorization", "Bearer "}} << 401;
    QTest::newRow("basic scheme") << HeaderList{{"Authorization", "Basic " + t}} << 401;
    QTest::newRow("token without scheme") << HeaderList{{"Authorization", t}} << 401;
    QTest::newRow("x-admin-token") << HeaderList{{"X-Admin-Token", t}} << 200;
    QTest::newRow("x-admin-token, lowercase name") << HeaderList{{"x-admin-token", t}} << 200;
    QTest::newRow("x-admin-token, wrong") << HeaderList{{"X-Admin-Token", "wrong"}} << 401;
    QTest::newRow("x-admin-token, empty") << HeaderList{{"X-Admin-Token", ""}} << 401;
}

void TestAdminApi::authentication()
{
    QFETCH(HeaderList, headers);
    QFETCH(int, status);

    for (const QString &path : {QStringLiteral("/admin/version"), QStringLiteral("/admin/users"),
                                QStringLiteral("/admin/torrents")}) {
        const AdminReply r = m_server.adminRaw("GET", path, {}, headers);
        QCOMPARE(r.status, status);
        if (status == 401) {
            QCOMPARE(r.errorCode(), QStringLiteral("unauthorized"));
            QVERIFY(!r.json.value(QStringLiteral("error"))
                         .toObject()
                         .value(QStringLiteral("message"))
                         .toString()
                         .isEmpty());
        } else {
            QVERIFY(r.errorCode().isEmpty());
        }
    }
    // Without a valid token nothing about the API is revealed, not even which paths exist.
    const AdminReply unknown = m_server.adminRaw("GET", QStringLiteral("/admin/nope"), {}, headers);
    QCOMPARE(unknown.status, status == 401 ? 401 : 404);
}

void TestAdminApi::unauthorizedChangesNothing()
{
    const AdminReply before = m_server.adminRequest("GET", QStringLiteral("/admin/users"));
    QCOMPARE(before.status, 200);
    const AdminReply post =
        m_server.adminRaw("POST", QStringLiteral("/admin/users"),
                          json({{u"name"_s, u"intruder"_s}}), {{"Authorization", "Bearer wrong"}});
    QCOMPARE(post.status, 401);
    const AdminReply del =
        m_server.adminRaw("DELETE", QStringLiteral("/admin/torrents/") + m_torrent.toHexString(),
                          {}, {{"X-Admin-Token", "wrong"}});
    QCOMPARE(del.status, 401);
    const AdminReply after = m_server.adminRequest("GET", QStringLiteral("/admin/users"));
    QCOMPARE(after.json.value(QStringLiteral("total")), before.json.value(QStringLiteral("total")));
    QCOMPARE(
        m_server.adminRequest("GET", QStringLiteral("/admin/torrents/") + m_torrent.toHexString())
            .status,
        200);
}

void TestAdminApi::version()
{
    for (TokenHeader h : {TokenHeader::Bearer, TokenHeader::XAdminToken}) {
        const AdminReply r =
            m_server.adminRequest("GET", QStringLiteral("/admin/version"), {}, {}, h);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json.value(QStringLiteral("api_version")).toInt(), 1);
        QCOMPARE(r.json.value(QStringLiteral("server")).toString(), QStringLiteral("swarmkeeperd"));
    }
}

// ---- users

void TestAdminApi::createUser_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("errorCode");
    QTest::addColumn<QString>("name");    // expected on 201
    QTest::addColumn<QString>("passkey"); // expected on 201; empty: generated

    const QString pk = randomPasskey();
    const QString longName(255, QLatin1Char('n'));
    QTest::newRow("no body") << QByteArray() << 201 << QString() << QString() << QString();
    QTest::newRow("empty object") << QByteArray("{}") << 201 << QString() << QString() << QString();
    QTest::newRow("name") << json({{u"name"_s, u"alice"_s}}) << 201 << QString()
                          << QStringLiteral("alice") << QString();
    QTest::newRow("empty name") << json({{u"name"_s, u""_s}}) << 201 << QString() << QString()
                                << QString();
    QTest::newRow("unicode name") << json({{u"name"_s, QStringLiteral("zoë ✓")}}) << 201
                                  << QString() << QStringLiteral("zoë ✓") << QString();
    QTest::newRow("name of 255 characters")
        << json({{u"name"_s, longName}}) << 201 << QString() << longName << QString();
    QTest::newRow("name and passkey") << json({{u"name"_s, u"bob"_s}, {u"passkey"_s, pk}}) << 201
                                      << QString() << QStringLiteral("bob") << pk;

    QTest::newRow("name of 256 characters")
        << json({{u"name"_s, QString(longName + QLatin1Char('n'))}}) << 422
        << QStringLiteral("invalid_field") << QString() << QString();
    QTest::newRow("name is a number") << json({{u"name"_s, 5}}) << 422
                                      << QStringLiteral("invalid_field") << QString() << QString();
    QTest::newRow("passkey of 31 characters")
        << json({{u"passkey"_s, randomPasskey().left(31)}}) << 422
        << QStringLiteral("invalid_field") << QString() << QString();
    QTest::newRow("passkey of 33 characters")
        << json({{u"passkey"_s, QString(randomPasskey() + QLatin1Char('a'))}}) << 422
        << QStringLiteral("invalid_field") << QString() << QString();
    QTest::newRow("passkey with a dash")
        << json({{u"passkey"_s, QString(randomPasskey().left(31) + QLatin1Char('-'))}}) << 422
        << QStringLiteral("invalid_field") << QString() << QString();
    QTest::newRow("passkey empty") << json({{u"passkey"_s, u""_s}}) << 422
                                   << QStringLiteral("invalid_field") << QString() << QString();
    QTest::newRow("passkey is a number")
        << json({{u"passkey"_s, 12345}}) << 422 << QStringLiteral("invalid_field") << QString()
        << QString();
    QTest::newRow("unknown field") << json({{u"nmae"_s, u"typo"_s}}) << 422
                                   << QStringLiteral("unknown_field") << QString() << QString();
    QTest::newRow("server-owned field")
        << json({{u"uploaded"_s, 5}}) << 422 << QStringLiteral("unknown_field") << QString()
        << QString();
    QTest::newRow("invalid JSON") << QByteArray("{\"name\":") << 400
                                  << QStringLiteral("invalid_json") << QString() << QString();
    QTest::newRow("JSON array") << QByteArray("[]") << 400 << QStringLiteral("invalid_json")
                                << QString() << QString();
    QTest::newRow("JSON string") << QByteArray("\"alice\"") << 400 << QStringLiteral("invalid_json")
                                 << QString() << QString();
}

void TestAdminApi::createUser()
{
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, errorCode);
    QFETCH(QString, name);
    QFETCH(QString, passkey);

    const qint64 totalBefore = m_server.adminRequest("GET", QStringLiteral("/admin/users"))
                                   .json.value(QStringLiteral("total"))
                                   .toInteger(-1);
    QVERIFY(totalBefore >= 0);

    HeaderList headers{{"Authorization", "Bearer " + defaultAdminToken}};
    if (!body.isEmpty())
        headers.emplaceBack("Content-Type", "application/json");
    const AdminReply r = m_server.adminRaw("POST", QStringLiteral("/admin/users"), body, headers);
    QVERIFY2(r.status == status, r.body.constData());
    QCOMPARE(r.errorCode(), errorCode);

    const qint64 totalAfter = m_server.adminRequest("GET", QStringLiteral("/admin/users"))
                                  .json.value(QStringLiteral("total"))
                                  .toInteger(-1);
    if (status != 201) {
        QCOMPARE(totalAfter, totalBefore);
        return;
    }
    QCOMPARE(totalAfter, totalBefore + 1);

    const QJsonObject u = r.json;
    const QStringList keys{QStringLiteral("bonus_points"), QStringLiteral("can_leech"),
                           QStringLiteral("created_at"),   QStringLiteral("downloaded"),
                           QStringLiteral("hnr_warnings"), QStringLiteral("id"),
                           QStringLiteral("name"),         QStringLiteral("passkey"),
                           QStringLiteral("uploaded")};
    QCOMPARE(u.keys(), keys);
    QVERIFY(u.value(QStringLiteral("id")).toInteger() > 0);
    QCOMPARE(u.value(QStringLiteral("name")).toString(), name);
    const QString pk = u.value(QStringLiteral("passkey")).toString();
    QVERIFY2(passkeyPattern.match(pk).hasMatch(), qPrintable(pk));
    if (!passkey.isEmpty())
        QCOMPARE(pk, passkey);
    QCOMPARE(u.value(QStringLiteral("uploaded")).toInteger(-1), 0);
    QCOMPARE(u.value(QStringLiteral("downloaded")).toInteger(-1), 0);
    QCOMPARE(u.value(QStringLiteral("can_leech")), QJsonValue(true));
    QVERIFY(isRecentIsoTime(u.value(QStringLiteral("created_at"))));

    // The stored user reads back exactly, and the tracker knows the passkey at once.
    const AdminReply get = m_server.adminRequest(
        "GET", QStringLiteral("/admin/users/%1").arg(u.value(QStringLiteral("id")).toInteger()));
    QCOMPARE(get.status, 200);
    QCOMPARE(get.json, u);
    QCOMPARE(announceVerdict(pk), QByteArray(""));
}

void TestAdminApi::createUserDuplicatePasskey()
{
    const QString pk = randomPasskey();
    const AdminReply first = m_server.adminRequest("POST", QStringLiteral("/admin/users"),
                                                   {{u"name"_s, u"first"_s}, {u"passkey"_s, pk}});
    QCOMPARE(first.status, 201);
    const AdminReply second = m_server.adminRequest("POST", QStringLiteral("/admin/users"),
                                                    {{u"name"_s, u"second"_s}, {u"passkey"_s, pk}});
    QCOMPARE(second.status, 409);
    QCOMPARE(second.errorCode(), QStringLiteral("conflict"));

    // A generated passkey is taken as well.
    const QJsonObject other = m_server.createUser(QStringLiteral("other"));
    QVERIFY(!other.isEmpty());
    const AdminReply third =
        m_server.adminRequest("POST", QStringLiteral("/admin/users"),
                              {{u"name"_s, u"third"_s}, {u"passkey"_s, other.value(u"passkey"_s)}});
    QCOMPARE(third.status, 409);
    QCOMPARE(third.errorCode(), QStringLiteral("conflict"));
}

void TestAdminApi::listUsers()
{
    QList<QJsonObject> created;
    for (int i = 0; i < 3; ++i) {
        created << m_server.createUser(QStringLiteral("list-%1").arg(i));
        QVERIFY(!created.last().isEmpty());
    }

    const AdminReply all = m_server.adminRequest("GET", QStringLiteral("/admin/users?limit=1000"));
    QCOMPARE(all.status, 200);
    const QJsonArray users = all.json.value(QStringLiteral("users")).toArray();
    QCOMPARE(all.json.value(QStringLiteral("total")).toInteger(), users.size());
    QCOMPARE(all.json.value(QStringLiteral("limit")).toInteger(), 1000);
    QCOMPARE(all.json.value(QStringLiteral("offset")).toInteger(), 0);
    for (const QJsonObject &u : created)
        QVERIFY(users.contains(u));
    const QList<qint64> allIds = ids(users);
    QList<qint64> sorted = allIds;
    std::sort(sorted.begin(), sorted.end());
    QCOMPARE(allIds, sorted); // a stable order is what makes offset paging work

    // Without parameters: the default page.
    const AdminReply def = m_server.adminRequest("GET", QStringLiteral("/admin/users"));
    QCOMPARE(def.json.value(QStringLiteral("limit")).toInteger(), 100);
    QCOMPARE(def.json.value(QStringLiteral("offset")).toInteger(), 0);

    // Paging walks the same list.
    const qint64 total = users.size();
    QList<qint64> paged;
    for (qint64 offset = 0; offset < total; offset += 2) {
        const AdminReply page = m_server.adminRequest(
            "GET", QStringLiteral("/admin/users?limit=2&offset=%1").arg(offset));
        QCOMPARE(page.status, 200);
        QCOMPARE(page.json.value(QStringLiteral("limit")).toInteger(), 2);
        QCOMPARE(page.json.value(QStringLiteral("offset")).toInteger(), offset);
        QCOMPARE(page.json.value(QStringLiteral("total")).toInteger(), total);
        const QJsonArray items = page.json.value(QStringLiteral("users")).toArray();
        QCOMPARE(items.size(), qMin<qint64>(2, total - offset));
        paged += ids(items);
    }
    QCOMPARE(paged, allIds);

    const AdminReply past =
        m_server.adminRequest("GET", QStringLiteral("/admin/users?offset=%1").arg(total + 10));
    QCOMPARE(past.status, 200);
    QCOMPARE(past.json.value(QStringLiteral("users")).toArray().size(), 0);
    QCOMPARE(past.json.value(QStringLiteral("total")).toInteger(), total);
}

void TestAdminApi::listPaging_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<int>("status");

    QTest::newRow("limit=1") << QStringLiteral("limit=1") << 200;
    QTest::newRow("limit=1000") << QStringLiteral("limit=1000") << 200;
    QTest::newRow("offset=0") << QStringLiteral("offset=0") << 200;
    QTest::newRow("limit=0") << QStringLiteral("limit=0") << 400;
    QTest::newRow("limit=1001") << QStringLiteral("limit=1001") << 400;
    QTest::newRow("limit=-1") << QStringLiteral("limit=-1") << 400;
    QTest::newRow("limit=abc") << QStringLiteral("limit=abc") << 400;
    QTest::newRow("limit empty") << QStringLiteral("limit=") << 400;
    QTest::newRow("offset=-1") << QStringLiteral("offset=-1") << 400;
    QTest::newRow("offset=x") << QStringLiteral("offset=x") << 400;
}

void TestAdminApi::listPaging()
{
    QFETCH(QString, query);
    QFETCH(int, status);
    for (const QString &list : {QStringLiteral("users"), QStringLiteral("torrents")}) {
        const AdminReply r =
            m_server.adminRequest("GET", QStringLiteral("/admin/%1?%2").arg(list, query));
        QCOMPARE(r.status, status);
        if (status == 400)
            QCOMPARE(r.errorCode(), QStringLiteral("invalid_parameter"));
        else
            QVERIFY(r.json.value(list).isArray());
    }
}

void TestAdminApi::getUser_data()
{
    QTest::addColumn<QString>("id"); // "@" is replaced by an existing user's id
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("errorCode");

    QTest::newRow("existing") << QStringLiteral("@") << 200 << QString();
    QTest::newRow("unknown") << QStringLiteral("999999") << 404 << QStringLiteral("not_found");
    QTest::newRow("largest id, unknown")
        << QStringLiteral("4294967295") << 404 << QStringLiteral("not_found");
    QTest::newRow("beyond 32 bits")
        << QStringLiteral("4294967296") << 400 << QStringLiteral("invalid_parameter");
    QTest::newRow("zero") << QStringLiteral("0") << 400 << QStringLiteral("invalid_parameter");
    QTest::newRow("negative") << QStringLiteral("-1") << 400 << QStringLiteral("invalid_parameter");
    QTest::newRow("plus sign") << QStringLiteral("+1") << 400
                               << QStringLiteral("invalid_parameter");
    QTest::newRow("letters") << QStringLiteral("abc") << 400 << QStringLiteral("invalid_parameter");
    QTest::newRow("decimal point")
        << QStringLiteral("1.5") << 400 << QStringLiteral("invalid_parameter");
    QTest::newRow("hex") << QStringLiteral("0x1") << 400 << QStringLiteral("invalid_parameter");
}

void TestAdminApi::getUser()
{
    QFETCH(QString, id);
    QFETCH(int, status);
    QFETCH(QString, errorCode);

    QJsonObject user;
    if (id == QLatin1String("@")) {
        user = m_server.createUser(QStringLiteral("get-me"));
        QVERIFY(!user.isEmpty());
        id = QString::number(user.value(QStringLiteral("id")).toInteger());
    }
    const AdminReply r = m_server.adminRequest("GET", QStringLiteral("/admin/users/") + id);
    QCOMPARE(r.status, status);
    QCOMPARE(r.errorCode(), errorCode);
    if (status == 200)
        QCOMPARE(r.json, user);

    // DELETE and reset validate the id the same way.
    if (status != 200) {
        QCOMPARE(m_server.adminRequest("DELETE", QStringLiteral("/admin/users/") + id).status,
                 status);
        QCOMPARE(
            m_server.adminRequest("POST", QStringLiteral("/admin/users/%1/reset").arg(id)).status,
            status);
    }
}

void TestAdminApi::deleteUser()
{
    const QJsonObject user = m_server.createUser(QStringLiteral("doomed"));
    QVERIFY(!user.isEmpty());
    const qint64 id = user.value(QStringLiteral("id")).toInteger();
    const QString pk = user.value(QStringLiteral("passkey")).toString();
    QCOMPARE(announceVerdict(pk), QByteArray(""));

    const AdminReply del =
        m_server.adminRequest("DELETE", QStringLiteral("/admin/users/%1").arg(id));
    QCOMPARE(del.status, 200);
    QCOMPARE(del.json, (QJsonObject{{u"id"_s, id}, {u"deleted"_s, true}}));

    QCOMPARE(m_server.adminRequest("GET", QStringLiteral("/admin/users/%1").arg(id)).status, 404);
    const AdminReply again =
        m_server.adminRequest("DELETE", QStringLiteral("/admin/users/%1").arg(id));
    QCOMPARE(again.status, 404);
    QCOMPARE(again.errorCode(), QStringLiteral("not_found"));
    const AdminReply list = m_server.adminRequest("GET", QStringLiteral("/admin/users?limit=1000"));
    QVERIFY(!ids(list.json.value(QStringLiteral("users")).toArray()).contains(id));

    // The tracker forgets the passkey at once.
    QCOMPARE(announceVerdict(pk), QByteArray("unknown passkey"));
}

void TestAdminApi::deleteUserRemovesPeers()
{
    const QJsonObject doomed = m_server.createUser(QStringLiteral("seeding-doomed"));
    const QJsonObject other = m_server.createUser(QStringLiteral("leeching-other"));
    QVERIFY(!doomed.isEmpty() && !other.isEmpty());
    const proto::InfoHash ih = randomInfoHash();
    QVERIFY(!m_server.createTorrent(ih).isEmpty());

    auto r = m_server.announce(doomed.value(u"passkey"_s).toString(),
                               announceQuery(ih, makePeerId("doomed"), 41001, 0));
    QVERIFY(r && !r->find("failure reason"));
    const QByteArray leech = announceQuery(ih, makePeerId("other"), 41002, 7);
    r = m_server.announce(other.value(u"passkey"_s).toString(), leech);
    QVERIFY(r && !r->find("failure reason"));
    QCOMPARE(dictBytes(*r, "peers"), compactPeer(QHostAddress(QHostAddress::LocalHost), 41001));
    QCOMPARE(m_server.adminRequest("GET", u"/admin/torrents/"_s + ih.toHexString())
                 .json.value(u"seeders"_s)
                 .toInteger(),
             1);

    QCOMPARE(
        m_server.adminRequest("DELETE", u"/admin/users/%1"_s.arg(doomed.value(u"id"_s).toInteger()))
            .status,
        200);
    // The deleted user's peers leave every swarm with it.
    r = m_server.announce(other.value(u"passkey"_s).toString(), leech);
    QVERIFY(r && !r->find("failure reason"));
    QCOMPARE(dictBytes(*r, "peers"), QByteArray());
    QCOMPARE(dictInt(*r, "complete"), 0);
    QCOMPARE(dictInt(*r, "incomplete"), 1);
    const AdminReply t = m_server.adminRequest("GET", u"/admin/torrents/"_s + ih.toHexString());
    QCOMPARE(t.json.value(u"seeders"_s).toInteger(), 0);
    QCOMPARE(t.json.value(u"leechers"_s).toInteger(), 1);
}

void TestAdminApi::resetUser()
{
    const QJsonObject user = m_server.createUser(QStringLiteral("reset-me"));
    QVERIFY(!user.isEmpty());
    const qint64 id = user.value(QStringLiteral("id")).toInteger();
    const QString oldKey = user.value(QStringLiteral("passkey")).toString();
    QCOMPARE(announceVerdict(oldKey), QByteArray(""));

    const AdminReply r =
        m_server.adminRequest("POST", QStringLiteral("/admin/users/%1/reset").arg(id));
    QCOMPARE(r.status, 200);
    const QString newKey = r.json.value(QStringLiteral("passkey")).toString();
    QVERIFY(passkeyPattern.match(newKey).hasMatch());
    QVERIFY(newKey != oldKey);
    // Everything but the passkey is kept.
    QJsonObject expected = user;
    expected.insert(QStringLiteral("passkey"), newKey);
    QCOMPARE(r.json, expected);
    QCOMPARE(m_server.adminRequest("GET", QStringLiteral("/admin/users/%1").arg(id)).json,
             expected);

    QCOMPARE(announceVerdict(oldKey), QByteArray("unknown passkey"));
    QCOMPARE(announceVerdict(newKey), QByteArray(""));

    const AdminReply unknown =
        m_server.adminRequest("POST", QStringLiteral("/admin/users/999999/reset"));
    QCOMPARE(unknown.status, 404);
    QCOMPARE(unknown.errorCode(), QStringLiteral("not_found"));
}

// ---- torrents

void TestAdminApi::createTorrent_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("errorCode");
    QTest::addColumn<QString>("infoHash"); // expected on 201 (lowercase)
    QTest::addColumn<QString>("name");     // expected on 201

    const QString lower = randomHex();
    const QString upper = randomHex();
    const QString noName = randomHex();
    const QString long1024 = randomHex();
    const QString name1024(1024, QLatin1Char('t'));
    QTest::newRow("lowercase hash and name")
        << json({{u"info_hash"_s, lower}, {u"name"_s, u"Debian 12 netinst"_s}}) << 201 << QString()
        << lower << QStringLiteral("Debian 12 netinst");
    QTest::newRow("uppercase hash")
        << json({{u"info_hash"_s, upper.toUpper()}, {u"name"_s, u"up"_s}}) << 201 << QString()
        << upper << QStringLiteral("up");
    QTest::newRow("no name") << json({{u"info_hash"_s, noName}}) << 201 << QString() << noName
                             << QString();
    QTest::newRow("name of 1024 characters")
        << json({{u"info_hash"_s, long1024}, {u"name"_s, name1024}}) << 201 << QString() << long1024
        << name1024;

    const QString h = randomHex();
    QTest::newRow("name of 1025 characters")
        << json({{u"info_hash"_s, h}, {u"name"_s, QString(name1024 + QLatin1Char('t'))}}) << 422
        << QStringLiteral("invalid_field") << QString() << QString();
    QTest::newRow("39 hex digits") << json({{u"info_hash"_s, h.left(39)}}) << 422
                                   << QStringLiteral("invalid_field") << QString() << QString();
    QTest::newRow("41 hex digits") << json({{u"info_hash"_s, QString(h + QLatin1Char('0'))}}) << 422
                                   << QStringLiteral("invalid_field") << QString() << QString();
    QTest::newRow("non-hex digit")
        << json({{u"info_hash"_s, QString(h.left(39) + QLatin1Char('g'))}}) << 422
        << QStringLiteral("invalid_field") << QString() << QString();
    QTest::newRow("hash is a number") << json({{u"info_hash"_s, 1234}}) << 422
                                      << QStringLiteral("invalid_field") << QString() << QString();
    QTest::newRow("missing hash") << json({{u"name"_s, u"nameless"_s}}) << 422
                                  << QStringLiteral("missing_field") << QString() << QString();
    QTest::newRow("no body") << QByteArray() << 422 << QStringLiteral("missing_field") << QString()
                             << QString();
    QTest::newRow("name is a number") << json({{u"info_hash"_s, h}, {u"name"_s, 7}}) << 422
                                      << QStringLiteral("invalid_field") << QString() << QString();
    QTest::newRow("unknown field") << json({{u"info_hash"_s, h}, {u"size"_s, 7}}) << 422
                                   << QStringLiteral("unknown_field") << QString() << QString();
    QTest::newRow("invalid JSON") << QByteArray("{info_hash}") << 400
                                  << QStringLiteral("invalid_json") << QString() << QString();
    QTest::newRow("JSON array") << QByteArray("[1]") << 400 << QStringLiteral("invalid_json")
                                << QString() << QString();
}

void TestAdminApi::createTorrent()
{
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, errorCode);
    QFETCH(QString, infoHash);
    QFETCH(QString, name);

    HeaderList headers{{"X-Admin-Token", defaultAdminToken}};
    if (!body.isEmpty())
        headers.emplaceBack("Content-Type", "application/json");
    const AdminReply r =
        m_server.adminRaw("POST", QStringLiteral("/admin/torrents"), body, headers);
    QVERIFY2(r.status == status, r.body.constData());
    QCOMPARE(r.errorCode(), errorCode);
    if (status != 201)
        return;

    const QJsonObject t = r.json;
    const QStringList keys{QStringLiteral("completed"),
                           QStringLiteral("created_at"),
                           QStringLiteral("download_multiplier"),
                           QStringLiteral("downloaded"),
                           QStringLiteral("freeleech"),
                           QStringLiteral("freeleech_until"),
                           QStringLiteral("id"),
                           QStringLiteral("info_hash"),
                           QStringLiteral("leechers"),
                           QStringLiteral("name"),
                           QStringLiteral("seeders"),
                           QStringLiteral("upload_multiplier"),
                           QStringLiteral("uploaded")};
    QCOMPARE(t.keys(), keys);
    QVERIFY(t.value(QStringLiteral("id")).toInteger() > 0);
    QCOMPARE(t.value(QStringLiteral("info_hash")).toString(), infoHash);
    QCOMPARE(t.value(QStringLiteral("name")).toString(), name);
    QCOMPARE(t.value(QStringLiteral("seeders")).toInteger(-1), 0);
    QCOMPARE(t.value(QStringLiteral("leechers")).toInteger(-1), 0);
    QCOMPARE(t.value(QStringLiteral("completed")).toInteger(-1), 0);
    QVERIFY(isRecentIsoTime(t.value(QStringLiteral("created_at"))));
    QCOMPARE(m_server.adminRequest("GET", QStringLiteral("/admin/torrents/") + infoHash).json, t);
}

void TestAdminApi::createTorrentDuplicate()
{
    const QString hex = randomHex();
    QCOMPARE(m_server
                 .adminRequest("POST", QStringLiteral("/admin/torrents"),
                               {{u"info_hash"_s, hex}, {u"name"_s, u"once"_s}})
                 .status,
             201);
    // The same hash in either case is the same torrent.
    for (const QString &h : {hex, hex.toUpper()}) {
        const AdminReply r = m_server.adminRequest("POST", QStringLiteral("/admin/torrents"),
                                                   {{u"info_hash"_s, h}, {u"name"_s, u"twice"_s}});
        QCOMPARE(r.status, 409);
        QCOMPARE(r.errorCode(), QStringLiteral("conflict"));
    }
}

void TestAdminApi::listTorrents()
{
    QList<QJsonObject> created;
    for (int i = 0; i < 3; ++i) {
        created << m_server.createTorrent(randomInfoHash(), QStringLiteral("list-%1").arg(i));
        QVERIFY(!created.last().isEmpty());
    }
    const AdminReply all =
        m_server.adminRequest("GET", QStringLiteral("/admin/torrents?limit=1000"));
    QCOMPARE(all.status, 200);
    const QJsonArray torrents = all.json.value(QStringLiteral("torrents")).toArray();
    QCOMPARE(all.json.value(QStringLiteral("total")).toInteger(), torrents.size());
    for (const QJsonObject &t : created)
        QVERIFY(torrents.contains(t));

    const AdminReply page = m_server.adminRequest(
        "GET", QStringLiteral("/admin/torrents?limit=2&offset=%1").arg(torrents.size() - 3));
    QCOMPARE(page.status, 200);
    QCOMPARE(page.json.value(QStringLiteral("limit")).toInteger(), 2);
    QCOMPARE(page.json.value(QStringLiteral("offset")).toInteger(), torrents.size() - 3);
    QCOMPARE(page.json.value(QStringLiteral("torrents")).toArray(),
             (QJsonArray{torrents[torrents.size() - 3], torrents[torrents.size() - 2]}));
}

void TestAdminApi::sortTorrents_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<int>("status");
    QTest::addColumn<QStringList>("order"); // of the three "sort-*" torrents, made in this order
    const QStringList made{QStringLiteral("sort-zeta"), QStringLiteral("sort-alpha"),
                           QStringLiteral("sort-mid")};
    QTest::newRow("default: by id") << QString() << 200 << made;
    QTest::newRow("by id, descending")
        << QStringLiteral("sort=-id") << 200 << QStringList{made[2], made[1], made[0]};
    QTest::newRow("by name") << QStringLiteral("sort=name") << 200
                             << QStringList{made[1], made[2], made[0]};
    QTest::newRow("by name, descending")
        << QStringLiteral("sort=-name") << 200 << QStringList{made[0], made[2], made[1]};
    // uploaded 5, 1, 3 and completed 1, 3, 2 (set below)
    QTest::newRow("by uploaded") << QStringLiteral("sort=uploaded") << 200
                                 << QStringList{made[1], made[2], made[0]};
    QTest::newRow("by completed, descending")
        << QStringLiteral("sort=-completed") << 200 << QStringList{made[1], made[2], made[0]};
    QTest::newRow("by created_at: ties by id") << QStringLiteral("sort=created_at") << 200 << made;
    QTest::newRow("unknown key") << QStringLiteral("sort=seeders") << 400 << QStringList();
    QTest::newRow("empty descending key") << QStringLiteral("sort=-") << 400 << QStringList();
}

void TestAdminApi::sortTorrents()
{
    QFETCH(QString, query);
    QFETCH(int, status);
    QFETCH(QStringList, order);
    static bool made = false;
    if (!made) {
        const QList<std::tuple<const char *, int, int>> rows{
            {"sort-zeta", 5, 1}, {"sort-alpha", 1, 3}, {"sort-mid", 3, 2}};
        for (const auto &[name, uploaded, completed] : rows) {
            const QJsonObject t =
                m_server.createTorrent(randomInfoHash(), QString::fromLatin1(name));
            QVERIFY(!t.isEmpty());
            QCOMPARE(m_server
                         .adminRequest("PUT",
                                       QStringLiteral("/admin/torrents/%1/stats")
                                           .arg(t.value(QStringLiteral("id")).toInteger()),
                                       jsonObject({{"uploaded", uploaded},
                                                   {"downloaded", 0},
                                                   {"completed", completed}}))
                         .status,
                     200);
        }
        made = true;
    }
    const AdminReply r =
        m_server.adminRequest("GET", QStringLiteral("/admin/torrents?limit=1000") +
                                         (query.isEmpty() ? QString() : QLatin1Char('&') + query));
    QCOMPARE(r.status, status);
    if (status != 200) {
        QCOMPARE(r.errorCode(), QStringLiteral("invalid_parameter"));
        return;
    }
    QStringList seen;
    for (const QJsonValue &v : r.json.value(QStringLiteral("torrents")).toArray()) {
        const QString name = v.toObject().value(QStringLiteral("name")).toString();
        if (name.startsWith(QLatin1String("sort-")))
            seen << name;
    }
    QCOMPARE(seen, order);
}

void TestAdminApi::listFreeleech()
{
    // Permanent, timed, ended (1 s) and no freeleech: only the first two are listed, paged.
    QStringList names;
    for (const char *n : {"fl-permanent", "fl-timed", "fl-ended", "fl-none"}) {
        const QJsonObject t = m_server.createTorrent(randomInfoHash(), QString::fromLatin1(n));
        QVERIFY(!t.isEmpty());
        const QString path = QStringLiteral("/admin/torrents/%1/freeleech")
                                 .arg(t.value(QStringLiteral("id")).toInteger());
        const QByteArray name(n);
        if (name == "fl-permanent")
            QCOMPARE(m_server.adminRequest("POST", path).status, 200);
        else if (name == "fl-timed")
            QCOMPARE(m_server.adminRequest("POST", path, jsonObject({{"duration", 3600}})).status,
                     200);
        else if (name == "fl-ended")
            QCOMPARE(m_server.adminRequest("POST", path, jsonObject({{"duration", 1}})).status,
                     200);
    }
    const auto listed = [this](const QString &query) {
        const AdminReply r =
            m_server.adminRequest("GET", QStringLiteral("/admin/freeleech") + query);
        QStringList out;
        for (const QJsonValue &v : r.json.value(QStringLiteral("torrents")).toArray())
            out << v.toObject().value(QStringLiteral("name")).toString();
        return std::pair{r.json.value(QStringLiteral("total")).toInteger(), out};
    };
    QCOMPARE(listed({}).first, 3);
    QTRY_COMPARE_WITH_TIMEOUT(listed({}).first, 2, 5000); // fl-ended's second has passed
    QCOMPARE(listed({}).second,
             (QStringList{QStringLiteral("fl-permanent"), QStringLiteral("fl-timed")}));
    QCOMPARE(listed(QStringLiteral("?limit=1")).second,
             QStringList{QStringLiteral("fl-permanent")});
    QCOMPARE(listed(QStringLiteral("?limit=1&offset=1")).second,
             QStringList{QStringLiteral("fl-timed")});
    QCOMPARE(listed(QStringLiteral("?limit=1&offset=1")).first, 2);
    QCOMPARE(m_server.adminRequest("GET", QStringLiteral("/admin/freeleech?limit=0")).status, 400);
}

void TestAdminApi::getTorrent_data()
{
    QTest::addColumn<QString>("key"); // "@id", "@hex", "@HEX": the fixture torrent
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("errorCode");

    QTest::newRow("by id") << QStringLiteral("@id") << 200 << QString();
    QTest::newRow("by lowercase hex") << QStringLiteral("@hex") << 200 << QString();
    QTest::newRow("by uppercase hex") << QStringLiteral("@HEX") << 200 << QString();
    QTest::newRow("unknown id") << QStringLiteral("999999") << 404 << QStringLiteral("not_found");
    QTest::newRow("unknown hex") << randomHex() << 404 << QStringLiteral("not_found");
    QTest::newRow("39 hex digits")
        << randomHex().left(39) << 400 << QStringLiteral("invalid_parameter");
    QTest::newRow("41 hex digits")
        << QString(randomHex() + QLatin1Char('a')) << 400 << QStringLiteral("invalid_parameter");
    QTest::newRow("40 characters, not hex")
        << QString(40, QLatin1Char('z')) << 400 << QStringLiteral("invalid_parameter");
    QTest::newRow("zero") << QStringLiteral("0") << 400 << QStringLiteral("invalid_parameter");
    QTest::newRow("letters") << QStringLiteral("abc") << 400 << QStringLiteral("invalid_parameter");
}

void TestAdminApi::getTorrent()
{
    QFETCH(QString, key);
    QFETCH(int, status);
    QFETCH(QString, errorCode);

    const AdminReply fixture =
        m_server.adminRequest("GET", QStringLiteral("/admin/torrents/") + m_torrent.toHexString());
    QCOMPARE(fixture.status, 200);
    if (key == QLatin1String("@id"))
        key = QString::number(fixture.json.value(QStringLiteral("id")).toInteger());
    else if (key == QLatin1String("@hex"))
        key = m_torrent.toHexString();
    else if (key == QLatin1String("@HEX"))
        key = m_torrent.toHexString().toUpper();

    const AdminReply r = m_server.adminRequest("GET", QStringLiteral("/admin/torrents/") + key);
    QCOMPARE(r.status, status);
    QCOMPARE(r.errorCode(), errorCode);
    if (status == 200) {
        QCOMPARE(r.json, fixture.json);
        QCOMPARE(r.json.value(QStringLiteral("info_hash")).toString(), m_torrent.toHexString());
    } else {
        QCOMPARE(m_server.adminRequest("DELETE", QStringLiteral("/admin/torrents/") + key).status,
                 status);
    }
}

void TestAdminApi::deleteTorrent()
{
    const QJsonObject user = m_server.createUser(QStringLiteral("torrent-deleter"));
    QVERIFY(!user.isEmpty());
    const QString pk = user.value(QStringLiteral("passkey")).toString();

    for (const bool byHex : {true, false}) {
        const proto::InfoHash ih = randomInfoHash();
        const QJsonObject t = m_server.createTorrent(ih);
        QVERIFY(!t.isEmpty());
        const qint64 id = t.value(QStringLiteral("id")).toInteger();
        const QByteArray query = announceQuery(ih, makePeerId("deleter"), 6881, 10);
        const auto before = m_server.announce(pk, query);
        QVERIFY(before && !before->find("failure reason"));

        const QString key = byHex ? ih.toHexString() : QString::number(id);
        const AdminReply del =
            m_server.adminRequest("DELETE", QStringLiteral("/admin/torrents/") + key);
        QCOMPARE(del.status, 200);
        QCOMPARE(
            del.json,
            (QJsonObject{{u"id"_s, id}, {u"info_hash"_s, ih.toHexString()}, {u"deleted"_s, true}}));
        QCOMPARE(m_server.adminRequest("GET", QStringLiteral("/admin/torrents/") + key).status,
                 404);
        QCOMPARE(m_server.adminRequest("DELETE", QStringLiteral("/admin/torrents/") + key).status,
                 404);

        const auto after = m_server.announce(pk, query);
        QVERIFY(after);
        QCOMPARE(dictBytes(*after, "failure reason"),
                 QByteArray("torrent not registered with this tracker"));

        // Registered again, it starts from an empty swarm under a new id.
        const QJsonObject again = m_server.createTorrent(ih);
        QVERIFY(!again.isEmpty());
        QVERIFY(again.value(u"id"_s).toInteger() > id);
        QCOMPARE(again.value(u"leechers"_s).toInteger(-1), 0);
        QCOMPARE(again.value(u"seeders"_s).toInteger(-1), 0);
    }
}

// ---- routing and limits

void TestAdminApi::methodNotAllowed_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");

    QTest::newRow("PUT users") << QByteArray("PUT") << QStringLiteral("/admin/users");
    QTest::newRow("DELETE users") << QByteArray("DELETE") << QStringLiteral("/admin/users");
    QTest::newRow("PATCH user") << QByteArray("PATCH") << QStringLiteral("/admin/users/1");
    QTest::newRow("POST user") << QByteArray("POST") << QStringLiteral("/admin/users/1");
    QTest::newRow("GET reset") << QByteArray("GET") << QStringLiteral("/admin/users/1/reset");
    QTest::newRow("DELETE reset") << QByteArray("DELETE") << QStringLiteral("/admin/users/1/reset");
    QTest::newRow("PUT torrents") << QByteArray("PUT") << QStringLiteral("/admin/torrents");
    QTest::newRow("POST torrent") << QByteArray("POST") << QStringLiteral("/admin/torrents/1");
    QTest::newRow("POST version") << QByteArray("POST") << QStringLiteral("/admin/version");
    QTest::newRow("DELETE version") << QByteArray("DELETE") << QStringLiteral("/admin/version");
}

void TestAdminApi::methodNotAllowed()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    const AdminReply r = m_server.adminRequest(method, path);
    QCOMPARE(r.status, 405);
    QCOMPARE(r.errorCode(), QStringLiteral("method_not_allowed"));
}

void TestAdminApi::unknownPath_data()
{
    QTest::addColumn<QString>("path");
    QTest::newRow("root") << QStringLiteral("/");
    QTest::newRow("admin") << QStringLiteral("/admin");
    QTest::newRow("unknown collection") << QStringLiteral("/admin/peers");
    QTest::newRow("user subresource") << QStringLiteral("/admin/users/1/extra");
    QTest::newRow("torrent reset") << QStringLiteral("/admin/torrents/1/reset");
    QTest::newRow("tracker path") << QStringLiteral("/announce");
    QTest::newRow("case differs") << QStringLiteral("/Admin/Users");
}

void TestAdminApi::unknownPath()
{
    QFETCH(QString, path);
    const AdminReply r = m_server.adminRequest("GET", path);
    QCOMPARE(r.status, 404);
    QCOMPARE(r.errorCode(), QStringLiteral("not_found"));
}

void TestAdminApi::bodyLimit_data()
{
    QTest::addColumn<int>("size");
    QTest::addColumn<int>("status");
    QTest::newRow("64 KiB exactly") << 64 * 1024 << 201;
    QTest::newRow("64 KiB + 1") << 64 * 1024 + 1 << 413;
    QTest::newRow("1 MiB") << 1024 * 1024 << 413;
}

void TestAdminApi::bodyLimit()
{
    QFETCH(int, size);
    QFETCH(int, status);

    // Valid JSON padded with whitespace, so only the size decides.
    QByteArray body = json({{u"name"_s, u"big-body"_s}});
    body = body.leftJustified(size, ' ');
    QCOMPARE(body.size(), size);
    const qint64 before = m_server.adminRequest("GET", QStringLiteral("/admin/users"))
                              .json.value(QStringLiteral("total"))
                              .toInteger(-1);

    const AdminReply r = m_server.adminRaw(
        "POST", QStringLiteral("/admin/users"), body,
        {{"Authorization", "Bearer " + defaultAdminToken}, {"Content-Type", "application/json"}});
    QCOMPARE(r.status, status);
    const qint64 after = m_server.adminRequest("GET", QStringLiteral("/admin/users"))
                             .json.value(QStringLiteral("total"))
                             .toInteger(-1);
    if (status == 413) {
        QCOMPARE(r.errorCode(), QStringLiteral("payload_too_large"));
        QCOMPARE(after, before);
        // Authentication still comes first.
        QCOMPARE(m_server.adminRaw("POST", QStringLiteral("/admin/users"), body, {}).status, 401);
    } else {
        QCOMPARE(r.json.value(QStringLiteral("name")).toString(), QStringLiteral("big-body"));
        QCOMPARE(after, before + 1);
    }
}

// ---- tokens and persistence

void TestAdminApi::firstStartToken()
{
    TrackerProcess p;
    QVERIFY2(p.start({}, TrackerProcess::environment({})), p.standardError().constData());
    const QByteArray token = p.generatedToken();
    QVERIFY2(QRegularExpression(QStringLiteral("^sk_[A-Za-z0-9_-]{43}$"))
                 .match(QString::fromLatin1(token))
                 .hasMatch(),
             token.constData());
    QCOMPARE(p.adminToken(), token);

    for (TokenHeader h : {TokenHeader::Bearer, TokenHeader::XAdminToken}) {
        QCOMPARE(p.adminRequest("GET", QStringLiteral("/admin/version"), {}, token, h).status, 200);
        QCOMPARE(
            p.adminRequest("GET", QStringLiteral("/admin/version"), {}, token.chopped(1), h).status,
            401);
    }
    // The env token of other tests is not accepted by this server.
    QCOMPARE(p.adminRequest("GET", QStringLiteral("/admin/version"), {}, defaultAdminToken).status,
             401);
    QVERIFY(!p.createUser(QStringLiteral("token-check")).isEmpty());
    QVERIFY(p.stop());

    // Stored hashed: the token's bytes appear in no file of the data directory (database, WAL,
    // anything else), while the database itself is there and holds data.
    int files = 0;
    qint64 bytes = 0;
    QDirIterator it(p.dataDir(), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        QFile f(it.next());
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray content = f.readAll();
        ++files;
        bytes += content.size();
        QVERIFY2(!content.contains(token), qPrintable(f.fileName()));
        // Nor the secret without its prefix, nor its raw bytes.
        QVERIFY2(!content.contains(token.mid(3)), qPrintable(f.fileName()));
        const QByteArray raw = QByteArray::fromBase64(
            token.mid(3), QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
        QCOMPARE(raw.size(), 32);
        QVERIFY2(!content.contains(raw), qPrintable(f.fileName()));
    }
    QVERIFY(files >= 1);
    QVERIFY(bytes > 0);
    QVERIFY(QFile::exists(QDir(p.dataDir()).filePath(QStringLiteral("swarmkeeper.db"))));
}

void TestAdminApi::restartKeepsUsersAndTorrents()
{
    TrackerProcess p;
    QVERIFY(p.start());
    QList<QJsonObject> users;
    for (int i = 0; i < 3; ++i) {
        users << p.createUser(QStringLiteral("persist-%1").arg(i));
        QVERIFY(!users.last().isEmpty());
    }
    const proto::InfoHash kept = randomInfoHash();
    const proto::InfoHash gone = randomInfoHash();
    const QJsonObject keptTorrent = p.createTorrent(kept, QStringLiteral("kept"));
    QVERIFY(!keptTorrent.isEmpty());
    QVERIFY(!p.createTorrent(gone, QStringLiteral("gone")).isEmpty());
    // Delete the newest user: its id must not be handed out again after the restart.
    const qint64 deletedId = users.takeLast().value(QStringLiteral("id")).toInteger();
    QCOMPARE(p.adminRequest("DELETE", QStringLiteral("/admin/users/%1").arg(deletedId)).status,
             200);
    QCOMPARE(
        p.adminRequest("DELETE", QStringLiteral("/admin/torrents/") + gone.toHexString()).status,
        200);
    const QJsonObject usersBefore = p.adminRequest("GET", QStringLiteral("/admin/users")).json;
    const QJsonObject torrentsBefore =
        p.adminRequest("GET", QStringLiteral("/admin/torrents")).json;
    QCOMPARE(usersBefore.value(QStringLiteral("total")).toInteger(), 2);
    QCOMPARE(torrentsBefore.value(QStringLiteral("total")).toInteger(), 1);
    QVERIFY(p.stop());

    QVERIFY(p.start());
    QCOMPARE(p.adminRequest("GET", QStringLiteral("/admin/users")).json, usersBefore);
    QCOMPARE(p.adminRequest("GET", QStringLiteral("/admin/torrents")).json, torrentsBefore);
    QCOMPARE(p.adminRequest("GET", QStringLiteral("/admin/torrents/") + kept.toHexString()).json,
             keptTorrent);
    QCOMPARE(p.adminRequest("GET", QStringLiteral("/admin/users/%1").arg(deletedId)).status, 404);
    QCOMPARE(p.adminRequest("GET", QStringLiteral("/admin/torrents/") + gone.toHexString()).status,
             404);

    const QJsonObject next = p.createUser(QStringLiteral("after-restart"));
    QVERIFY(!next.isEmpty());
    QVERIFY(next.value(QStringLiteral("id")).toInteger() > deletedId);

    // The tracker loaded the same state: a kept user can announce on the kept torrent.
    const auto reply = p.announce(users.first().value(QStringLiteral("passkey")).toString(),
                                  announceQuery(kept, makePeerId("restart"), 6881, 5));
    QVERIFY(reply);
    QVERIFY2(!reply->find("failure reason"), dictBytes(*reply, "failure reason").constData());
    QVERIFY(p.stop());
}

QTEST_GUILESS_MAIN(TestAdminApi)
#include "tst_adminapi.moc"
