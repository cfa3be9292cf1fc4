// SqliteBatch: multi-row statements through SQLite's C API, for the stats commit. Binding a
// million rows through QSqlQuery cost more than SQLite's own work (a QVariant and a
// placeholder string per value), so the hot write path binds directly on the connection
// QtSql opened (QSqlDriver::handle()); everything else keeps using QtSql.
#pragma once

#include <QByteArrayView>
#include <QString>

#include <cstdint>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;
class QSqlDatabase;

namespace sk::storage {

// The sqlite3 connection behind a QSQLITE database, or nullptr for another driver.
sqlite3 *sqliteHandle(const QSqlDatabase &db);

// SQLite integers are signed 64-bit: larger counters are stored at the cap.
std::int64_t storedCounter(std::uint64_t value);

// One row's values, bound left to right. Blobs must outlive the statement's execution.
class RowBinder
{
public:
    explicit RowBinder(sqlite3_stmt *statement) : m_statement(statement) {}
    RowBinder &integer(std::int64_t value);
    // Unsigned counters above SQLite's signed 64-bit range are stored at the cap.
    RowBinder &counter(std::uint64_t value);
    RowBinder &blob(const void *data, int size);
    RowBinder &text(QByteArrayView utf8); // copied: may be a temporary

private:
    sqlite3_stmt *m_statement;
    int m_position = 1;
};

class SqliteBatch
{
public:
    static constexpr int kRowsPerStatement = 200;

    explicit SqliteBatch(sqlite3 *db) : m_db(db) {}

    // Runs `head VALUES (..), (..) tail` over `rows` in statements of up to
    // kRowsPerStatement rows; `bind(binder, row)` binds one row's `columns` values.
    template<typename Container, typename Bind>
    bool run(const char *head, const char *tail, int columns, const Container &rows, Bind bind)
    {
        auto it = rows.begin();
        std::size_t left = rows.size();
        while (left > 0) {
            const int n = left < std::size_t(kRowsPerStatement) ? int(left) : kRowsPerStatement;
            sqlite3_stmt *statement = prepare(head, tail, columns, n);
            if (!statement)
                return false;
            RowBinder binder(statement);
            for (int i = 0; i < n; ++i, ++it)
                bind(binder, *it);
            if (!execute(statement))
                return false;
            left -= std::size_t(n);
            yieldCore();
        }
        return true;
    }
    // A single statement with `?` placeholders, run once per row.
    template<typename Container, typename Bind>
    bool each(const char *sql, const Container &rows, Bind bind)
    {
        sqlite3_stmt *statement = prepareOne(sql);
        if (!statement)
            return false;
        for (const auto &row : rows) {
            RowBinder binder(statement);
            bind(binder, row);
            if (!execute(statement))
                return false;
        }
        return true;
    }
    bool exec(const char *sql);

    QString error() const { return m_error; }
    ~SqliteBatch();
    SqliteBatch(const SqliteBatch &) = delete;
    SqliteBatch &operator=(const SqliteBatch &) = delete;

private:
    sqlite3_stmt *prepare(const char *head, const char *tail, int columns, int rows);
    sqlite3_stmt *prepareOne(const char *sql);
    bool execute(sqlite3_stmt *statement); // steps to the end, then resets and clears
    // Between two multi-row statements (~0.2 ms each), an announce worker that woke up on
    // this core runs first instead of waiting out the commit's time slice (p99 announce
    // latency during flushes, tracker pinned to one core: 5.0-5.2 ms -> 1.4-3.1 ms in four
    // runs each; CPU per request unchanged).
    static void yieldCore();
    bool fail();

    sqlite3 *m_db;
    // Statements stay prepared for the batch: a full chunk's shape repeats for every table.
    struct Prepared
    {
        const char *head; // call sites pass literals: the pointers name the statement
        const char *tail;
        int rows;
        sqlite3_stmt *statement;
    };
    std::vector<Prepared> m_prepared;
    QString m_error;
};

} // namespace sk::storage
