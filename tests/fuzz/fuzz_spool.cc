// Fuzz target: the agent's spool read back at start-up (shared/spool.h):
// segment records ([len][crc][seq][appended_ms][points][Batch]) and the ack
// journal, as a crash, a full disk or another program may have left them.
// Input: byte 0 = flags (bit 0: the harness writes the right CRC into every
// record whose length fits, so mutations reach the payload instead of
// stopping at the checksum), byte 1 = length of acked.log, then acked.log,
// then the segment file. The spool is opened on them, every pending batch
// read, one appended and one removed.
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "shared/spool.h"
#include "shared/clock.h"
#include "spdlog/spdlog.h"

namespace {

constexpr size_t kHeaderSize = 28;  // as agent/spool.cc

std::string* g_dir = nullptr;

void WriteFile(const std::string& path, const char* data, size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data, static_cast<std::streamsize>(size));
}

// Rewrites each record's crc (over the header after the crc, and the
// payload) the way Spool writes it.
void FixCrcs(std::string* segment) {
  size_t offset = 0;
  while (offset + kHeaderSize <= segment->size()) {
    uint32_t len;
    std::memcpy(&len, segment->data() + offset, 4);
    if (len > segment->size() - offset - kHeaderSize) break;
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(segment->data() + offset + 8), kHeaderSize - 8);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(segment->data() + offset + kHeaderSize), len);
    const uint32_t c = static_cast<uint32_t>(crc);
    std::memcpy(segment->data() + offset + 4, &c, 4);
    offset += kHeaderSize + len;
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);
  char tmpl[] = "/tmp/scout-fuzz-spool-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) abort();
  g_dir = new std::string(tmpl);
  std::atexit([] { std::filesystem::remove_all(*g_dir); });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const bool fix_crcs = (data[0] & 1) != 0;
  const size_t ack_size = std::min<size_t>(data[1], size - 2);
  const char* rest = reinterpret_cast<const char*>(data + 2);
  std::string segment(rest + ack_size, size - 2 - ack_size);
  if (fix_crcs) FixCrcs(&segment);

  std::error_code ec;
  std::filesystem::remove_all(*g_dir, ec);
  std::filesystem::create_directories(*g_dir);
  WriteFile(*g_dir + "/acked.log", rest, ack_size);
  WriteFile(*g_dir + "/segment-00000000000000000001.spool", segment.data(), segment.size());

  scout::SystemClock clock;
  scout::SpoolOptions options;
  options.dir = *g_dir;
  options.fsync = false;
  options.max_bytes = 1 << 20;
  options.segment_bytes = 64 << 10;
  auto spool = scout::Spool::Open(options, clock);
  if (!spool.ok()) return 0;
  for (uint64_t seq : (*spool)->Pending()) (void)(*spool)->Read(seq);
  (void)(*spool)->stats();
  scout::v1::Batch batch;
  batch.add_series()->set_metric("fuzz_metric");
  auto appended = (*spool)->Append(batch);
  if (appended.ok()) {
    auto read = (*spool)->Read(*appended);
    if (!read.has_value() || read->series_size() != 1) abort();
  }
  const auto pending = (*spool)->Pending();
  if (!pending.empty()) (*spool)->Remove(pending.front());
  return 0;
}
