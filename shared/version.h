#pragma once

namespace scout {
// Set by CMake from project(VERSION ...).
inline constexpr const char* kVersion = SCOUT_VERSION;
}  // namespace scout
