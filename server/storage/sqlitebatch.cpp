#include "sqlitebatch.h"

#include <sched.h>

#include <QSqlDatabase>
#include <QSqlDriver>
#include <QVariant>

#include <sqlite3.h>

#include <limits>
#include <string>

namespace sk::storage {

sqlite3 *sqliteHandle(const QSqlDatabase &db)
{
    if (!db.driver())
        return nullptr;
    const QVariant v = db.driver()->handle();
    if (!v.isValid() || qstrcmp(v.typeName(), "sqlite3*") != 0)
        return nullptr;
    return *static_cast<sqlite3 *const *>(v.constData());
}

RowBinder &RowBinder::integer(std::int64_t value)
{
    sqlite3_bind_int64(m_statement, m_position++, value);
    return *this;
}

std::int64_t storedCounter(std::uint64_t value)
{
    constexpr auto cap = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    return static_cast<std::int64_t>(value > cap ? cap : value);
}

RowBinder &RowBinder::counter(std::uint64_t value)
{
    return integer(storedCounter(value));
}

RowBinder &RowBinder::blob(const void *data, int size)
{
    sqlite3_bind_blob(m_statement, m_position++, data, size, SQLITE_STATIC);
    return *this;
}

RowBinder &RowBinder::text(QByteArrayView utf8)
{
    sqlite3_bind_text(m_statement, m_position++, utf8.data(), int(utf8.size()), SQLITE_TRANSIENT);
    return *this;
}

SqliteBatch::~SqliteBatch()
{
    for (const Prepared &p : m_prepared)
        sqlite3_finalize(p.statement);
}

sqlite3_stmt *SqliteBatch::prepare(const char *head, const char *tail, int columns, int rows)
{
    for (const Prepared &p : m_prepared) {
        if (p.head == head && p.tail == tail && p.rows == rows)
            return p.statement;
    }
    std::string sql = head;
    sql += " VALUES ";
    for (int r = 0; r < rows; ++r) {
        sql += r ? ", (?" : "(?";
        for (int c = 1; c < columns; ++c)
            sql += ", ?";
        sql += ')';
    }
    sql += tail;
    sqlite3_stmt *statement = nullptr;
    if (sqlite3_prepare_v2(m_db, sql.c_str(), int(sql.size()) + 1, &statement, nullptr) !=
        SQLITE_OK) {
        fail();
        sqlite3_finalize(statement);
        return nullptr;
    }
    m_prepared.push_back({head, tail, rows, statement});
    return statement;
}

sqlite3_stmt *SqliteBatch::prepareOne(const char *sql)
{
    for (const Prepared &p : m_prepared) {
        if (p.head == sql && p.tail == nullptr)
            return p.statement;
    }
    sqlite3_stmt *statement = nullptr;
    if (sqlite3_prepare_v2(m_db, sql, -1, &statement, nullptr) != SQLITE_OK) {
        fail();
        sqlite3_finalize(statement);
        return nullptr;
    }
    m_prepared.push_back({sql, nullptr, 1, statement});
    return statement;
}

bool SqliteBatch::execute(sqlite3_stmt *statement)
{
    int rc = SQLITE_ROW;
    while (rc == SQLITE_ROW)
        rc = sqlite3_step(statement);
    sqlite3_reset(statement);
    sqlite3_clear_bindings(statement);
    return rc == SQLITE_DONE || fail();
}

void SqliteBatch::yieldCore()
{
    sched_yield();
}

bool SqliteBatch::exec(const char *sql)
{
    return sqlite3_exec(m_db, sql, nullptr, nullptr, nullptr) == SQLITE_OK || fail();
}

bool SqliteBatch::fail()
{
    m_error = QString::fromUtf8(sqlite3_errmsg(m_db));
    return false;
}

} // namespace sk::storage
