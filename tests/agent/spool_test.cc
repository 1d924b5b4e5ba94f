#include "shared/spool.h"

#include <gtest/gtest.h>

#include "tests/common/test_dir.h"
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace scout::agent {
namespace {

v1::Batch BatchOf(int points, double value) {
  v1::Batch b;
  auto* s = b.add_series();
  s->set_metric("m");
  for (int i = 0; i < points; ++i) {
    auto* p = s->add_points();
    p->set_timestamp_ms(1'764'200'000'000 + i);
    p->set_value(value);
  }
  return b;
}

class SpoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.dir = dir_ / "spool";
    options_.fsync = false;  // tmpfs or not, tests need not wait for disks
  }
  std::unique_ptr<Spool> Open() {
    auto s = Spool::Open(options_, clock_);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *std::move(s) : nullptr;
  }
  std::vector<std::filesystem::path> Segments() {
    std::vector<std::filesystem::path> out;
    for (auto& f : std::filesystem::directory_iterator(options_.dir)) {
      if (f.path().extension() == ".spool") out.push_back(f.path());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  scout::testing::TestDir dir_{"scout-spool"};
  ManualClock clock_{1'764'200'000'000};
  SpoolOptions options_;
};

TEST_F(SpoolTest, NumbersBatchesAndReadsThemBack) {
  auto spool = Open();
  EXPECT_EQ(*spool->Append(BatchOf(3, 1.5)), 1u);
  EXPECT_EQ(*spool->Append(BatchOf(2, 2.5)), 2u);
  auto b = spool->Read(2);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->seq(), 2u);
  EXPECT_EQ(b->series(0).points(0).value(), 2.5);
  EXPECT_EQ(spool->Pending(), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(*spool->FirstAfter(1), 2u);
  EXPECT_FALSE(spool->FirstAfter(2).has_value());
}

TEST_F(SpoolTest, SurvivesRestartAndRemembersAcks) {
  {
    auto spool = Open();
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(spool->Append(BatchOf(1, i)).ok());
    spool->Remove(1);
    spool->Remove(3);
  }
  auto spool = Open();
  EXPECT_EQ(spool->Pending(), (std::vector<uint64_t>{2, 4, 5}));
  EXPECT_EQ(spool->stats().recovered_batches, 3u);
  EXPECT_EQ(spool->Read(4)->series(0).points(0).value(), 3.0);
  EXPECT_EQ(*spool->Append(BatchOf(1, 9)), 6u);  // numbering continues
}

TEST_F(SpoolTest, TornLastWriteIsSkippedNotFatal) {
  {
    auto spool = Open();
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(spool->Append(BatchOf(10, i)).ok());
  }
  auto segments = Segments();
  ASSERT_EQ(segments.size(), 1u);
  const auto size = std::filesystem::file_size(segments[0]);
  std::filesystem::resize_file(segments[0], size - 7);  // the last record is torn
  auto spool = Open();
  EXPECT_EQ(spool->Pending(), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(spool->stats().corrupt_records, 1u);
  // Appending after the repair produces readable records.
  EXPECT_EQ(*spool->Append(BatchOf(1, 7)), 3u);
  spool.reset();
  spool = Open();
  EXPECT_EQ(spool->Pending(), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(spool->Read(3)->series(0).points(0).value(), 7.0);
}

TEST_F(SpoolTest, FlippedByteEndsTheSegmentAtTheDamage) {
  {
    auto spool = Open();
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(spool->Append(BatchOf(10, i)).ok());
  }
  auto path = Segments()[0];
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  const auto record = std::filesystem::file_size(path) / 3;
  f.seekp(static_cast<std::streamoff>(record + 40));  // inside record 2's payload
  f.put('\x55');
  f.close();
  auto spool = Open();
  EXPECT_EQ(spool->Pending(), (std::vector<uint64_t>{1}));
  EXPECT_EQ(spool->stats().corrupt_records, 1u);
}

TEST_F(SpoolTest, FullSpoolDropsOldestSegmentsAndCountsExactly) {
  options_.max_bytes = 64 * 1024;  // segments of 8 KiB
  auto spool = Open();
  uint64_t appended_points = 0;
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(spool->Append(BatchOf(20, i)).ok());  // ~400 bytes each
    appended_points += 20;
  }
  const SpoolStats s = spool->stats();
  EXPECT_LE(s.bytes, options_.max_bytes);
  EXPECT_GT(s.dropped_batches, 0u);
  EXPECT_EQ(s.dropped_batches + s.batches, 200u);
  EXPECT_EQ(s.dropped_samples, s.dropped_batches * 20);
  // The oldest went first: what is left is a contiguous newest range.
  auto pending = spool->Pending();
  EXPECT_EQ(pending.back(), 200u);
  EXPECT_EQ(pending.front(), 200u - pending.size() + 1);
  EXPECT_EQ(pending.front(), s.dropped_batches + 1);
}

TEST_F(SpoolTest, OldDataIsDroppedByAge) {
  options_.max_bytes = 64 * 1024;
  options_.max_age = std::chrono::hours(1);
  auto spool = Open();
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(spool->Append(BatchOf(20, i)).ok());  // > 1 segment
  clock_.Advance(std::chrono::hours(2));
  ASSERT_TRUE(spool->Append(BatchOf(1, 0)).ok());
  const SpoolStats s = spool->stats();
  EXPECT_GT(s.dropped_batches, 0u);
  EXPECT_EQ(s.dropped_batches + s.batches, 31u);
}

TEST_F(SpoolTest, FullyAckedSegmentsAreDeleted) {
  options_.max_bytes = 64 * 1024;
  auto spool = Open();
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(spool->Append(BatchOf(20, i)).ok());
  ASSERT_GT(Segments().size(), 2u);
  for (uint64_t seq : spool->Pending()) spool->Remove(seq);
  EXPECT_EQ(Segments().size(), 1u);  // only the active segment stays
  EXPECT_EQ(spool->stats().batches, 0u);
}

TEST_F(SpoolTest, SecondOpenOfTheSameDirectoryFailsUntilTheFirstIsClosed) {
  auto first = Open();
  ASSERT_TRUE(first->Append(BatchOf(1, 1)).ok());
  auto second = Spool::Open(options_, clock_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find("spool directory " + options_.dir +
                                           " is in use by another scout-agent"),
            std::string::npos)
      << second.status();
  EXPECT_NE(second.status().message().find("(pid " + std::to_string(getpid()) + ")"),
            std::string::npos)
      << second.status();
  // The failed Open touched nothing: the first Spool's data is intact.
  EXPECT_EQ(first->Pending(), (std::vector<uint64_t>{1}));
  first.reset();
  auto reopened = Open();
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->Pending(), (std::vector<uint64_t>{1}));
}

TEST_F(SpoolTest, LockFileIsNotASegment) {
  {
    auto spool = Open();
    ASSERT_TRUE(spool->Append(BatchOf(5, 1)).ok());
  }
  ASSERT_TRUE(std::filesystem::exists(options_.dir + "/LOCK"));
  auto spool = Open();
  const SpoolStats s = spool->stats();
  EXPECT_EQ(s.corrupt_records, 0u);
  EXPECT_EQ(s.recovered_batches, 1u);
  EXPECT_EQ(s.bytes, std::filesystem::file_size(Segments().at(0)));
  EXPECT_EQ(Segments().size(), 1u);
  EXPECT_TRUE(std::filesystem::exists(options_.dir + "/LOCK"));
}

TEST_F(SpoolTest, LockIsHeldAgainstOtherProcesses) {
  auto spool = Open();
  // flock(1) stands in for another scout-agent: it must not get the lock
  // while this Spool lives, and must get it once the Spool is gone.
  const std::string probe = "flock --nonblock " + options_.dir + "/LOCK true";
  EXPECT_NE(std::system(probe.c_str()), 0);
  spool.reset();
  EXPECT_EQ(std::system(probe.c_str()), 0);
}

// A batch protobuf could never parse back (a label that is not UTF-8) is
// refused with nothing written, rather than kept and skipped forever.
TEST_F(SpoolTest, BatchThatCannotBeEncodedIsRefused) {
  auto spool = Open();
  v1::Batch bad = BatchOf(2, 1);
  auto* label = bad.mutable_series(0)->add_labels();
  label->set_name("comm");
  label->set_value("node\xC3");
  auto seq = spool->Append(bad);
  EXPECT_EQ(seq.status().code(), absl::StatusCode::kInvalidArgument) << seq.status();
  EXPECT_TRUE(spool->Pending().empty());
  EXPECT_EQ(*spool->Append(BatchOf(1, 1)), 1u) << "no sequence number used up";
}

// A record that is intact on disk (its CRC matches) but does not parse,
// e.g. written by an older agent that spooled invalid UTF-8, is dropped and
// counted when read, and is gone after a restart.
TEST_F(SpoolTest, IntactButUndecodableRecordIsDroppedAndCounted) {
  {
    auto spool = Open();
    v1::Batch b = BatchOf(4, 1);
    auto* label = b.mutable_series(0)->add_labels();
    label->set_name("comm");
    label->set_value("nodeQ");
    ASSERT_TRUE(spool->Append(b).ok());
    ASSERT_TRUE(spool->Append(BatchOf(2, 2)).ok());
  }
  // Turn "nodeQ" into "node\xC3" in record 1 and give it a matching CRC.
  const auto path = Segments()[0];
  std::string data;
  {
    std::ifstream in(path, std::ios::binary);
    data.assign(std::istreambuf_iterator<char>(in), {});
  }
  const size_t at = data.find("nodeQ");
  ASSERT_NE(at, std::string::npos);
  data[at + 4] = '\xC3';
  uint32_t len = 0;
  std::memcpy(&len, data.data(), 4);
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(data.data() + 8), 20 + len);
  const auto crc32v = static_cast<uint32_t>(crc);
  std::memcpy(data.data() + 4, &crc32v, 4);
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << data;
  }
  {
    auto spool = Open();
    EXPECT_EQ(spool->stats().corrupt_records, 0u) << "the record itself is intact";
    EXPECT_EQ(spool->Pending(), (std::vector<uint64_t>{1, 2}));
    EXPECT_FALSE(spool->Read(1).has_value());
    EXPECT_EQ(spool->Pending(), (std::vector<uint64_t>{2}));
    EXPECT_EQ(spool->stats().dropped_batches, 1u);
    EXPECT_EQ(spool->stats().dropped_samples, 4u);
    ASSERT_TRUE(spool->Read(2).has_value());
  }
  auto spool = Open();
  EXPECT_EQ(spool->Pending(), (std::vector<uint64_t>{2}));
}

}  // namespace
}  // namespace scout::agent
