#include "random.h"

#include <chrono>
#include <functional>
#include <thread>

namespace sk::core {

std::uint64_t fastRandom()
{
    thread_local std::uint64_t state = [] {
        const auto t =
            static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
        const auto tid = std::hash<std::thread::id>{}(std::this_thread::get_id());
        const std::uint64_t s = t ^ (tid * 0x9E3779B97F4A7C15ull);
        return s ? s : 0x2545F4914F6CDD1Dull;
    }();
    // xorshift64*
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545F4914F6CDD1Dull;
}

} // namespace sk::core
