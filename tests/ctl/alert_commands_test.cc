// `sctl alerts`, `sctl alerts history`, `sctl rules`, `sctl silence ...`:
// the pure parts (--match parsing, selector building, argument plans,
// sorting, rendering of fixed answers), then every command against a real
// in-process collector with alerting enabled: a sample written through the
// Ingest stream makes a rule fire, and the commands read it back over the
// Alerts service on loopback.
#include "ctl/alert_commands.h"

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "tests/common/loopback_collector_config.h"
#include "tests/common/ingest_batch.h"

#include "collector/collector_server.h"
#include "scout/v1/ingest.grpc.pb.h"
#include "shared/proto_convert.h"
#include "tests/common/test_dir.h"

namespace scout::ctl {
namespace {

constexpr int64_t kNow = 1'795'788'190'000;  // 2026-11-27T14:03:10Z
constexpr int64_t kMin = 60'000;
constexpr int64_t kHour = 60 * kMin;

bool Has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

// ---- --match and the silence plan ----

TEST(ParseMatchArg, AcceptsTheFourOperators) {
  struct Case {
    const char* text;
    const char* name;
    MatchOp op;
    const char* value;
  };
  const Case cases[] = {
      {"host=db-1", "host", MatchOp::kEqual, "db-1"},
      {"host!=db-1", "host", MatchOp::kNotEqual, "db-1"},
      {"host=~db-.*", "host", MatchOp::kRegexMatch, "db-.*"},
      {"host!~db-.*", "host", MatchOp::kRegexNotMatch, "db-.*"},
      {"_x9=", "_x9", MatchOp::kEqual, ""},                       // empty value
      {"team=a=b", "team", MatchOp::kEqual, "a=b"},               // first operator wins
      {"host=\"db-1\"", "host", MatchOp::kEqual, "db-1"},         // copied from a selector
      {"msg=say \"hi\"", "msg", MatchOp::kEqual, "say \"hi\""},   // inner quotes are data
  };
  for (const Case& c : cases) {
    auto m = ParseMatchArg(c.text);
    ASSERT_TRUE(m.ok()) << c.text << ": " << m.status();
    EXPECT_EQ(m->name, c.name) << c.text;
    EXPECT_EQ(m->op, c.op) << c.text;
    EXPECT_EQ(m->value, c.value) << c.text;
  }
}

TEST(ParseMatchArg, RejectsWhatIsNotAMatcher) {
  for (const char* text : {"", "host", "=db-1", "1host=x", "host:db-1", "host ~= x", "-x=1"}) {
    auto m = ParseMatchArg(text);
    ASSERT_FALSE(m.ok()) << text;
    EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_TRUE(Has(std::string(m.status().message()), "--match")) << m.status();
  }
  EXPECT_TRUE(Has(std::string(ParseMatchArg("host").status().message()),
                  "expected NAME=VALUE, NAME!=VALUE, NAME=~REGEX or NAME!~REGEX"));
}

TEST(BuildSilenceMatchers, QuotesAndEscapesAndRoundTrips) {
  auto text = BuildSilenceMatchers(
      {"host=db-1", "severity=~warn.*", "path=C:\\tmp \"x\"", "device!~sd[a-c]\\d+", "env!=prod"});
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text,
            "{host=\"db-1\",severity=~\"warn.*\",path=\"C:\\\\tmp \\\"x\\\"\","
            "device!~\"sd[a-c]\\\\d+\",env!=\"prod\"}");
  // What the collector parses is exactly what was typed.
  auto parsed = ParseSelector(*text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE(parsed->metric.empty());
  ASSERT_EQ(parsed->matchers.size(), 5u);
  EXPECT_EQ(parsed->matchers[2].value, "C:\\tmp \"x\"");
  EXPECT_EQ(parsed->matchers[3].value, "sd[a-c]\\d+");
  EXPECT_EQ(parsed->matchers[3].op, MatchOp::kRegexNotMatch);
}

TEST(BuildSilenceMatchers, NeedsOneAndChecksRegexes) {
  auto none = BuildSilenceMatchers({});
  ASSERT_FALSE(none.ok());
  EXPECT_TRUE(Has(std::string(none.status().message()), "at least one --match"));
  auto bad = BuildSilenceMatchers({"host=db-1", "job=~(unclosed"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Has(std::string(bad.status().message()), "--match \"job=~(unclosed\": bad regex"))
      << bad.status();
}

TEST(PlanSilenceAdd, BuildsTheRequest) {
  SilenceAddArgs args;
  args.match = {"host=db-1"};
  args.duration = "2h";
  args.comment = "disk swap, OPS-42";
  auto req = PlanSilenceAdd(args, "alice");
  ASSERT_TRUE(req.ok()) << req.status();
  EXPECT_EQ(req->matchers(), "{host=\"db-1\"}");
  EXPECT_EQ(req->duration_ms(), 2 * kHour);
  EXPECT_EQ(req->comment(), "disk swap, OPS-42");
  EXPECT_EQ(req->created_by(), "alice");  // $USER
  args.author = "bob";
  EXPECT_EQ(PlanSilenceAdd(args, "alice")->created_by(), "bob");
  args.author.clear();
  EXPECT_EQ(PlanSilenceAdd(args, nullptr)->created_by(), "");
}

TEST(PlanSilenceAdd, UsageErrors) {
  SilenceAddArgs good;
  good.match = {"host=db-1"};
  good.duration = "2h";
  good.comment = "why";
  auto error = [&](SilenceAddArgs args) {
    auto req = PlanSilenceAdd(args, "alice");
    EXPECT_FALSE(req.ok());
    EXPECT_EQ(req.status().code(), absl::StatusCode::kInvalidArgument);
    return std::string(req.status().message());
  };
  SilenceAddArgs a = good;
  a.match.clear();
  EXPECT_TRUE(Has(error(a), "at least one --match"));
  a = good;
  a.duration.clear();
  EXPECT_EQ(error(a), "--for is required (e.g. --for 2h)");
  a.duration = "2";
  EXPECT_TRUE(Has(error(a), "--for: ")) << error(a);
  a.duration = "0s";
  EXPECT_EQ(error(a), "--for must be positive");
  a = good;
  a.comment = " \t";
  EXPECT_TRUE(Has(error(a), "--comment is required")) << error(a);
  a.comment.clear();
  EXPECT_TRUE(Has(error(a), "--comment is required"));
}

TEST(PlanAlertHistory, SinceAndLimit) {
  auto req = PlanAlertHistory(HistoryArgs{}, kNow);
  ASSERT_TRUE(req.ok());
  EXPECT_EQ(req->since_ms(), kNow - 24 * kHour);
  EXPECT_EQ(req->limit(), 0u);
  req = PlanAlertHistory(HistoryArgs{"90m", 50}, kNow);
  ASSERT_TRUE(req.ok());
  EXPECT_EQ(req->since_ms(), kNow - 90 * kMin);
  EXPECT_EQ(req->limit(), 50u);
  EXPECT_TRUE(Has(std::string(PlanAlertHistory(HistoryArgs{"yesterday", 0}, kNow)
                                  .status().message()), "--since: "));
  EXPECT_FALSE(PlanAlertHistory(HistoryArgs{"0s", 0}, kNow).ok());
  EXPECT_FALSE(PlanAlertHistory(HistoryArgs{"1h", -1}, kNow).ok());
  EXPECT_FALSE(PlanAlertHistory(HistoryArgs{"1h", 1LL << 33}, kNow).ok());
}

// ---- Sorting and rendering fixed answers ----

void AddLabel(google::protobuf::RepeatedPtrField<v1::Label>* labels, const std::string& name,
              const std::string& value) {
  v1::Label* l = labels->Add();
  l->set_name(name);
  l->set_value(value);
}

v1::Alert MakeAlert(const std::string& name, const std::string& severity, v1::AlertState state,
                    Labels labels, double value, int64_t since_ms,
                    const std::string& summary = "", bool silenced = false) {
  v1::Alert a;
  a.set_rule(name);
  a.set_fingerprint("fp-" + name);
  labels.emplace_back("alertname", name);
  if (!severity.empty()) labels.emplace_back("severity", severity);
  LabelsToProto(MakeLabels(std::move(labels)), a.mutable_labels());
  if (!summary.empty()) AddLabel(a.mutable_annotations(), "summary", summary);
  a.set_state(state);
  a.set_value(value);
  a.set_silenced(silenced);
  a.set_active_since_ms(since_ms - 5 * kMin);
  if (state == v1::ALERT_PENDING) a.set_active_since_ms(since_ms);
  if (state != v1::ALERT_PENDING) a.set_fired_ms(since_ms);
  if (state == v1::ALERT_RESOLVED) {
    a.set_fired_ms(since_ms - 10 * kMin);
    a.set_resolved_ms(since_ms);
  }
  return a;
}

v1::ListAlertsResponse FixedAlerts() {
  v1::ListAlertsResponse r;
  *r.add_alerts() = MakeAlert("HighCpuUsage", "warning", v1::ALERT_FIRING, {{"host", "web-1"}},
                              0.83, kNow - 10 * kMin, "CPU on web-1 at 83%");
  *r.add_alerts() = MakeAlert("HighMemoryUsage", "warning", v1::ALERT_PENDING,
                              {{"host", "web-2"}}, 0.81, kNow - 90'000);
  *r.add_alerts() = MakeAlert("ErrorBudget", "", v1::ALERT_RESOLVED, {{"job", "api"}}, 0.002,
                              kNow - 3 * kMin);
  *r.add_alerts() = MakeAlert("AgentDown", "critical", v1::ALERT_FIRING, {{"host", "web-3"}}, 1,
                              kNow - 5 * kMin);
  *r.add_alerts() = MakeAlert("DiskFull", "critical", v1::ALERT_FIRING,
                              {{"host", "db-1"}, {"mount", "/"}}, 0.93, kNow - 125 * kMin,
                              "disk / on db-1 at 93%", true);
  return r;
}

class RenderTest : public ::testing::Test {
 protected:
  Output Out(OutputFormat format) {
    out_.str("");
    err_.str("");
    return Output{&out_, &err_, format, absl::UTCTimeZone()};
  }
  std::ostringstream out_, err_;
};

TEST(SortAlerts, FiringCriticalThenWarningThenPendingThenResolvedOldestFirst) {
  v1::ListAlertsResponse r = FixedAlerts();
  std::vector<v1::Alert> alerts(r.alerts().begin(), r.alerts().end());
  SortAlerts(&alerts);
  std::vector<std::string> order;
  for (const v1::Alert& a : alerts) order.push_back(a.rule());
  EXPECT_EQ(order, (std::vector<std::string>{"DiskFull", "AgentDown", "HighCpuUsage",
                                             "HighMemoryUsage", "ErrorBudget"}));
  EXPECT_EQ(AlertSinceMs(alerts[0]), kNow - 125 * kMin);   // fired
  EXPECT_EQ(AlertSinceMs(alerts[3]), kNow - 90'000);       // active since
  EXPECT_EQ(AlertSinceMs(alerts[4]), kNow - 3 * kMin);     // resolved
}

TEST(CompactLabels, DropsAlertnameAndSeverity) {
  EXPECT_EQ(CompactLabels(MakeLabels({{"alertname", "X"}, {"severity", "warning"},
                                      {"host", "db-1"}, {"mount", "/"}})),
            "host=db-1,mount=/");
  EXPECT_EQ(CompactLabels(MakeLabels({{"alertname", "X"}})), "-");
}

TEST_F(RenderTest, AlertsTable) {
  RenderAlerts(FixedAlerts(), kNow, true, Out(OutputFormat::kTable));
  EXPECT_EQ(out_.str(),
            "STATE              ALERT            SEVERITY  LABELS             VALUE  SINCE  "
            "SUMMARY\n"
            "FIRING (silenced)  DiskFull         critical  host=db-1,mount=/   0.93   2h5m  "
            "disk / on db-1 at 93%\n"
            "FIRING             AgentDown        critical  host=web-3             1     5m  "
            "-\n"
            "FIRING             HighCpuUsage     warning   host=web-1          0.83    10m  "
            "CPU on web-1 at 83%\n"
            "PENDING            HighMemoryUsage  warning   host=web-2          0.81  1m30s  "
            "-\n"
            "RESOLVED           ErrorBudget      -         job=api            0.002     3m  "
            "-\n");
  EXPECT_EQ(err_.str(), "");
}

TEST_F(RenderTest, AlertsWithoutSummariesHaveNoSummaryColumn) {
  v1::ListAlertsResponse r;
  *r.add_alerts() = MakeAlert("AgentDown", "critical", v1::ALERT_FIRING, {{"host", "web-3"}}, 1,
                              kNow - 5 * kMin);
  RenderAlerts(r, kNow, false, Out(OutputFormat::kTable));
  EXPECT_EQ(out_.str(),
            "STATE   ALERT      SEVERITY  LABELS      VALUE  SINCE\n"
            "FIRING  AgentDown  critical  host=web-3      1     5m\n");
}

TEST_F(RenderTest, NoAlertsIsANoteOnStderr) {
  RenderAlerts(v1::ListAlertsResponse(), kNow, false, Out(OutputFormat::kTable));
  EXPECT_EQ(out_.str(), "STATE  ALERT  SEVERITY  LABELS  VALUE  SINCE\n");
  EXPECT_EQ(err_.str(), "sctl: no alerts firing or pending\n");
  RenderAlerts(v1::ListAlertsResponse(), kNow, true, Out(OutputFormat::kTable));
  EXPECT_EQ(err_.str(), "sctl: no alerts firing, pending or recently resolved\n");
  RenderAlerts(v1::ListAlertsResponse(), kNow, false, Out(OutputFormat::kJson));
  EXPECT_EQ(out_.str(), "{\n  \"alerts\": []\n}\n");
  EXPECT_EQ(err_.str(), "");
}

TEST_F(RenderTest, AlertsJsonAndCsvHaveRawFields) {
  RenderAlerts(FixedAlerts(), kNow, true, Out(OutputFormat::kJson));
  const std::string json = out_.str();
  EXPECT_TRUE(Has(json, "\"alertname\": \"DiskFull\",\n      \"rule\": \"DiskFull\",\n"
                        "      \"state\": \"firing\",\n      \"silenced\": true,\n"
                        "      \"severity\": \"critical\",\n"))
      << json;
  EXPECT_TRUE(Has(json, "\"mount\": \"/\"")) << json;
  EXPECT_TRUE(Has(json, "\"summary\": \"disk / on db-1 at 93%\"")) << json;
  EXPECT_TRUE(Has(json, "\"value\": 0.93,")) << json;
  EXPECT_TRUE(Has(json, "\"since_ms\": 1795780690000,\n      \"since\": \"2026-11-27T11:58:10.000Z\""))
      << json;
  EXPECT_TRUE(Has(json, "\"resolved_ms\": 0,\n      \"resolved\": \"\"")) << json;
  EXPECT_LT(json.find("DiskFull"), json.find("AgentDown"));

  RenderAlerts(FixedAlerts(), kNow, true, Out(OutputFormat::kCsv));
  std::istringstream lines(out_.str());
  std::string header, first;
  std::getline(lines, header);
  std::getline(lines, first);
  EXPECT_EQ(header,
            "state,silenced,alertname,severity,labels,value,since_ms,since,active_since_ms,"
            "fired_ms,resolved_ms,last_sent_ms,summary,rule,fingerprint");
  EXPECT_EQ(first,
            "firing,true,DiskFull,critical,"
            "\"{alertname=\"\"DiskFull\"\",host=\"\"db-1\"\",mount=\"\"/\"\",severity=\"\"critical\"\"}\","
            "0.93,1795780690000,2026-11-27T11:58:10.000Z,1795780390000,1795780690000,0,0,"
            "disk / on db-1 at 93%,DiskFull,fp-DiskFull");
}

v1::AlertTransition MakeTransition(int64_t at, const std::string& name, const char* from,
                                   const char* to, double value) {
  v1::AlertTransition t;
  t.set_at_ms(at);
  t.set_rule(name);
  t.set_fingerprint("fp-" + name);
  LabelsToProto(MakeLabels({{"alertname", name}, {"host", "db-1"}, {"severity", "critical"}}),
                t.mutable_labels());
  t.set_from_state(from);
  t.set_to_state(to);
  t.set_value(value);
  return t;
}

TEST_F(RenderTest, HistoryTableAndTruncationNote) {
  v1::AlertHistoryRequest req;
  req.set_since_ms(kNow - 24 * kHour);
  v1::AlertHistoryResponse r;
  *r.add_transitions() = MakeTransition(kNow - 2 * kHour, "DiskFull", "inactive", "pending", 0.91);
  *r.add_transitions() = MakeTransition(kNow - 115 * kMin, "DiskFull", "pending", "firing", 0.93);
  *r.add_transitions() = MakeTransition(kNow - kMin, "DiskFull", "firing", "resolved", 0.93);
  RenderAlertHistory(r, req, Out(OutputFormat::kTable));
  EXPECT_EQ(out_.str(),
            "TIME                 ALERT     LABELS     FROM \xE2\x86\x92 TO           VALUE\n"
            "2026-11-27 12:03:10  DiskFull  host=db-1  inactive \xE2\x86\x92 pending   0.91\n"
            "2026-11-27 12:08:10  DiskFull  host=db-1  pending \xE2\x86\x92 firing     0.93\n"
            "2026-11-27 14:02:10  DiskFull  host=db-1  firing \xE2\x86\x92 resolved    0.93\n");
  EXPECT_EQ(err_.str(), "");

  r.set_truncated(true);
  RenderAlertHistory(r, req, Out(OutputFormat::kCsv));
  EXPECT_TRUE(Has(out_.str(), "at_ms,at,alertname,labels,from,to,value,rule,fingerprint\n"
                              "1795780990000,2026-11-27T12:03:10.000Z,DiskFull,"))
      << out_.str();
  EXPECT_EQ(err_.str(),
            "sctl: note: only the first 3 state changes since 2026-11-26 14:03:10 are shown "
            "(oldest first); newer ones were left out: use a shorter --since or a larger "
            "--limit\n");

  RenderAlertHistory(v1::AlertHistoryResponse(), req, Out(OutputFormat::kTable));
  EXPECT_EQ(err_.str(), "sctl: no alert state changes since 2026-11-26 14:03:10\n");
}

v1::ListRulesResponse FixedRules() {
  v1::ListRulesResponse r;
  r.set_rules_file("rules/default.yaml");
  r.set_rules_file_ok(true);
  r.set_loaded_ms(kNow - 3 * kHour);
  v1::RuleInfo* cpu = r.add_rules();
  cpu->set_name("HighCpuUsage");
  cpu->set_expr("avg_over_time(node_cpu_usage_ratio[5m]) > 0.7");
  cpu->set_for_ms(5 * kMin);
  AddLabel(cpu->mutable_labels(), "severity", "warning");
  cpu->set_where("rules/default.yaml:40");
  cpu->set_last_evaluation_ms(kNow - 4'000);
  cpu->set_last_duration_seconds(0.0012);
  cpu->set_firing(2);
  cpu->set_pending(1);
  v1::RuleInfo* slow = r.add_rules();
  slow->set_name("SlowQueries");
  slow->set_expr(
      "max by (host, target) (avg_over_time(scout_postgres_statement_mean_seconds[5m])) > 0.1");
  AddLabel(slow->mutable_labels(), "severity", "critical");
  slow->set_last_error("vector matching: many-to-many on the right-hand side");
  slow->set_last_evaluation_ms(kNow - 4'000);
  slow->set_last_duration_seconds(0.25);
  v1::RuleInfo* fresh = r.add_rules();
  fresh->set_name("New");
  fresh->set_expr("up == 0");
  return r;
}

TEST_F(RenderTest, RulesTable) {
  RenderRules(FixedRules(), kNow, Out(OutputFormat::kTable));
  EXPECT_EQ(out_.str(),
            "Rules file rules/default.yaml: 3 rules, loaded 2026-11-27 11:03:10 (3h ago)\n"
            "NAME          FOR  SEVERITY  STATE                                     FIRING  "
            "PENDING  LAST EVAL  EVAL TIME  EXPR\n"
            "HighCpuUsage   5m  warning   ok                                             2  "
            "      1     4s ago    1.20 ms  avg_over_time(node_cpu_usage_ratio[5m]) > 0.7\n"
            "SlowQueries    0s  critical  error: vector matching: many-to-many on…       0  "
            "      0     4s ago     250 ms  max by (host, target) "
            "(avg_over_time(scout_postgres_stateme…\n"
            "New            0s  -         ok                                             0  "
            "      0      never          -  up == 0\n");
  EXPECT_EQ(err_.str(), "");
}

TEST_F(RenderTest, RulesReloadFailureNamesTheError) {
  v1::ListRulesResponse r = FixedRules();
  r.set_rules_file_ok(false);
  r.set_rules_file_error("rules/default.yaml:3:11: key 'rules[0].expr': column 6: expected ')'");
  RenderRules(r, kNow, Out(OutputFormat::kTable));
  EXPECT_EQ(err_.str(),
            "sctl: rules file rules/default.yaml: reload FAILED, older rules still running: "
            "rules/default.yaml:3:11: key 'rules[0].expr': column 6: expected ')'\n");
}

TEST_F(RenderTest, RulesReloadFailureGoesToStderrInEveryFormat) {
  v1::ListRulesResponse r = FixedRules();
  r.set_rules_file_ok(false);
  RenderRules(r, kNow, Out(OutputFormat::kTable));
  EXPECT_TRUE(Has(out_.str(), "(3h ago), last reload FAILED\n")) << out_.str();
  const std::string failed =
      "sctl: rules file rules/default.yaml: reload FAILED, older rules still running: see the "
      "collector's log, or run scout-collector --check-rules on it\n";
  EXPECT_EQ(err_.str(), failed);
  RenderRules(r, kNow, Out(OutputFormat::kJson));
  EXPECT_EQ(err_.str(), failed);
  const std::string json = out_.str();
  EXPECT_TRUE(Has(json, "\"rules_file\": \"rules/default.yaml\",\n  \"rules_file_ok\": false,"))
      << json;
  // The whole expression and error in JSON.
  EXPECT_TRUE(Has(json, "statement_mean_seconds[5m])) > 0.1\"")) << json;
  EXPECT_TRUE(Has(json, "\"last_error\": \"vector matching: many-to-many on the right-hand side\""))
      << json;
  EXPECT_TRUE(Has(json, "\"state\": \"error\"")) << json;
  RenderRules(r, kNow, Out(OutputFormat::kCsv));
  EXPECT_EQ(err_.str(), failed);
  EXPECT_TRUE(Has(out_.str(), "HighCpuUsage,300000,warning,ok,,2,1,1795788186000,0.0012,"))
      << out_.str();
}

v1::Silence MakeSilence(const std::string& id, const std::string& matchers, int64_t ends_ms,
                        const std::string& comment) {
  v1::Silence s;
  s.set_id(id);
  s.set_matchers(matchers);
  s.set_starts_ms(kNow - 2 * kHour);
  s.set_created_ms(kNow - 2 * kHour);
  s.set_ends_ms(ends_ms);
  s.set_created_by("alice");
  s.set_comment(comment);
  return s;
}

TEST_F(RenderTest, SilencesTable) {
  v1::ListSilencesResponse r;
  *r.add_silences() = MakeSilence("b2", "{host=\"db-1\"}", kNow + 80 * kMin, "disk swap, OPS-42");
  *r.add_silences() = MakeSilence("a1", "{alertname=~\"High.*\",env!=\"prod\"}", kNow - 3 * kMin,
                                  "load test");
  RenderSilences(r, kNow, true, Out(OutputFormat::kTable));
  EXPECT_EQ(out_.str(),
            "ID  MATCHERS                           ENDS                                  "
            "CREATED BY  COMMENT\n"
            "a1  {alertname=~\"High.*\",env!=\"prod\"}  2026-11-27 14:00:10 (expired 3m ago)  "
            "alice       load test\n"
            "b2  {host=\"db-1\"}                      2026-11-27 15:23:10 (in 1h20m)        "
            "alice       disk swap, OPS-42\n");
  RenderSilences(r, kNow, true, Out(OutputFormat::kJson));
  EXPECT_TRUE(Has(out_.str(), "\"id\": \"b2\",\n      \"matchers\": \"{host=\\\"db-1\\\"}\""))
      << out_.str();
  EXPECT_TRUE(Has(out_.str(), "\"active\": true")) << out_.str();
  EXPECT_TRUE(Has(out_.str(), "\"active\": false")) << out_.str();
  RenderSilences(v1::ListSilencesResponse(), kNow, false, Out(OutputFormat::kTable));
  EXPECT_EQ(err_.str(), "sctl: no active silences\n");
}

TEST_F(RenderTest, SilenceAdded) {
  v1::AddSilenceResponse r;
  *r.mutable_silence() = MakeSilence("5f3a", "{host=\"db-1\"}", kNow + 2 * kHour, "why");
  r.set_matching_alerts(3);
  RenderSilenceAdded(r, kNow, Out(OutputFormat::kTable));
  EXPECT_EQ(out_.str(),
            "Silence 5f3a added: {host=\"db-1\"} until 2026-11-27 16:03:10 (in 2h); silencing 3 "
            "alerts now\n");
  // Read back a few ms later, the time left still reads as what was asked.
  RenderSilenceAdded(r, kNow + 15, Out(OutputFormat::kTable));
  EXPECT_TRUE(Has(out_.str(), "16:03:10 (in 2h); silencing 3 alerts now\n")) << out_.str();
  r.set_matching_alerts(0);
  RenderSilenceAdded(r, kNow, Out(OutputFormat::kTable));
  EXPECT_TRUE(Has(out_.str(), "(in 2h); no alert matches it now\n")) << out_.str();
  RenderSilenceAdded(r, kNow, Out(OutputFormat::kCsv));
  EXPECT_EQ(out_.str(),
            "id,matchers,starts_ms,ends_ms,ends,created_by,comment,matching_alerts\n"
            "5f3a,\"{host=\"\"db-1\"\"}\",1795780990000,1795795390000,2026-11-27T16:03:10.000Z,"
            "alice,why,0\n");
}

// ---- Against a real collector ----

class AlertCommandsTest : public ::testing::Test {
 protected:
  void StartCollector(bool alerting) {
    config_ = scout::testing::LoopbackCollectorConfig(dir_);
    if (alerting) {
      const std::string rules = (dir_.path() / "rules.yaml").string();
      std::ofstream(rules) << R"(rules:
  - name: TestHigh
    expr: test_metric > 5
    for: 0s
    labels: {severity: critical, team: qa}
    annotations:
      summary: "test_metric on {{ $labels.host }} is {{ $value }}"
  - name: TestSlow
    expr: test_metric > 1
    for: 1h
    labels: {severity: warning}
)";
      config_.alerting.rules_file = rules;
      config_.alerting.engine.evaluation_interval = std::chrono::milliseconds(200);
    }
    auto server = collector::CollectorServer::Start(config_, clock_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    const std::string address = "127.0.0.1:" + std::to_string(server_->port());
    channel_ = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
    stub_ = v1::Alerts::NewStub(channel_);
    ctx_.collector = address;
    ctx_.timeout = std::chrono::seconds(5);
    ctx_.clock = &clock_;
  }

  // test_metric{host="db-1"} = value, as an agent on db-1 would send it.
  void Ingest(double value) {
    v1::Batch batch;
    batch.set_seq(1);
    v1::Series* s = batch.add_series();
    s->set_metric("test_metric");
    AddLabel(s->mutable_labels(), "host", "db-1");
    v1::Point* p = s->add_points();
    p->set_timestamp_ms(kNow - 1'000);
    p->set_value(value);

    ASSERT_TRUE(scout::testing::IngestBatch(channel_, "db-1", 30'000, batch));
  }

  Output Out(OutputFormat format) {
    out_.str("");
    err_.str("");
    return Output{&out_, &err_, format, absl::UTCTimeZone()};
  }

  // Runs `sctl alerts` (table) until its output contains `needle`; the
  // engine evaluates every 200 ms of real time.
  bool WaitForAlerts(const std::string& needle) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < deadline) {
      if (RunAlerts(*stub_, ctx_, false, Out(OutputFormat::kTable)).ok() &&
          Has(out_.str(), needle)) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  scout::testing::TestDir dir_{"scout-ctl-alerts"};
  ManualClock clock_{kNow};
  collector::CollectorConfig config_;
  std::unique_ptr<collector::CollectorServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Alerts::Stub> stub_;
  Context ctx_;
  std::ostringstream out_, err_;
};

TEST_F(AlertCommandsTest, WithoutAlertingEveryCommandSaysHowToEnableIt) {
  StartCollector(false);
  const std::vector<absl::Status> results = {
      RunAlerts(*stub_, ctx_, false, Out(OutputFormat::kTable)),
      RunAlertHistory(*stub_, ctx_, *PlanAlertHistory({}, kNow), Out(OutputFormat::kTable)),
      RunRules(*stub_, ctx_, Out(OutputFormat::kTable)),
      RunSilenceList(*stub_, ctx_, false, Out(OutputFormat::kTable)),
      RunSilenceExpire(*stub_, ctx_, "abc", Out(OutputFormat::kTable)),
  };
  for (const absl::Status& st : results) {
    EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition) << st;
    EXPECT_TRUE(Has(std::string(st.message()), "alerting is not configured on this collector"))
        << st;
  }
  EXPECT_EQ(out_.str(), "");
}

TEST_F(AlertCommandsTest, UnreachableCollector) {
  StartCollector(false);
  server_.reset();
  absl::Status st = RunAlerts(*stub_, ctx_, false, Out(OutputFormat::kTable));
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable) << st;
  EXPECT_TRUE(Has(std::string(st.message()), "cannot reach collector at 127.0.0.1:")) << st;
}

TEST_F(AlertCommandsTest, FireSilenceExpireAndHistory) {
  StartCollector(true);
  Ingest(7);
  ASSERT_TRUE(WaitForAlerts("FIRING ")) << out_.str() << err_.str();
  ASSERT_TRUE(WaitForAlerts("PENDING")) << out_.str() << err_.str();
  EXPECT_EQ(out_.str(),
            "STATE    ALERT     SEVERITY  LABELS             VALUE  SINCE  SUMMARY\n"
            "FIRING   TestHigh  critical  host=db-1,team=qa      7     0s  "
            "test_metric on db-1 is 7\n"
            "PENDING  TestSlow  warning   host=db-1              7     0s  -\n");

  ASSERT_TRUE(RunRules(*stub_, ctx_, Out(OutputFormat::kTable)).ok());
  const std::string rules = out_.str();
  EXPECT_TRUE(Has(rules, "Rules file " + config_.alerting.rules_file + ": 2 rules, loaded "))
      << rules;
  EXPECT_TRUE(Has(rules, "TestHigh   0s  critical  ok          1        0")) << rules;
  EXPECT_TRUE(Has(rules, "TestSlow   1h  warning   ok          0        1")) << rules;
  EXPECT_TRUE(Has(rules, "test_metric > 5\n")) << rules;
  EXPECT_EQ(err_.str(), "");

  // Silence db-1's TestHigh for 2h.
  SilenceAddArgs args;
  args.match = {"host=db-1", "alertname=~Test.igh"};
  args.duration = "2h";
  args.comment = "maintenance, OPS-7";
  auto request = PlanSilenceAdd(args, "tester");
  ASSERT_TRUE(request.ok()) << request.status();
  ASSERT_TRUE(RunSilenceAdd(*stub_, ctx_, *request, Out(OutputFormat::kTable)).ok());
  const std::string added = out_.str();
  ASSERT_TRUE(Has(added, "Silence ")) << added;
  const std::string id = added.substr(8, added.find(' ', 8) - 8);
  EXPECT_EQ(added, "Silence " + id +
                       " added: {host=\"db-1\",alertname=~\"Test.igh\"} until 2026-11-27 "
                       "16:03:10 (in 2h); silencing 1 alert now\n");

  ASSERT_TRUE(WaitForAlerts("FIRING (silenced)")) << out_.str();
  EXPECT_TRUE(Has(out_.str(), "PENDING            TestSlow")) << out_.str();  // not matched

  ASSERT_TRUE(RunSilenceList(*stub_, ctx_, false, Out(OutputFormat::kTable)).ok());
  EXPECT_EQ(out_.str(),
            "ID" + std::string(id.size(), ' ') +
                "MATCHERS                             ENDS                         "
                "CREATED BY  COMMENT\n" +
                id +
                "  {host=\"db-1\",alertname=~\"Test.igh\"}  2026-11-27 16:03:10 (in 2h)  "
                "tester      maintenance, OPS-7\n");

  // Expire it; an unknown id is a clear NotFound.
  absl::Status missing = RunSilenceExpire(*stub_, ctx_, "nope", Out(OutputFormat::kTable));
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.message(), "no silence with id \"nope\" (see sctl silence list --all)");
  ASSERT_TRUE(RunSilenceExpire(*stub_, ctx_, id, Out(OutputFormat::kTable)).ok());
  EXPECT_EQ(out_.str(), "Silence " + id + " expired\n");
  clock_.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(RunSilenceList(*stub_, ctx_, false, Out(OutputFormat::kTable)).ok());
  EXPECT_EQ(err_.str(), "sctl: no active silences\n");
  ASSERT_TRUE(RunSilenceList(*stub_, ctx_, true, Out(OutputFormat::kTable)).ok());
  EXPECT_TRUE(Has(out_.str(), "2026-11-27 14:03:10 (expired 1s ago)")) << out_.str();
  ASSERT_TRUE(WaitForAlerts("FIRING   TestHigh")) << out_.str();  // no longer silenced

  // History: both alerts became active.
  auto history = PlanAlertHistory({"1h", 0}, clock_.NowMs());
  ASSERT_TRUE(history.ok());
  ASSERT_TRUE(RunAlertHistory(*stub_, ctx_, *history, Out(OutputFormat::kTable)).ok());
  const std::string table = out_.str();
  // Column widths depend on the silence audit rows (issue 15) listed too.
  EXPECT_TRUE(std::regex_search(table, std::regex("TestHigh +host=db-1,team=qa +inactive \xE2\x86\x92 firing")))
      << table;
  EXPECT_TRUE(std::regex_search(table, std::regex("TestSlow +host=db-1 +inactive \xE2\x86\x92 pending")))
      << table;
  EXPECT_TRUE(Has(table, "principal=tester")) << "the silence's audit row: " << table;
  ASSERT_TRUE(RunAlertHistory(*stub_, ctx_, *history, Out(OutputFormat::kJson)).ok());
  EXPECT_TRUE(Has(out_.str(), "\"from\": \"inactive\",\n      \"to\": \"firing\",\n"
                              "      \"value\": 7,"))
      << out_.str();
  EXPECT_TRUE(Has(out_.str(), "\"truncated\": false")) << out_.str();
  // A limit of 1 truncates, with a note.
  history->set_limit(1);
  ASSERT_TRUE(RunAlertHistory(*stub_, ctx_, *history, Out(OutputFormat::kTable)).ok());
  EXPECT_TRUE(Has(err_.str(), "sctl: note: only the first 1 state changes")) << err_.str();

  // A matcher the collector refuses is its InvalidArgument, passed through.
  v1::AddSilenceRequest bad = *request;
  bad.set_matchers("test_metric{host=\"db-1\"}");
  absl::Status refused = RunSilenceAdd(*stub_, ctx_, bad, Out(OutputFormat::kTable));
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Has(std::string(refused.message()), "label matchers only")) << refused;
}

}  // namespace
}  // namespace scout::ctl
