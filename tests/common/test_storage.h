// A real SqliteStorage in a test's directory (DIR/scout.db), without the
// fsync per commit, for tests of what sits on top of storage.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "collector/storage/sqlite_storage.h"
#include "shared/clock.h"

namespace scout::testing {

// Null (and the test failed) when it cannot be opened.
inline std::unique_ptr<collector::SqliteStorage> OpenTestStorage(const std::filesystem::path& dir,
                                                                 const Clock& clock) {
  collector::SqliteOptions options;
  options.path = dir / "scout.db";
  options.synchronous_full = false;
  auto opened = collector::SqliteStorage::Open(options, clock);
  EXPECT_TRUE(opened.ok()) << opened.status();
  return opened.ok() ? *std::move(opened) : nullptr;
}

}  // namespace scout::testing
