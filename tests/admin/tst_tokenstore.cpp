// Tests TokenStore: first-start generation, hashed storage, env token, verification.
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
            QCOMPARE(store.verify(generated.toLatin1())->role, QStringLiteral("admin"));
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
