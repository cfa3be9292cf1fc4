// Clock: the core's source of time, passed in so that tests can drive it.
#pragma once

#include <cstdint>

namespace sk::core {

class Clock
{
public:
    virtual ~Clock() = default;
    // Seconds since the Unix epoch. Coarse (1 s) precision is all the tracker needs.
    virtual std::int64_t now() const = 0;
};

// Reads CLOCK_REALTIME_COARSE: a vDSO read without a syscall, cheap enough per announce.
class SystemClock final : public Clock
{
public:
    std::int64_t now() const override;
};

// A clock that only moves when told to, for tests.
class ManualClock final : public Clock
{
public:
    explicit ManualClock(std::int64_t start = 1'700'000'000) : m_now(start) {}
    std::int64_t now() const override { return m_now; }
    void advance(std::int64_t seconds) { m_now += seconds; }
    void set(std::int64_t t) { m_now = t; }

private:
    std::int64_t m_now;
};

} // namespace sk::core
