#include "clock.h"

#include <ctime>

namespace sk::core {

std::int64_t SystemClock::now() const
{
    timespec ts{};
    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    return ts.tv_sec;
}

} // namespace sk::core
