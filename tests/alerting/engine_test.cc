// The alert engine, deterministic: a ManualClock drives evaluations by
// hand (EvaluateOnce), samples go into a real SQLite storage, alert states
// into the real SQLite alert store, and "sent" notifications are recorded.
#include "collector/alerting/alert_engine.h"

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "collector/storage/sqlite_alert_store.h"
#include "collector/storage/sqlite_storage.h"
#include "collector/self_metrics.h"
#include "collector/storage_series_source.h"
#include "tests/common/test_dir.h"

namespace scout::collector::alerting {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int64_t kT0 = 1'800'000'000'000;  // a fixed wall-clock start

class EngineTest : public ::testing::Test {
 protected:
  EngineTest() : dir_("scout-engine"), clock_(kT0) {}

  void SetUp() override {
    SqliteOptions options;
    options.path = (dir_.path() / "scout.db").string();
    auto storage = SqliteStorage::Open(options, clock_);
    ASSERT_TRUE(storage.ok()) << storage.status();
    storage_ = *std::move(storage);
    auto store = SqliteAlertStore::Open(options.path);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    source_ = std::make_unique<StorageSeriesSource>(*storage_);
    rules_path_ = (dir_.path() / "rules.yaml").string();
  }

  void WriteRules(const std::string& text) {
    std::ofstream(rules_path_) << text;
  }

  std::unique_ptr<AlertEngine> NewEngine() {
    EngineOptions options;
    options.evaluation_interval = seconds(15);
    options.resend_interval = seconds(60);
    options.resolved_retention = seconds(300);
    options.startup_grace = grace_;
    auto engine = std::make_unique<AlertEngine>(
        rules_path_, *source_, *store_,
        [this](std::vector<AlertNotification> n) {
          for (auto& a : n) sent_.push_back(std::move(a));
        },
        clock_, options);
    const absl::Status s = engine->Init();
    EXPECT_TRUE(s.ok()) << s;
    return engine;
  }

  // One sample of `metric{host=...}` at the clock's now.
  void Sample(const std::string& metric, const std::string& host, double value) {
    WriteBatch batch;
    batch.agent_id = host;
    batch.received_ms = clock_.NowMs();
    batch.series.push_back({SeriesKey{metric, MakeLabels({{"host", host}})},
                            {Point{clock_.NowMs(), value}}});
    ASSERT_TRUE(storage_->Write({&batch}).ok());
  }

  void Advance(seconds s) { clock_.Advance(s); }

  std::vector<AlertView> Active(const AlertEngine& e) {
    std::vector<AlertView> out;
    for (AlertView& v : e.Alerts()) {
      if (v.alert.state != AlertState::kResolved) out.push_back(std::move(v));
    }
    return out;
  }

  std::vector<std::string> History() {
    std::vector<std::string> out;
    auto h = store_->History(0, 1000);
    EXPECT_TRUE(h.ok());
    for (const AlertTransition& t : *h) {
      out.push_back(t.rule + " " + LabelValue(t.labels, "host") + " " + t.from + "->" + t.to);
    }
    return out;
  }

  scout::testing::TestDir dir_;
  ManualClock clock_;
  std::unique_ptr<SqliteStorage> storage_;
  std::unique_ptr<SqliteAlertStore> store_;
  std::unique_ptr<StorageSeriesSource> source_;
  std::string rules_path_;
  std::vector<AlertNotification> sent_;
  milliseconds grace_{0};
};

constexpr char kCpuRule[] = R"(rules:
  - name: HighCpu
    expr: cpu > 0.7
    for: 1m
    labels: {severity: warning, team: platform}
    annotations:
      summary: "CPU on {{ $labels.host }} at {{ $value | humanizePercentage }}"
)";

