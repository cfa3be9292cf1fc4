// Tests TokenStore: first-start generation, hashed storage, env token, verification, roles,
// named tokens made and revoked (also by another store on the same file, as the CLI does).
#include "server/admin/tokenstore.h"
#include "server/storage/sqldatabase.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace sk;

class TestTokenStore : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void firstStartGeneratesAndStoresOnlyAHash()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("t.db"));
        QString generated, err;
        {
            auto db = storage::SqlDatabase::open({QStringLiteral("QSQLITE"), path}, &err);
            QVERIFY(db);
            admin::TokenStore store(*db);
            QVERIFY(store.load({}, &generated, &err));
            QVERIFY(generated.startsWith(QStringLiteral("sk_")));
            QCOMPARE(generated.size(), 46); // "sk_" + 43 base64url characters = 256 bits
            QCOMPARE(int(store.verify(generated.toLatin1())->role), int(admin::Role::Admin));
            QVERIFY(!store.verify("sk_wrong"));
            QVERIFY(!store.verify(""));
        }
        // The database file holds neither the token nor its text.
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(!f.readAll().contains(generated.toLatin1()));
        QFile wal(path + QStringLiteral("-wal"));
        if (wal.open(QIODevice::ReadOnly))
            QVERIFY(!wal.readAll().contains(generated.toLatin1()));

        // Second start: no new token, the first still works.
        auto db = storage::SqlDatabase::open({QStringLiteral("QSQLITE"), path}, &err);
        admin::TokenStore again(*db);
        QString second;
        QVERIFY(again.load({}, &second, &err));
        QVERIFY(second.isEmpty());
        QVERIFY(again.verify(generated.toLatin1()));
    }

    void envTokenReplacesGeneration()
    {
        QTemporaryDir dir;
        QString generated, err;
        auto db = storage::SqlDatabase::open(
            {QStringLiteral("QSQLITE"), dir.filePath(QStringLiteral("t.db"))}, &err);
        admin::TokenStore store(*db);
        QVERIFY(store.load("from-env-secret", &generated, &err));
        QVERIFY(generated.isEmpty());
        QVERIFY(store.verify("from-env-secret"));
        QVERIFY(!store.verify("from-env-secreT"));
        QCOMPARE(db->adminTokens().value.size(), 0u); // kept in memory only
    }

    void roleNames_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("role"); // -1: not a role
        QTest::newRow("admin") << "admin" << int(admin::Role::Admin);
        QTest::newRow("moderator") << "moderator" << int(admin::Role::Moderator);
        QTest::newRow("readonly") << "readonly" << int(admin::Role::Readonly);
        QTest::newRow("case matters") << "Admin" << -1;
        QTest::newRow("empty") << "" << -1;
        QTest::newRow("other") << "root" << -1;
    }
    void roleNames()
    {
        QFETCH(QString, name);
        QFETCH(int, role);
        const auto r = admin::roleFromName(name);
        QCOMPARE(r ? int(*r) : -1, role);
        if (r)
            QCOMPARE(admin::roleName(*r), name);
    }

    void tokenNames_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<bool>("valid");
        QTest::newRow("plain") << "moderator-anna" << true;
        QTest::newRow("dots and underscores") << "ci.bot_2" << true;
        QTest::newRow("64") << QString(64, QLatin1Char('a')) << true;
        QTest::newRow("65") << QString(65, QLatin1Char('a')) << false;
        QTest::newRow("empty") << "" << false;
        QTest::newRow("space") << "a b" << false;
        QTest::newRow("slash") << "a/b" << false;
        QTest::newRow("non-ascii") << QStringLiteral("\u00e9") << false;
        QTest::newRow("all digits") << "123" << false; // would read as an id
        QTest::newRow("digits and a letter") << "123a" << true;
        QTest::newRow("env") << "env" << false; // the environment's token
    }
    void tokenNames()
    {
        QFETCH(QString, name);
        QFETCH(bool, valid);
        QCOMPARE(admin::TokenStore::validName(name), valid);
    }

    // Named tokens: made with a role, verified at once, unique names, revoked by id or name,
    // never the last stored admin token; a second store on the file sees them after reload().
    void createRevokeReload()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("t.db"));
        QString generated, err;
        auto db = storage::SqlDatabase::open({QStringLiteral("QSQLITE"), path}, &err);
        QVERIFY(db);
        admin::TokenStore store(*db);
        QVERIFY(store.load({}, &generated, &err)); // stored token "admin"
        const auto mod = store.create(QStringLiteral("mod"), admin::Role::Moderator, 100);
        QVERIFY(mod.ok());
        QCOMPARE(mod.value.record.role, QStringLiteral("moderator"));
        QCOMPARE(int(store.verify(mod.value.secret.toLatin1())->role), int(admin::Role::Moderator));
        QCOMPARE(store.verify(mod.value.secret.toLatin1())->name, QStringLiteral("mod"));
        QCOMPARE(store.create(QStringLiteral("mod"), admin::Role::Readonly, 100).status,
                 core::DbStatus::Conflict);
        for (const auto &t : store.list().value)
            QVERIFY(t.hash.isEmpty()); // the list never carries hashes

        // Another store on the same file (the CLI) makes and revokes; reload() follows.
        auto db2 = storage::SqlDatabase::open({QStringLiteral("QSQLITE"), path}, &err);
        admin::TokenStore cli(*db2);
        const auto ro = cli.create(QStringLiteral("ro"), admin::Role::Readonly, 101);
        QVERIFY(ro.ok());
        QVERIFY(!store.verify(ro.value.secret.toLatin1()));
        QVERIFY(store.reload(&err));
        QCOMPARE(int(store.verify(ro.value.secret.toLatin1())->role), int(admin::Role::Readonly));
        QVERIFY(cli.revoke(QStringLiteral("mod")).ok()); // by name
        QVERIFY(store.reload(&err));
        QVERIFY(!store.verify(mod.value.secret.toLatin1()));
        QVERIFY(store.revoke(QString::number(ro.value.record.id)).ok()); // by id
        QVERIFY(!store.verify(ro.value.secret.toLatin1()));
        QCOMPARE(store.revoke(QStringLiteral("nobody")).status, core::DbStatus::NotFound);

        // The last stored admin token stays until another admin token exists.
        QCOMPARE(store.revoke(QStringLiteral("admin")).status, core::DbStatus::Conflict);
        QVERIFY(store.verify(generated.toLatin1()));
        QVERIFY(store.create(QStringLiteral("admin2"), admin::Role::Admin, 102).ok());
        QVERIFY(store.revoke(QStringLiteral("admin")).ok());
        QVERIFY(!store.verify(generated.toLatin1()));
    }

    // The environment's token survives reloads and is never written.
    void envTokenSurvivesReload()
    {
        QTemporaryDir dir;
        QString generated, err;
        auto db = storage::SqlDatabase::open(
            {QStringLiteral("QSQLITE"), dir.filePath(QStringLiteral("t.db"))}, &err);
        admin::TokenStore store(*db);
        QVERIFY(store.load("from-env-secret", &generated, &err));
        QVERIFY(store.reload(&err));
        QCOMPARE(store.verify("from-env-secret")->name, QStringLiteral("env"));
        QCOMPARE(db->adminTokens().value.size(), 0u);
    }

    void hashIsStable()
    {
        QCOMPARE(admin::TokenStore::hash("abc"), admin::TokenStore::hash("abc"));
        QCOMPARE(admin::TokenStore::hash("abc").size(), 32);
        QVERIFY(admin::TokenStore::hash("abc") != admin::TokenStore::hash("abd"));
        QVERIFY(admin::TokenStore::generateSecret() != admin::TokenStore::generateSecret());
    }
};

QTEST_GUILESS_MAIN(TestTokenStore)
#include "tst_tokenstore.moc"
