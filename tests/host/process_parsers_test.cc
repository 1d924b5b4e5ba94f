#include "agent/host/process_parsers.h"

#include <string>

#include "gtest/gtest.h"

namespace scout::agent {
namespace {

// A real line from Debian 12 (bash, pid 29598).
constexpr char kBashStat[] =
    "29598 (bash) S 29597 29598 29598 0 -1 4194560 5206 87225 0 57 3 1 61 62 20 0 1 0 422529 "
    "5251072 943 18446744073709551615 94089451786240 94089452575645 140731938945552 0 0 0 "
    "65536 4 1132560123 1 0 0 17 1 0 0 0 0 0 94089452808944 94089452857188 94089995309056 "
    "140731938954042 140731938954057 140731938954057 140731938955242 0\n";

TEST(ParsePidStat, RealLine) {
  const absl::StatusOr<PidStat> s = ParsePidStat(kBashStat);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->comm, "bash");
  EXPECT_EQ(s->state, 'S');
  EXPECT_EQ(s->flags, 4194560u);
  EXPECT_EQ(s->utime, 3u);
  EXPECT_EQ(s->stime, 1u);
  EXPECT_EQ(s->CpuTicks(), 4u);
  EXPECT_EQ(s->num_threads, 1u);
  EXPECT_EQ(s->starttime, 422529u);
  EXPECT_EQ(s->rss_pages, 943u);  // statm said 1002 at the same moment
  EXPECT_FALSE(s->IsKernelThread());
}

TEST(ParsePidStat, KernelThreadFlagAndLongComm) {
  // Workqueue workers show more than 15 bytes of comm.
  const absl::StatusOr<PidStat> s = ParsePidStat(
      "6 (kworker/R-kvfree_rcu_reclaim) I 2 0 0 0 -1 69238880 0 0 0 0 0 7 0 0 0 -20 1 0 12 "
      "0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->comm, "kworker/R-kvfree_rcu_reclaim");
  EXPECT_EQ(s->state, 'I');
  EXPECT_TRUE(s->IsKernelThread());
  EXPECT_EQ(s->stime, 7u);
  EXPECT_EQ(s->starttime, 12u);
}

// comm is chosen by the process (prctl(PR_SET_NAME)), so it can imitate
// the fields that follow it; only the LAST ')' ends it.
TEST(ParsePidStat, CommWithSpacesAndParentheses) {
  const absl::StatusOr<PidStat> s = ParsePidStat(
      "200 (evil) R 9 9 (x) D 1 200 200 0 -1 4194560 1 2 0 3 30 20 0 0 20 0 2 0 6000 1 250");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->comm, "evil) R 9 9 (x");
  EXPECT_EQ(s->state, 'D');
  EXPECT_EQ(s->utime, 30u);
  EXPECT_EQ(s->stime, 20u);
  EXPECT_EQ(s->num_threads, 2u);
  EXPECT_EQ(s->starttime, 6000u);
  EXPECT_EQ(s->rss_pages, 250u);

  const absl::StatusOr<PidStat> odd =
      ParsePidStat("7 (a\nb ))) S 1 7 7 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 99 0 0");
  ASSERT_TRUE(odd.ok()) << odd.status();
  EXPECT_EQ(odd->comm, "a\nb ))");
  EXPECT_EQ(odd->starttime, 99u);

  const absl::StatusOr<PidStat> empty =
      ParsePidStat("8 () S 1 8 8 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 5 0 0");
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(empty->comm, "");
}

TEST(ParsePidStat, Errors) {
  const auto code = [](const char* text) { return ParsePidStat(text).status().code(); };
  EXPECT_EQ(code(""), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code("7 no parentheses S 1 2 3"), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code("7 )x( S 1"), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code("7 (short) R 1 2\n"), absl::StatusCode::kInvalidArgument);
  // 19 fields after comm: starttime missing.
  EXPECT_EQ(code("7 (x) S 1 7 7 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0"),
            absl::StatusCode::kInvalidArgument);
  // 21 fields: rss missing.
  EXPECT_EQ(code("7 (x) S 1 7 7 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 5 0"),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code("7 (x) SS 1 7 7 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 5"),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code("7 (x) S 1 7 7 0 -1 0 0 0 0 0 1x 1 0 0 20 0 1 0 5"),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code("7 (x) S 1 7 7 0 -1 0 0 0 0 0 -1 1 0 0 20 0 1 0 5"),
            absl::StatusCode::kInvalidArgument);
  const absl::Status status =
      ParsePidStat("7 (x) S 1 7 7 0 -1 0 0 0 0 0 1 1 0 0 20 0 y 0 5").status();
  EXPECT_NE(status.message().find("stat: bad field 20 \"y\""), std::string_view::npos) << status;
}

TEST(ParseStatmResidentPages, RealAndZeroAndErrors) {
  EXPECT_EQ(*ParseStatmResidentPages("10134 2912 1609 1327 0 8292 0\n"), 2912u);
  EXPECT_EQ(*ParseStatmResidentPages("0 0 0 0 0 0 0\n"), 0u);  // kernel thread, zombie
  EXPECT_EQ(ParseStatmResidentPages("12\n").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseStatmResidentPages("12 abc\n").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseStatmResidentPages("").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ParsePidStatus, EffectiveUidAndExactRss) {
  const absl::StatusOr<PidStatus> st = ParsePidStatus(
      "Name:\tnode\nUmask:\t0022\nUid:\t999\t1000\t1000\t1000\nGid:\t1\t1\t1\t1\n"
      "VmPeak:\t  9000 kB\nVmRSS:\t    4008 kB\nThreads:\t1\n");
  ASSERT_TRUE(st.ok()) << st.status();
  EXPECT_EQ(st->effective_uid, 1000u);
  EXPECT_EQ(st->rss_bytes, 4008u * 1024);
  // Kernel threads and zombies have no VmRSS; first line, no final newline.
  const absl::StatusOr<PidStatus> kthread = ParsePidStatus("Uid:\t0\t0\t0\t0");
  ASSERT_TRUE(kthread.ok()) << kthread.status();
  EXPECT_EQ(kthread->effective_uid, 0u);
  EXPECT_EQ(kthread->rss_bytes, 0u);
  // A process may call itself "Uid:"; that must not be taken for the line.
  EXPECT_EQ(ParsePidStatus("Name:\tUid: 5 5\nUid:\t7\t8\t7\t7\n")->effective_uid, 8u);
}

TEST(ParsePidStatus, Errors) {
  for (const char* text : {"Name:\tx\nGid:\t0\t0\t0\t0\n", "Uid:\t0\n", "Uid:\t0\tx\t0\t0\n",
                           "Uid:\t0\t0\t0\t0\nVmRSS:\t12 MB\n", "Uid:\t0\t0\t0\t0\nVmRSS:\n"}) {
    EXPECT_EQ(ParsePidStatus(text).status().code(), absl::StatusCode::kInvalidArgument) << text;
  }
}

TEST(JoinCmdline, NulsBecomeSpacesTrailingNulsGo) {
  using namespace std::string_literals;
  EXPECT_EQ(JoinCmdline("node\0/srv/app/server.js\0"s), "node /srv/app/server.js");
  EXPECT_EQ(JoinCmdline("a\0\0b\0\0"s), "a  b");                             // empty argument kept
  EXPECT_EQ(JoinCmdline("nginx: worker process"), "nginx: worker process");  // setproctitle
  EXPECT_EQ(JoinCmdline(""), "");
  EXPECT_EQ(JoinCmdline("\0"s), "");
}

TEST(ParsePasswd, LenientFirstEntryWins) {
  const auto users = ParsePasswd(
      "root:x:0:0:root:/root:/bin/bash\n"
      "# comment\n"
      "+::::::\n"
      "broken line\n"
      "nouid:x::1::/:/bin/false\n"
      "neg:x:-1:1::/:/bin/false\n"
      "dup:x:0:0::/:/bin/false\n"
      ":x:5:5::/:/bin/false\n"
      "app:x:1000:1000:App:/srv/app:/bin/sh");  // no final newline
  EXPECT_EQ(users.size(), 2u);
  EXPECT_EQ(users.at(0), "root");
  EXPECT_EQ(users.at(1000), "app");
  EXPECT_TRUE(ParsePasswd("").empty());
}

}  // namespace
}  // namespace scout::agent