TEST_F(EngineTest, PendingThenFiringAfterFor) {
  WriteRules(kCpuRule);
  auto engine = NewEngine();
  for (int i = 0; i <= 4; ++i) {  // t0, +15 s, ... +60 s, always above
    Sample("cpu", "web-1", 0.9);
    engine->EvaluateOnce();
    const auto active = Active(*engine);
    ASSERT_EQ(active.size(), 1u);
    const Alert& a = active[0].alert;
    EXPECT_EQ(a.state, i < 4 ? AlertState::kPending : AlertState::kFiring) << "after " << i * 15 << " s";
    EXPECT_EQ(a.active_since_ms, kT0);
    if (i < 4) Advance(seconds(15));
  }
  const Alert a = Active(*engine)[0].alert;
  EXPECT_EQ(a.fired_ms, kT0 + 60'000);
  EXPECT_EQ(LabelValue(a.labels, "alertname"), "HighCpu");
  EXPECT_EQ(LabelValue(a.labels, "severity"), "warning");
  EXPECT_EQ(LabelValue(a.labels, "host"), "web-1");
  EXPECT_EQ(LabelValue(a.annotations, "summary"), "CPU on web-1 at 90%");
  ASSERT_EQ(sent_.size(), 1u) << "sent once, when it started firing";
  EXPECT_FALSE(sent_[0].resolved);
  EXPECT_EQ(sent_[0].starts_at_ms, kT0 + 60'000);
  EXPECT_EQ(sent_[0].ends_at_ms, kT0 + 60'000 + 4 * 60'000) << "4 x max(resend, evaluation)";
  EXPECT_EQ(History(), (std::vector<std::string>{"HighCpu web-1 inactive->pending",
                                                 "HighCpu web-1 pending->firing"}));
  // Re-sent every resend_interval while firing, not every evaluation.
  for (int i = 0; i < 4; ++i) {
    Advance(seconds(15));
    Sample("cpu", "web-1", 0.95);
    engine->EvaluateOnce();
  }
  EXPECT_EQ(sent_.size(), 2u);
  EXPECT_EQ(sent_.back().ends_at_ms, clock_.NowMs() + 240'000) << "endsAt refreshed";
}

TEST_F(EngineTest, FlappingNeverFires) {
  WriteRules(kCpuRule);
  auto engine = NewEngine();
  for (int i = 0; i < 12; ++i) {  // above, below, above, ... for 3 minutes
    Sample("cpu", "web-1", i % 2 == 0 ? 0.9 : 0.5);
    engine->EvaluateOnce();
    for (const AlertView& v : engine->Alerts()) EXPECT_NE(v.alert.state, AlertState::kFiring);
    Advance(seconds(15));
  }
  EXPECT_TRUE(sent_.empty());
  const auto h = History();
  ASSERT_EQ(h.size(), 12u);
  EXPECT_EQ(h[0], "HighCpu web-1 inactive->pending");
  EXPECT_EQ(h[1], "HighCpu web-1 pending->inactive");
}

TEST_F(EngineTest, ResolvesAndKeepsTellingReceiversForTheRetention) {
  WriteRules(R"(rules:
  - {name: HighCpu, expr: cpu > 0.7, labels: {severity: critical}}
)");
  auto engine = NewEngine();
  Sample("cpu", "web-1", 0.9);
  Sample("cpu", "web-2", 0.9);
  engine->EvaluateOnce();  // for: 0 fires at once
  ASSERT_EQ(sent_.size(), 2u);
  Advance(seconds(15));
  Sample("cpu", "web-1", 0.2);  // web-1 recovers, web-2 stays
  Sample("cpu", "web-2", 0.9);
  engine->EvaluateOnce();
  ASSERT_EQ(sent_.size(), 3u) << "the resolve is sent at once";
  EXPECT_TRUE(sent_[2].resolved);
  EXPECT_EQ(LabelValue(sent_[2].labels, "host"), "web-1");
  EXPECT_EQ(sent_[2].ends_at_ms, kT0 + 15'000);
  // Re-sent as resolved every minute until resolved_retention (5 min) ends.
  sent_.clear();
  for (int i = 0; i < 24; ++i) {  // 6 minutes
    Advance(seconds(15));
    Sample("cpu", "web-1", 0.2);
    Sample("cpu", "web-2", 0.9);
    engine->EvaluateOnce();
  }
  int resolved = 0;
  for (const AlertNotification& n : sent_) resolved += n.resolved ? 1 : 0;
  EXPECT_EQ(resolved, 5) << "at +1m .. +5m after resolving (the last as it leaves), then gone";
  for (const AlertView& v : engine->Alerts()) EXPECT_EQ(LabelValue(v.alert.labels, "host"), "web-2");
  // It comes back: a new alert, with a new start.
  Advance(seconds(15));
  Sample("cpu", "web-1", 0.9);
  engine->EvaluateOnce();
  EXPECT_EQ(History().back(), "HighCpu web-1 inactive->firing");
}

TEST_F(EngineTest, RestartMidForNeitherRepagesNorForgets) {
  WriteRules(kCpuRule);
  {
    auto engine = NewEngine();
    Sample("cpu", "web-1", 0.9);
    engine->EvaluateOnce();  // pending since t0
    Advance(seconds(30));
    Sample("cpu", "web-1", 0.9);
    engine->EvaluateOnce();
  }  // collector restarts
  Advance(seconds(30));
  auto restarted = NewEngine();
  ASSERT_EQ(Active(*restarted).size(), 1u) << "the pending alert was restored";
  Sample("cpu", "web-1", 0.9);
  restarted->EvaluateOnce();  // t0 + 60 s: the `for` timer counted across the restart
  ASSERT_EQ(Active(*restarted).size(), 1u);
  EXPECT_EQ(Active(*restarted)[0].alert.state, AlertState::kFiring);
  EXPECT_EQ(sent_.size(), 1u);

  restarted.reset();  // and again, while firing
  Advance(seconds(15));
  auto again = NewEngine();
  Sample("cpu", "web-1", 0.9);
  again->EvaluateOnce();
  EXPECT_EQ(sent_.size(), 1u) << "no re-page after a restart";
  EXPECT_EQ(History(), (std::vector<std::string>{"HighCpu web-1 inactive->pending",
                                                 "HighCpu web-1 pending->firing"}));
  Advance(seconds(45));  // a minute after the last send: the regular re-send
  Sample("cpu", "web-1", 0.9);
  again->EvaluateOnce();
  EXPECT_EQ(sent_.size(), 2u);
}

TEST_F(EngineTest, SilencedAlertsKeepTheirStateButAreNotSent) {
  WriteRules(R"(rules:
  - {name: HighCpu, expr: cpu > 0.7}
)");
  Silence s;
  s.id = "s1";
  s.matchers = R"({host="db-1"})";
  s.starts_ms = kT0;
  s.ends_ms = kT0 + 120'000;
  s.comment = "maintenance";
  ASSERT_TRUE(store_->AddSilence(s, "test").ok());
  auto engine = NewEngine();
  Sample("cpu", "db-1", 0.9);
  Sample("cpu", "web-1", 0.9);
  engine->EvaluateOnce();
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(LabelValue(sent_[0].labels, "host"), "web-1");
  const auto active = Active(*engine);
  ASSERT_EQ(active.size(), 2u);
  for (const AlertView& v : active) {
    EXPECT_EQ(v.alert.state, AlertState::kFiring);
    EXPECT_EQ(v.silenced, LabelValue(v.alert.labels, "host") == "db-1");
  }
  Advance(seconds(135));  // the silence ended: db-1 is sent now
  Sample("cpu", "db-1", 0.9);
  Sample("cpu", "web-1", 0.9);
  engine->EvaluateOnce();
  bool db_sent = false;
  for (const AlertNotification& n : sent_) db_sent = db_sent || LabelValue(n.labels, "host") == "db-1";
  EXPECT_TRUE(db_sent);
}

TEST_F(EngineTest, ReloadsRulesKeepsOldOnesWhenBrokenResolvesRemovedOnes) {
  WriteRules(R"(rules:
  - {name: HighCpu, expr: cpu > 0.7}
)");
  auto engine = NewEngine();
  Sample("cpu", "web-1", 0.9);
  engine->EvaluateOnce();
  ASSERT_EQ(Active(*engine).size(), 1u);

  WriteRules("rules:\n  - {name: HighCpu, expr: cpu >>> 0.7}\n");  // broken edit
  Advance(seconds(15));
  Sample("cpu", "web-1", 0.9);
  engine->EvaluateOnce();
  EXPECT_TRUE(engine->Stats().rules_file_ok) << "a change is read once it stayed the same a cycle";
  Advance(seconds(15));
  Sample("cpu", "web-1", 0.9);
  engine->EvaluateOnce();
  EXPECT_FALSE(engine->Stats().rules_file_ok);
  ASSERT_EQ(engine->Rules().size(), 1u);
  EXPECT_EQ(engine->Rules()[0].expr, "cpu > 0.7") << "the old rules keep running";
  EXPECT_EQ(Active(*engine).size(), 1u);

  WriteRules(R"(rules:
  - {name: LowMemory, expr: mem > 0.8, labels: {severity: critical}}
)");
  for (int i = 0; i < 2; ++i) {
    Advance(seconds(15));
    Sample("cpu", "web-1", 0.9);
    Sample("mem", "web-1", 0.9);
    engine->EvaluateOnce();
  }
  EXPECT_TRUE(engine->Stats().rules_file_ok);
  ASSERT_EQ(engine->Rules().size(), 1u);
  EXPECT_EQ(engine->Rules()[0].name, "LowMemory");
  const auto active = Active(*engine);
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].alert.rule, "LowMemory");
  const auto h = History();
  EXPECT_NE(std::find(h.begin(), h.end(), "HighCpu web-1 firing->resolved"), h.end())
      << "the removed rule's alert is resolved";
}

TEST_F(EngineTest, AFailingRuleKeepsItsAlertsAndCountsTheFailure) {
  WriteRules(R"(rules:
  - {name: Ratio, expr: "errors / requests > 0.1"}
)");
  auto engine = NewEngine();
  Sample("errors", "web-1", 5);
  Sample("requests", "web-1", 10);
  engine->EvaluateOnce();
  ASSERT_EQ(Active(*engine).size(), 1u);
  // A second `requests` series with the same labels but another name can't
  // happen; make the match ambiguous with two errors series instead.
  Advance(seconds(15));
  WriteBatch batch;
  batch.agent_id = "web-1";
  batch.received_ms = clock_.NowMs();
  batch.series.push_back({SeriesKey{"errors", MakeLabels({{"host", "web-1"}, {"code", "500"}})},
                          {Point{clock_.NowMs(), 1}}});
  batch.series.push_back({SeriesKey{"errors", MakeLabels({{"host", "web-1"}, {"code", "502"}})},
                          {Point{clock_.NowMs(), 1}}});
  batch.series.push_back({SeriesKey{"requests", MakeLabels({{"host", "web-1"}})},
                          {Point{clock_.NowMs(), 10}}});
  ASSERT_TRUE(storage_->Write({&batch}).ok());
  WriteRules(R"(rules:
  - {name: Ratio, expr: "errors / on(host) requests > 0.1"}
)");
  engine->EvaluateOnce();  // sees the change
  engine->EvaluateOnce();  // still the same: reloads, evaluates the new rule
  EXPECT_GE(engine->Stats().rule_failures_total, 1u);
  EXPECT_NE(engine->Rules()[0].last_error.find("many-to-many"), std::string::npos)
      << engine->Rules()[0].last_error;
  const auto active = Active(*engine);
  ASSERT_EQ(active.size(), 1u) << "a failing evaluation resolves nothing";
  EXPECT_EQ(active[0].alert.state, AlertState::kFiring);
}

TEST_F(EngineTest, AbsentForFiresPerSilentAgent) {
  WriteRules(R"(rules:
  - name: AgentNotReporting
    expr: absent_for(up_probe, 2m)
    annotations: {summary: "{{ $labels.host }} silent for {{ $value | humanizeDuration }}"}
)");
  auto engine = NewEngine();
  Sample("up_probe", "web-1", 1);
  Sample("up_probe", "web-2", 1);
  engine->EvaluateOnce();
  EXPECT_TRUE(Active(*engine).empty());
  for (int i = 0; i < 10; ++i) {  // web-2 keeps reporting, web-1 stopped
    Advance(seconds(15));
    Sample("up_probe", "web-2", 1);
    engine->EvaluateOnce();
  }
  const auto active = Active(*engine);
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(LabelValue(active[0].alert.labels, "host"), "web-1");
  EXPECT_EQ(LabelValue(active[0].alert.annotations, "summary"), "web-1 silent for 2m 30s");
}

TEST_F(EngineTest, AfterAStartNothingResolvesAndAbsenceWaits) {
  WriteRules(R"yaml(rules:
  - {name: HighCpu, expr: cpu > 0.7}
  - {name: Silent, expr: "absent_for(cpu, 1m)"}
)yaml");
  {
    auto before = NewEngine();
    Sample("cpu", "web-1", 0.9);
    before->EvaluateOnce();  // firing
    ASSERT_EQ(sent_.size(), 1u);
  }
  Advance(seconds(600));  // the collector was down 10 minutes; no data meanwhile
  grace_ = seconds(120);
  auto engine = NewEngine();
  engine->EvaluateOnce();
  auto active = Active(*engine);
  ASSERT_EQ(active.size(), 1u) << "no resolve, and no absence alert, during the grace period";
  EXPECT_EQ(active[0].alert.rule, "HighCpu");
  EXPECT_EQ(active[0].alert.state, AlertState::kFiring);
  Advance(seconds(30));
  Sample("cpu", "web-1", 0.9);  // the agent is back
  engine->EvaluateOnce();
  Advance(seconds(100));  // grace over, data flowing: nothing changed
  Sample("cpu", "web-1", 0.9);
  engine->EvaluateOnce();
  active = Active(*engine);
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(History().size(), 1u) << "one inactive->firing, no resolve/re-fire across the restart";
}

// A rule that cannot be evaluated is counted per rule, its error kept, and
// the default rule ScoutRuleFailing (as rules/default.yaml has it) fires
// naming it, from the per-rule counter the self-metrics write.
TEST_F(EngineTest, FailingRuleIsCountedAndScoutRuleFailingFires) {
  const YAML::Node defaults =
      YAML::LoadFile(std::string(SCOUT_SOURCE_DIR) + "/rules/default.yaml")["rules"];
  YAML::Node scout_rule;
  for (const YAML::Node& r : defaults) {
    if (r["name"].as<std::string>() == "ScoutRuleFailing") scout_rule = r;
  }
  ASSERT_TRUE(scout_rule.IsDefined()) << "ScoutRuleFailing is missing from rules/default.yaml";
  // Two series that are the same once the function drops their names.
  YAML::Node broken = YAML::Load(R"({name: Broken, expr: 'last_over_time({__name__=~"cpu|mem"}[5m]) > 0'})");
  YAML::Node healthy = YAML::Load(R"({name: Healthy, expr: 'cpu > 0.7'})");
  YAML::Node file;
  file["rules"].push_back(broken);
  file["rules"].push_back(healthy);
  file["rules"].push_back(scout_rule);
  YAML::Emitter emitter;
  emitter << file;
  WriteRules(emitter.c_str());
  auto engine = NewEngine();

  auto status_of = [&](const std::string& name) {
    for (const RuleStatus& r : engine->Rules()) {
      if (r.name == name) return r;
    }
    ADD_FAILURE() << "no rule " << name;
    return RuleStatus{};
  };
  for (int cycle = 1; cycle <= 4; ++cycle) {
    Sample("cpu", "web-1", 0.5);
    Sample("mem", "web-1", 0.5);
    engine->EvaluateOnce();
    // What SelfMetrics writes every 10 s, here once a cycle.
    WriteBatch batch;
    batch.agent_id = "collector";
    batch.received_ms = clock_.NowMs();
    batch.series = RuleFailureSeries(engine->Rules(), "collector", clock_.NowMs());
    ASSERT_EQ(batch.series.size(), 3u);  // every rule, failing or not
    ASSERT_TRUE(storage_->Write({&batch}).ok());
    EXPECT_EQ(status_of("Broken").evaluation_failures_total, static_cast<uint64_t>(cycle));
    Advance(seconds(15));
  }
  EXPECT_THAT(status_of("Broken").last_error, ::testing::HasSubstr("more than one element"));
  EXPECT_EQ(status_of("Healthy").evaluation_failures_total, 0u);
  EXPECT_EQ(status_of("Healthy").last_error, "");
  EXPECT_EQ(status_of("ScoutRuleFailing").evaluation_failures_total, 0u);
  EXPECT_EQ(engine->Stats().rule_failures_total, 4u);

  std::vector<AlertView> failing;
  for (AlertView& v : Active(*engine)) {
    if (v.alert.rule == "ScoutRuleFailing") failing.push_back(std::move(v));
  }
  ASSERT_EQ(failing.size(), 1u) << "only Broken fails";
  EXPECT_EQ(failing[0].alert.state, AlertState::kFiring);
  EXPECT_EQ(LabelValue(failing[0].alert.labels, "rule"), "Broken");
  EXPECT_THAT(LabelValue(failing[0].alert.annotations, "summary"),
              ::testing::HasSubstr("alert rule Broken failed to evaluate"));

  // Fixed: no new failure for 15 minutes and the alert resolves.
  YAML::Node fixed;
  fixed["rules"].push_back(YAML::Load("{name: Broken, expr: 'cpu > 0.7'}"));
  fixed["rules"].push_back(scout_rule);
  YAML::Emitter fixed_text;
  fixed_text << fixed;
  WriteRules(fixed_text.c_str());
  for (int cycle = 0; cycle < 70; ++cycle) {  // 17.5 minutes
    Sample("cpu", "web-1", 0.5);
    engine->EvaluateOnce();
    WriteBatch batch;
    batch.agent_id = "collector";
    batch.received_ms = clock_.NowMs();
    batch.series = RuleFailureSeries(engine->Rules(), "collector", clock_.NowMs());
    ASSERT_TRUE(storage_->Write({&batch}).ok());
    Advance(seconds(15));
  }
  EXPECT_EQ(status_of("Broken").last_error, "");
  for (const AlertView& v : Active(*engine)) {
    EXPECT_NE(v.alert.rule, "ScoutRuleFailing") << "still firing after the rule was fixed";
  }
}

}  // namespace
}  // namespace scout::collector::alerting
